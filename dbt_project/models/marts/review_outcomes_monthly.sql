{#- Reviews completed in the month (CLD Review events with Event End Date in the month) by whether
    the person's committed weekly cost went down, up or stayed the same: the sum of Weekly Cost of
    the person's ContrOCC lines active on the day before the review start vs active on the review
    start + 28 days. Grain council x month x age band (18-64, 65+, All; age at the snapshot). -#}
with months as (
    select * from {{ ref('int_months') }}
),

bands as (
    select * from {{ ref('age_bands') }}
),

reviews as (
    select
        events.council_code,
        months.month,
        months.month_end,
        events.event_reference,
        events.person_id,
        events.event_start_date,
        events.event_end_date
    from {{ ref('stg_las_cld__events') }} as events
    inner join months
        on months.council_code = events.council_code
       and events.event_end_date between months.month and months.month_end
    where events.event_type = 'Review'
),

lines as (
    select council_code, person_id, start_date, end_date, weekly_cost
    from {{ ref('int_service_lines') }}
),

costs as (
    select
        reviews.council_code,
        reviews.month,
        reviews.month_end,
        reviews.event_reference,
        reviews.person_id,
        coalesce(sum(lines.weekly_cost) filter (
            where {{ is_active_on('lines.start_date', 'lines.end_date', 'cast(reviews.event_start_date - interval 1 day as date)') }}
        ), 0) as weekly_cost_before,
        coalesce(sum(lines.weekly_cost) filter (
            where {{ is_active_on('lines.start_date', 'lines.end_date', 'cast(reviews.event_start_date + interval 28 day as date)') }}
        ), 0) as weekly_cost_after
    from reviews
    left join lines
        on lines.council_code = reviews.council_code
       and lines.person_id = reviews.person_id
    group by 1, 2, 3, 4, 5
),

classified as (
    select
        costs.*,
        case
            when weekly_cost_after < weekly_cost_before then 'Reduced'
            when weekly_cost_after > weekly_cost_before then 'Increased'
            else 'Same'
        end as cost_outcome,
        {{ age_band(age_in_years('people.date_of_birth', 'costs.month_end')) }} as person_age_band
    from costs
    left join {{ ref('int_people') }} as people
        on people.council_code = costs.council_code
       and people.person_id = costs.person_id
),

measures as (
    select
        classified.council_code,
        classified.month,
        bands.age_band,
        count(*) as reviews_completed,
        count(*) filter (where cost_outcome = 'Reduced') as packages_reduced,
        count(*) filter (where cost_outcome = 'Increased') as packages_increased,
        count(*) filter (where cost_outcome = 'Same') as packages_same,
        sum(weekly_cost_before) as weekly_cost_before,
        sum(weekly_cost_after) as weekly_cost_after
    from classified
    inner join bands
        on bands.age_band = 'All' or bands.age_band = classified.person_age_band
    group by 1, 2, 3
),

final as (
    select
        months.council_code,
        months.month,
        bands.age_band,
        cast(coalesce(measures.reviews_completed, 0) as bigint) as reviews_completed,
        cast(coalesce(measures.packages_reduced, 0) as bigint) as packages_reduced,
        cast(coalesce(measures.packages_increased, 0) as bigint) as packages_increased,
        cast(coalesce(measures.packages_same, 0) as bigint) as packages_same,
        {{ money('coalesce(measures.weekly_cost_before, 0)') }} as weekly_cost_before,
        {{ money('coalesce(measures.weekly_cost_after, 0)') }} as weekly_cost_after,
        {{ money('coalesce(measures.weekly_cost_after, 0) - coalesce(measures.weekly_cost_before, 0)') }} as weekly_cost_change
    from months
    cross join bands
    left join measures
        on measures.council_code = months.council_code
       and measures.month = months.month
       and measures.age_band = bands.age_band
)

select * from final
order by council_code, month, age_band
