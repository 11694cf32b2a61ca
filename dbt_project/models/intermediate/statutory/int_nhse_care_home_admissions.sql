{#- ASCOF 2B (18-64) / 2C (65+) admissions to residential and nursing care by NHS England's method:
    its CLD replication code (NHSDigital/ASC-Client-Level-Data-SALT-ASCOF-transformations, folder
    `ASCOF 2B2C`), translated step by step (each CTE names the T-SQL step). @SnapshotDate is the
    day after the financial year (1 April); the submission window closes with the file of the
    year's March. One row per council x financial year x ID x Der_Age_Snapshot_Date (#RESNURS_Final
    is `SELECT DISTINCT [ID], LA_Code, [Der_Age_Snapshot_Date]` and the numerators COUNT([ID]) of
    it), people under 18 included with a null age band (neither numerator counts them).
    Deviations from the literal code: docs/DECISIONS.md "Statutory returns preview (issue 29)". -#}
with financial_years as (
    select * from {{ ref('int_financial_years') }}
),

submissions as (
    select * from {{ ref('stg_las_cld__lts_submissions') }}
),

resnurs_build as (
    -- #RESNURS_Build: Service events, Service User, Residential or Nursing Care, birth month known;
    -- Der_Age_Snapshot_Date from the DOB proxy (only submissions within the window: see DECISIONS)
    select
        financial_years.council_code,
        financial_years.financial_year,
        financial_years.fy_start,
        cast(financial_years.fy_end + interval 1 day as date) as snapshot_date,
        submissions.submission_month,
        submissions.record_id,
        submissions.la_code,
        submissions.person_id,
        submissions.nhs_number_hash,
        submissions.client_type,
        submissions.service_type,
        submissions.service_component,
        submissions.delivery_mechanism,
        submissions.event_start_date,
        submissions.event_end_date,
        {{ nhse_age('submissions.date_of_birth', 'cast(financial_years.fy_end + interval 1 day as date)') }} as der_age_snapshot_date
    from financial_years
    inner join submissions
        on submissions.council_code = financial_years.council_code
       and submissions.submission_month <= financial_years.fy_end
    where submissions.event_type = 'Service'
      and submissions.client_type = 'Service User'
      and submissions.service_type in ('Long Term Support: Residential Care', 'Long Term Support: Nursing Care')
      and submissions.date_of_birth is not null
),

{{ nhse_amalgamated_id('resnurs_build', ['council_code', 'financial_year']) }},

with_event_id as (
    -- CREATE EVENT_ID: CONCAT(LA_CODE, [ID], Event_Start_Date, Client_Type, Service_Type,
    -- Service_Component, Delivery_Mechanism) (CONCAT: a NULL is an empty string)
    select
        *,
        concat(la_code, id, strftime(event_start_date, '%Y-%m-%d'), client_type, service_type,
               service_component, delivery_mechanism) as event_id
    from resnurs_build_with_id
),

resnurs as (
    -- APPLY DATE FILTER: #RESNURS = rows open at the snapshot (Event_End_Date >= @SnapshotDate or NULL)
    select * from with_event_id
    where event_end_date >= snapshot_date or event_end_date is null
),

latest_event_submission as (
    -- #CLOSED_EVENTS, inner query: MAX(ImportDate) of each EVENT_ID within the window
    select council_code, financial_year, event_id, max(submission_month) as latest_submission
    from with_event_id
    group by all
),

closed_events as (
    -- #CLOSED_EVENTS: events with a row closed before the snapshot in their latest submission,
    -- among the events of #RESNURS
    select distinct with_event_id.council_code, with_event_id.financial_year, with_event_id.event_id,
           latest_event_submission.latest_submission
    from with_event_id
    inner join latest_event_submission
        on latest_event_submission.council_code = with_event_id.council_code
       and latest_event_submission.financial_year = with_event_id.financial_year
       and latest_event_submission.event_id = with_event_id.event_id
       and latest_event_submission.latest_submission = with_event_id.submission_month
    where with_event_id.event_end_date < with_event_id.snapshot_date
      and exists (
          select 1 from resnurs
          where resnurs.council_code = with_event_id.council_code
            and resnurs.financial_year = with_event_id.financial_year
            and resnurs.event_id = with_event_id.event_id
      )
),

reopened as (
    -- #REOPENED: closed events that also have an open row in that same latest submission
    select distinct closed_events.council_code, closed_events.financial_year, closed_events.event_id
    from with_event_id
    inner join closed_events
        on closed_events.council_code = with_event_id.council_code
       and closed_events.financial_year = with_event_id.financial_year
       and closed_events.event_id = with_event_id.event_id
       and closed_events.latest_submission = with_event_id.submission_month
    where with_event_id.event_end_date >= with_event_id.snapshot_date or with_event_id.event_end_date is null
),

resnurs_current as (
    -- delete from #RESNURS where EVENT_ID in #CLOSED_EVENTS and not in #REOPENED
    select resnurs.*
    from resnurs
    where not exists (
        select 1 from closed_events
        where closed_events.council_code = resnurs.council_code
          and closed_events.financial_year = resnurs.financial_year
          and closed_events.event_id = resnurs.event_id
          and not exists (
              select 1 from reopened
              where reopened.council_code = closed_events.council_code
                and reopened.financial_year = closed_events.financial_year
                and reopened.event_id = closed_events.event_id
          )
    )
),

previous_admissions as (
    -- #PREVIOUSADMISSIONS: IDs with a placement open at the snapshot that started before the year
    select distinct council_code, financial_year, id
    from resnurs_current
    where event_start_date < fy_start
),

admissions as (
    -- #ADMISSIONS: placements open at the snapshot that started in the year
    select distinct council_code, financial_year, id, der_age_snapshot_date
    from resnurs_current
    where event_start_date >= fy_start and event_start_date < snapshot_date
),

final as (
    -- #RESNURS_Final: admissions of IDs without a previous admission; the age bands of the
    -- numerators (#ASCOF_2B_Numerator: between 18 and 64; #ASCOF_2C_Numerator: > 64)
    select
        admissions.council_code,
        admissions.financial_year,
        admissions.id,
        admissions.der_age_snapshot_date as age_at_snapshot,
        {{ nhse_age_band('admissions.der_age_snapshot_date') }} as age_band
    from admissions
    where not exists (
        select 1 from previous_admissions
        where previous_admissions.council_code = admissions.council_code
          and previous_admissions.financial_year = admissions.financial_year
          and previous_admissions.id = admissions.id
    )
)

select * from final
