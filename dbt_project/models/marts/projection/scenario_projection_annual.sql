{#- Care-ladder shift scenarios against the baseline (the demand projection). Rules: the yml. -#}
with baseline as (
    select *, cast(year(base_month) as integer) as base_year
    from {{ ref('demand_projection_annual') }}
),

base_costs as (
    select * from {{ ref('int_projection_base') }}
),

scenarios as (
    select * from {{ ref('stg_council__scenarios') }}
),

shifts as (
    select * from {{ ref('stg_council__scenario_shifts') }}
),

unit_costs as (
    select * from {{ ref('stg_council__scenario_unit_costs') }}
),

-- every scenario starts from the baseline's rows, plus zero rows for a to-rung outside the
-- projection's Tier 3 rungs (Reablement, Short Term Care, ...)
grid as (
    select
        scenarios.council_code,
        scenarios.scenario,
        baseline.projection_year,
        baseline.care_ladder_rung,
        baseline.age_band,
        baseline.projected_service_users                    as baseline_users,
        baseline.projected_annual_cost                      as baseline_cost
    from scenarios
    inner join baseline
        on baseline.council_code = scenarios.council_code
    union
    select distinct
        shifts.council_code,
        shifts.scenario,
        baseline.projection_year,
        shifts.to_rung,
        baseline.age_band,
        0.0,
        0.0
    from shifts
    inner join baseline
        on baseline.council_code = shifts.council_code
    where not exists (
        select 1 from baseline as b
        where b.council_code = shifts.council_code and b.care_ladder_rung = shifts.to_rung
    )
),

moves as (
    select
        shifts.council_code,
        shifts.scenario,
        shifts.from_rung,
        shifts.to_rung,
        shifts.age_band,
        baseline.projection_year,
        shifts.share * baseline.projected_service_users                         as moved_users,
        shifts.share * baseline.projected_annual_cost                           as moved_out_cost,
        shifts.share * baseline.projected_service_users
            * coalesce(to_rung.avg_weekly_cost, to_rung.avg_weekly_cost_all_ages, baseline.avg_weekly_cost, 0.0)
            * {{ weeks_per_year() }}
            * {{ cost_price_factor('baseline.projection_year', 'baseline.base_year') }} as moved_in_cost
    from shifts
    inner join baseline
        on baseline.council_code = shifts.council_code
       and baseline.care_ladder_rung = shifts.from_rung
       and baseline.age_band = shifts.age_band
       and baseline.projection_year >= shifts.from_year
    left join base_costs as to_rung
        on to_rung.council_code = shifts.council_code
       and to_rung.care_ladder_rung = shifts.to_rung
       and to_rung.age_band = shifts.age_band
),

changes as (
    select council_code, scenario, from_rung as care_ladder_rung, age_band, projection_year,
           -moved_users as users, -moved_out_cost as cost
    from moves
    union all
    select council_code, scenario, to_rung as care_ladder_rung, age_band, projection_year,
           moved_users as users, moved_in_cost as cost
    from moves
),

change_sums as (
    select council_code, scenario, care_ladder_rung, age_band, projection_year,
           sum(users) as users, sum(cost) as cost
    from changes
    group by council_code, scenario, care_ladder_rung, age_band, projection_year
),

scenario_rows as (
    select
        grid.council_code,
        grid.scenario,
        grid.projection_year,
        grid.care_ladder_rung,
        grid.age_band,
        grid.baseline_users + coalesce(change_sums.users, 0.0)                  as users,
        (grid.baseline_cost + coalesce(change_sums.cost, 0.0))
            * (1.0 + coalesce(unit_costs.unit_cost_change_pct, 0.0) / 100.0)    as cost,
        grid.baseline_users,
        grid.baseline_cost
    from grid
    left join change_sums
        on change_sums.council_code = grid.council_code
       and change_sums.scenario = grid.scenario
       and change_sums.care_ladder_rung = grid.care_ladder_rung
       and change_sums.age_band = grid.age_band
       and change_sums.projection_year = grid.projection_year
    left join unit_costs
        on unit_costs.council_code = grid.council_code
       and unit_costs.scenario = grid.scenario
       and unit_costs.care_ladder_rung = grid.care_ladder_rung
),

combined as (
    select
        council_code, 'baseline' as scenario, projection_year, care_ladder_rung, age_band,
        projected_service_users as users, projected_annual_cost as cost,
        projected_service_users as baseline_users, projected_annual_cost as baseline_cost
    from baseline
    union all
    select
        council_code, scenario, projection_year, care_ladder_rung, age_band,
        users, cost, baseline_users, baseline_cost
    from scenario_rows
),

final as (
    select
        council_code,
        scenario,
        cast(projection_year as integer)                    as projection_year,
        care_ladder_rung,
        age_band,
        cast(users as double)                               as projected_service_users,
        {{ money('cost') }}                                 as projected_annual_cost,
        cast(users - baseline_users as double)              as delta_service_users,
        {{ money('cost - baseline_cost') }}                 as delta_annual_cost
    from combined
)

select * from final
order by council_code, scenario, projection_year, care_ladder_rung, age_band
