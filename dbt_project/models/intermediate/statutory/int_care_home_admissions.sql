{#- Permanent admissions to residential and nursing care by our definition (OUTPUTS.md
    `care_home_admissions_annual`), one row per council x financial year x person: the person's
    earliest new care-home service starting in the year and their age band at that start.
    - Care-home services: CLD Service events (stg_las_cld__events, latest version of each event)
      with Service Type `Long Term Support: Residential Care` or `Long Term Support: Nursing Care`.
    - A service is new (an admission) unless the same person has another such service that
      started earlier and either is still open on the new start date or ended in the 365 days
      before it (end >= start - 365 days; ending 366 days or more before does not block).
    - Age band from the admission date and the person's latest CLD date of birth (null under 18
      or unknown: not counted by the mart).
    Read by care_home_admissions_annual (the counts) and statutory_returns_reconciliation (who
    is counted by ours and not by NHS England's method, and why). -#}
with financial_years as (
    select * from {{ ref('int_financial_years') }}
),

events as (
    select * from {{ ref('stg_las_cld__events') }}
),

people as (
    select * from {{ ref('int_people') }}
),

care_home_services as (
    select
        council_code,
        event_reference,
        person_id,
        event_start_date as start_date,
        event_end_date   as end_date
    from events
    where event_type = 'Service'
      and service_type in ('Long Term Support: Residential Care', 'Long Term Support: Nursing Care')
      and event_start_date is not null
),

new_services as (
    select new_service.*
    from care_home_services as new_service
    where not exists (
        select 1
        from care_home_services as earlier
        where earlier.council_code = new_service.council_code
          and earlier.person_id = new_service.person_id
          and earlier.event_reference <> new_service.event_reference
          and earlier.start_date < new_service.start_date
          and (earlier.end_date is null
               or earlier.end_date >= cast(new_service.start_date - interval 365 day as date))
    )
),

admissions as (
    select
        new_services.council_code,
        financial_years.financial_year,
        new_services.person_id,
        min(new_services.start_date) as admission_date
    from new_services
    inner join financial_years
        on financial_years.council_code = new_services.council_code
       and new_services.start_date between financial_years.fy_start and financial_years.fy_end
    group by new_services.council_code, financial_years.financial_year, new_services.person_id
),

final as (
    select
        admissions.council_code,
        admissions.financial_year,
        admissions.person_id,
        admissions.admission_date,
        {{ age_in_years('people.date_of_birth', 'admissions.admission_date') }} as age_at_admission,
        {{ age_band(age_in_years('people.date_of_birth', 'admissions.admission_date')) }} as age_band
    from admissions
    left join people
        on people.council_code = admissions.council_code
       and people.person_id = admissions.person_id
)

select * from final
