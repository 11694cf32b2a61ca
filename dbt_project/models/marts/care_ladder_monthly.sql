{#- Care ladder: council x month x rung x age band (full grid of 12 rungs x 3 bands per council
    and month). See the yml for every definition. -#}
with months as (
    select * from {{ ref('int_months') }}
),

rungs as (
    select * from {{ ref('care_ladder_rungs') }}
),

bands as (
    select * from {{ ref('age_bands') }}
),

line_months as (
    select * from {{ ref('int_service_line_months') }}
),

people as (
    select * from {{ ref('int_people') }}
),

-- each line-month counts in its own age band (when known) and in All
line_bands as (
    select line_months.*, bands.age_band as band
    from line_months
    inner join bands
        on bands.age_band = 'All' or bands.age_band = line_months.age_band
),

line_measures as (
    select
        council_code,
        month,
        care_ladder_rung,
        band as age_band,
        count(case when active_at_snapshot then 1 end) as active_lines,
        sum(case when active_at_snapshot then weekly_cost else 0 end) as weekly_cost,
        sum(cost_days) as cost_days,
        sum(case when active_at_snapshot and rate_unit = 'Hour' then planned_units_per_week else 0 end) as weekly_hours
    from line_bands
    group by 1, 2, 3, 4
),

-- Tier 1: people whose Request ended in the month with outcome Information & Advice / Signposting
info_advice as (
    select
        requests.council_code,
        months.month,
        'Information & Advice' as care_ladder_rung,
        requests.person_id,
        {{ age_band(age_in_years('people.date_of_birth', 'months.month_end')) }} as age_band
    from {{ ref('stg_las_cld__events') }} as requests
    inner join months
        on months.council_code = requests.council_code
       and requests.event_end_date between months.month and months.month_end
    left join people
        on people.council_code = requests.council_code
       and people.person_id = requests.person_id
    where requests.event_type = 'Request'
      and requests.event_outcome = 'NFA - Information & Advice / Signposting only'
),

user_rows as (
    select council_code, month, care_ladder_rung, person_id, age_band
    from line_months
    where active_at_snapshot
    union
    select council_code, month, care_ladder_rung, person_id, age_band
    from info_advice
),

user_measures as (
    select
        user_rows.council_code,
        user_rows.month,
        user_rows.care_ladder_rung,
        bands.age_band,
        count(distinct user_rows.person_id) as service_users
    from user_rows
    inner join bands
        on bands.age_band = 'All' or bands.age_band = user_rows.age_band
    group by 1, 2, 3, 4
),

grid as (
    select months.council_code, months.month, rungs.care_ladder_rung, rungs.tier, rungs.rung_order, bands.age_band, bands.band_order
    from months
    cross join rungs
    cross join bands
),

joined as (
    select
        grid.council_code,
        grid.month,
        grid.care_ladder_rung,
        grid.tier,
        grid.age_band,
        grid.rung_order,
        grid.band_order,
        coalesce(user_measures.service_users, 0) as service_users,
        coalesce(line_measures.active_lines, 0) as active_lines,
        coalesce(line_measures.weekly_cost, 0) as weekly_cost,
        coalesce(line_measures.cost_days, 0) as cost_days,
        coalesce(line_measures.weekly_hours, 0) as weekly_hours
    from grid
    left join line_measures
        on line_measures.council_code = grid.council_code
       and line_measures.month = grid.month
       and line_measures.care_ladder_rung = grid.care_ladder_rung
       and line_measures.age_band = grid.age_band
    left join user_measures
        on user_measures.council_code = grid.council_code
       and user_measures.month = grid.month
       and user_measures.care_ladder_rung = grid.care_ladder_rung
       and user_measures.age_band = grid.age_band
),

with_totals as (
    select
        *,
        sum(case when tier = 3 then cost_days end) over (partition by council_code, month, age_band) as tier3_cost_days,
        sum(case when tier = 3 then service_users end) over (partition by council_code, month, age_band) as tier3_service_users
    from joined
),

final as (
    select
        council_code,
        month,
        care_ladder_rung,
        tier,
        age_band,
        cast(service_users as bigint) as service_users,
        cast(active_lines as bigint) as active_lines,
        {{ money('weekly_cost') }} as weekly_cost,
        {{ money('cost_days / 7.0') }} as spend,
        case when tier = 3 and tier3_cost_days <> 0
            then 100.0 * cast(cost_days as double) / cast(tier3_cost_days as double) end as pct_spend,
        case when tier = 3 and tier3_service_users <> 0
            then 100.0 * service_users / tier3_service_users end as pct_activity,
        cast(weekly_hours as double) as weekly_hours
    from with_totals
)

select * from final
order by council_code, month, care_ladder_rung, age_band
