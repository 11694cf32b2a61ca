{#- The base of the projection per council: its latest loaded month (int_months), and per rung
    (every rung of seed care_ladder_rungs) x projection age band the people with a line active at
    that month's snapshot (age at the snapshot; under 18 and unknown age left out), the weekly cost
    of those lines, their average per person, and the rung's average over all adult ages. Costs are
    summed as decimals (exact, so every build gives the same bits) and divided as doubles. -#}
with months as (
    select * from {{ ref('int_months') }}
),

line_months as (
    select * from {{ ref('int_service_line_months') }}
),

rungs as (
    select * from {{ ref('care_ladder_rungs') }}
),

bands as (
    select * from {{ ref('projection_age_bands') }}
),

base as (
    select council_code, max(month) as base_month
    from months
    group by council_code
),

active as (
    select
        line_months.council_code,
        line_months.care_ladder_rung,
        bands.age_band,
        line_months.person_id,
        line_months.weekly_cost
    from line_months
    inner join base
        on base.council_code = line_months.council_code
       and base.base_month = line_months.month
    inner join bands
        on line_months.age_at_snapshot between bands.min_age and bands.max_age
    where line_months.active_at_snapshot
),

by_band as (
    select
        council_code,
        care_ladder_rung,
        age_band,
        count(distinct person_id)                   as service_users,
        cast(sum(weekly_cost) as double)            as weekly_cost
    from active
    group by council_code, care_ladder_rung, age_band
),

by_rung as (
    select
        council_code,
        care_ladder_rung,
        cast(sum(weekly_cost) as double) / count(distinct person_id) as avg_weekly_cost_all_ages
    from active
    group by council_code, care_ladder_rung
),

final as (
    select
        base.council_code,
        base.base_month,
        cast(year(base.base_month) as integer)                          as base_year,
        rungs.care_ladder_rung,
        rungs.tier,
        rungs.rung_order,
        bands.age_band,
        bands.band_order,
        cast(coalesce(by_band.service_users, 0) as bigint)              as service_users,
        coalesce(by_band.weekly_cost, 0.0)                              as weekly_cost,
        by_band.weekly_cost / nullif(by_band.service_users, 0)          as avg_weekly_cost,
        by_rung.avg_weekly_cost_all_ages
    from base
    cross join rungs
    cross join bands
    left join by_band
        on by_band.council_code = base.council_code
       and by_band.care_ladder_rung = rungs.care_ladder_rung
       and by_band.age_band = bands.age_band
    left join by_rung
        on by_rung.council_code = base.council_code
       and by_rung.care_ladder_rung = rungs.care_ladder_rung
)

select * from final
