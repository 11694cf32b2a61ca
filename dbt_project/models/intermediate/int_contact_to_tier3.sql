{#- CONTACT_TO_TIER3 cohort: for each month, each person with a Request event starting in the 12
    months to the snapshot (rolling_12m_start .. month_end), counted once at their earliest request
    in that window (ties: lowest Event Reference); `converted` when the person has a long-term
    support Service event starting on or after the request start and at most 90 days after it
    (request start + 90 days inclusive). Age at the request start. -#}
with months as (
    select * from {{ ref('int_months') }}
),

events as (
    select * from {{ ref('stg_las_cld__events') }}
),

requests as (
    select council_code, person_id, event_reference, event_start_date
    from events
    where event_type = 'Request'
),

lts_starts as (
    select council_code, person_id, event_start_date
    from events
    where event_type = 'Service'
      and is_long_term_support
),

people as (
    select * from {{ ref('int_people') }}
),

first_request as (
    select
        months.council_code,
        months.month,
        requests.person_id,
        requests.event_reference as request_event_reference,
        requests.event_start_date as request_start_date
    from requests
    inner join months
        on months.council_code = requests.council_code
       and requests.event_start_date between months.rolling_12m_start and months.month_end
    qualify row_number() over (
        partition by months.council_code, months.month, requests.person_id
        order by requests.event_start_date, requests.event_reference
    ) = 1
),

converted as (
    select
        first_request.council_code,
        first_request.month,
        first_request.person_id,
        min(lts_starts.event_start_date) as first_lts_start_date
    from first_request
    inner join lts_starts
        on lts_starts.council_code = first_request.council_code
       and lts_starts.person_id = first_request.person_id
       and lts_starts.event_start_date >= first_request.request_start_date
       and lts_starts.event_start_date <= first_request.request_start_date + interval 90 day
    group by 1, 2, 3
),

final as (
    select
        first_request.council_code,
        first_request.month,
        first_request.person_id,
        first_request.request_event_reference,
        first_request.request_start_date,
        cast(converted.first_lts_start_date as date) as first_lts_start_date,
        converted.person_id is not null as converted,
        {{ age_in_years('people.date_of_birth', 'first_request.request_start_date') }} as age_at_request,
        {{ age_band(age_in_years('people.date_of_birth', 'first_request.request_start_date')) }} as age_band
    from first_request
    left join converted
        on converted.council_code = first_request.council_code
       and converted.month = first_request.month
       and converted.person_id = first_request.person_id
    left join people
        on people.council_code = first_request.council_code
       and people.person_id = first_request.person_id
)

select * from final
