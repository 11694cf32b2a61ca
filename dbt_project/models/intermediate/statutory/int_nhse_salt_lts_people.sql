{#- SALT LTS001a (people in long-term support at any time in the financial year) and LTS001b (on
    31 March) by NHS England's method: its CLD replication code (NHSDigital/ASC-Client-Level-Data-
    SALT-ASCOF-transformations, folders `SALT LTS001a` and `SALT LTS001b`), tables 1a (18-64) and
    1b (65+), translated step by step (each CTE names the T-SQL step). One row per council x
    financial year x measure x age band x NHS England ID, with the person's SALT setting.
    Deviations from the literal code: docs/DECISIONS.md "Statutory returns preview (issue 29)". -#}
with financial_years as (
    select * from {{ ref('int_financial_years') }}
),

submissions as (
    select * from {{ ref('stg_las_cld__lts_submissions') }}
),

measures as (
    -- @StartDate / @EndDate (LTS001a: the year) and @SnapshotDate (LTS001b: 31 March)
    select
        financial_years.council_code,
        financial_years.financial_year,
        measure.measure,
        financial_years.fy_start,
        case when measure.measure = 'SALT LTS001a' then financial_years.fy_start else financial_years.fy_end end as period_start,
        financial_years.fy_end as period_end
    from financial_years
    cross join (values ('SALT LTS001a'), ('SALT LTS001b')) as measure (measure)
),

submission_periods as (
    -- #Latest_Submission, inner query: each submission's reporting period
    select
        council_code,
        submission_month,
        min(reporting_period_start_date) as reporting_period_start_date,
        max(reporting_period_end_date)   as reporting_period_end_date
    from submissions
    group by council_code, submission_month
),

latest_submission as (
    -- #Latest_Submission: the council's last submission within the window whose reporting period
    -- covers the year (start <= 1 April, end >= the period end); a monthly file stands for a
    -- submission, and the window closes with the file of the year's March
    select
        measures.council_code,
        measures.financial_year,
        measures.measure,
        max(submission_periods.submission_month) as submission_month
    from measures
    inner join submission_periods
        on submission_periods.council_code = measures.council_code
       and submission_periods.reporting_period_start_date <= measures.fy_start
       and submission_periods.reporting_period_end_date >= measures.period_end
       and submission_periods.submission_month <= measures.period_end
    group by measures.council_code, measures.financial_year, measures.measure
),

build as (
    -- #LTS001a_Build / #LTS001b_Build: rows of the latest submission, long-term support service
    -- types, Service User, event overlapping the period, not dead before it, birth month known;
    -- Der_Age_EndDate / Der_Age_Snapshot_Date at the period end from the DOB proxy
    select
        measures.council_code,
        measures.financial_year,
        measures.measure,
        submissions.record_id,
        submissions.person_id,
        submissions.nhs_number_hash,
        submissions.service_type,
        {{ nhse_age('submissions.date_of_birth', 'measures.period_end') }} as der_age
    from measures
    inner join latest_submission
        on latest_submission.council_code = measures.council_code
       and latest_submission.financial_year = measures.financial_year
       and latest_submission.measure = measures.measure
    inner join submissions
        on submissions.council_code = measures.council_code
       and submissions.submission_month = latest_submission.submission_month
    where submissions.service_type in ('Long Term Support: Nursing Care', 'Long Term Support: Residential Care',
                                       'Long Term Support: Community', 'Long Term Support: Prison')
      and submissions.client_type = 'Service User'
      and submissions.event_start_date <= measures.period_end
      and (submissions.event_end_date >= measures.period_start or submissions.event_end_date is null)
      and (submissions.date_of_death >= measures.period_start or submissions.date_of_death is null)
      and submissions.date_of_birth is not null
),

{{ nhse_amalgamated_id('build', ['council_code', 'financial_year', 'measure']) }},

age_tables as (
    -- #..._T1a (Der_Age between 18 and 64) and #..._T1b (Der_Age > 64), with #REF_Service_Type_
    -- Delivery_Mech's Hierarchy
    select
        *,
        {{ nhse_age_band('der_age') }} as age_band,
        {{ nhse_salt_hierarchy('service_type') }} as hierarchy
    from build_with_id
    where der_age >= 18
),

min_rank as (
    -- "1. Pull out lowest Hierarchy / 'RANK'": each ID once per table, in its highest setting
    select council_code, financial_year, measure, age_band, id, min(hierarchy) as hierarchy
    from age_tables
    group by all
),

final as (
    select
        council_code,
        financial_year,
        measure,
        age_band,
        id,
        case
            when hierarchy = 1 then 'Nursing'
            when hierarchy = 2 then 'Residential'
            when hierarchy between 3 and 6 then 'Community'
            else 'Prison'
        end as setting
    from min_rank
)

select * from final
