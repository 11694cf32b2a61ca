{#- People with an active long-term support CLD Service event at each snapshot, with their
    long-term setting by the SALT hierarchy (any active Nursing Care -> Nursing, else any
    Residential Care -> Residential, else Community) and age at the snapshot. -#}
with months as (
    select * from {{ ref('int_months') }}
),

lts_events as (
    select council_code, person_id, service_type, event_start_date, event_end_date
    from {{ ref('stg_las_cld__events') }}
    where event_type = 'Service'
      and is_long_term_support
),

people as (
    select * from {{ ref('int_people') }}
),

active as (
    select
        months.council_code,
        months.month,
        months.month_end,
        lts_events.person_id,
        case
            when bool_or(lts_events.service_type = 'Long Term Support: Nursing Care') then 'Nursing'
            when bool_or(lts_events.service_type = 'Long Term Support: Residential Care') then 'Residential'
            else 'Community'
        end as long_term_setting
    from lts_events
    inner join months
        on months.council_code = lts_events.council_code
       and {{ is_active_on('lts_events.event_start_date', 'lts_events.event_end_date', 'months.month_end') }}
    group by 1, 2, 3, 4
),

final as (
    select
        active.council_code,
        active.month,
        active.person_id,
        active.long_term_setting,
        {{ age_in_years('people.date_of_birth', 'active.month_end') }} as age_at_snapshot,
        {{ age_band(age_in_years('people.date_of_birth', 'active.month_end')) }} as age_band
    from active
    left join people
        on people.council_code = active.council_code
       and people.person_id = active.person_id
)

select * from final
