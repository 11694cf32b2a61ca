{#- One row per person in CLD: person details from their latest CLD row (the newest file month,
    then the latest Event Start Date, then the highest Event Reference). -#}
with events as (
    select * from {{ ref('stg_las_cld__events') }}
),

latest as (
    select *
    from events
    qualify row_number() over (
        partition by council_code, person_id
        order by source_month desc nulls last, event_start_date desc nulls last, event_reference desc
    ) = 1
),

final as (
    select
        council_code,
        person_id,
        date_of_birth,
        date_of_death,
        gender,
        ethnicity,
        primary_support_reason,
        client_type,
        accommodation_status,
        employment_status,
        event_reference  as latest_event_reference,
        source_month     as latest_source_month
    from latest
)

select * from final
