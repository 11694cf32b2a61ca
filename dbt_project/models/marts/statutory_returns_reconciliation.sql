{#- Why ASCOF 2B / 2C differ between our method (`ascw`: care_home_admissions_annual, from
    int_care_home_admissions) and NHS England's (int_nhse_care_home_admissions): per council x
    financial year x measure (age band), the admissions counted by one method and not the other,
    by reason. Both methods' admissions are matched on NHS England's person ID (ours are keyed by
    the LA person identifier: a person's ID is the NHS number on any of their rows, else their LA
    identifier). For each ID and band, the method with more admissions has the surplus counted
    `ascw only` or `NHS England only`, so that for every measure
    sum(difference) = ascw numerator - NHS England numerator exactly. Reasons, first that applies:
    - `age band differs by the reference date`: the other method counts the ID in the other band
      (ours: age at admission from the date of birth; NHS England's: age on the 1 April after the
      year from the 1st of the birth month, days / 365.25);
    - `placement closed before the snapshot` (ascw only): none of the person's care-home
      placements that started in the year is open on the 1 April after it;
    - `earlier placement ended before the year` (NHS England only): the person had a care-home
      placement that ended in the 365 days before the year (ours: not new; NHS England's looks
      only at placements open at the snapshot);
    - `earlier placement ended in the year` (NHS England only): a move between homes, a placement
      from before the year ended in it and the next started (ours: not new; NHS England's: the
      earlier one is not open at the snapshot, so no previous admission);
    - `other`: anything else (two LA identifiers with one NHS number, a client type other than
      Service User, versions of an event that differ).
    A zero row for every measure, direction and reason. -#}
with financial_years as (
    select * from {{ ref('int_financial_years') }}
),

ascw_admissions as (
    select * from {{ ref('int_care_home_admissions') }}
),

nhse_admissions as (
    select * from {{ ref('int_nhse_care_home_admissions') }}
),

submissions as (
    select * from {{ ref('stg_las_cld__lts_submissions') }}
),

events as (
    select * from {{ ref('stg_las_cld__events') }}
),

person_ids as (
    -- NHS England's ID of each of our people: the NHS number on any of their rows in the window
    select
        financial_years.council_code,
        financial_years.financial_year,
        submissions.person_id,
        coalesce('NHS:' || min(submissions.nhs_number_hash), 'LA:' || submissions.person_id) as id
    from financial_years
    inner join submissions
        on submissions.council_code = financial_years.council_code
       and submissions.submission_month <= financial_years.fy_end
    where submissions.person_id is not null
    group by financial_years.council_code, financial_years.financial_year, submissions.person_id
),

ascw_by_id as (
    select
        ascw_admissions.council_code,
        ascw_admissions.financial_year,
        coalesce(person_ids.id, 'LA:' || ascw_admissions.person_id) as id,
        ascw_admissions.age_band,
        count(*) as admissions
    from ascw_admissions
    left join person_ids
        on person_ids.council_code = ascw_admissions.council_code
       and person_ids.financial_year = ascw_admissions.financial_year
       and person_ids.person_id = ascw_admissions.person_id
    where ascw_admissions.age_band is not null
    group by all
),

nhse_by_id as (
    select council_code, financial_year, id, age_band, count(*) as admissions
    from nhse_admissions
    where age_band is not null
    group by all
),

compared as (
    select
        coalesce(ascw_by_id.council_code, nhse_by_id.council_code)     as council_code,
        coalesce(ascw_by_id.financial_year, nhse_by_id.financial_year) as financial_year,
        coalesce(ascw_by_id.id, nhse_by_id.id)                         as id,
        coalesce(ascw_by_id.age_band, nhse_by_id.age_band)             as age_band,
        coalesce(ascw_by_id.admissions, 0)                             as ascw,
        coalesce(nhse_by_id.admissions, 0)                             as nhse
    from ascw_by_id
    full outer join nhse_by_id
        on nhse_by_id.council_code = ascw_by_id.council_code
       and nhse_by_id.financial_year = ascw_by_id.financial_year
       and nhse_by_id.id = ascw_by_id.id
       and nhse_by_id.age_band = ascw_by_id.age_band
),

care_home_events as (
    -- our care-home placements (latest version of each event), keyed by NHS England's ID
    select
        person_ids.council_code,
        person_ids.financial_year,
        person_ids.id,
        events.event_start_date,
        events.event_end_date
    from events
    inner join person_ids
        on person_ids.council_code = events.council_code
       and person_ids.person_id = events.person_id
    where events.event_type = 'Service'
      and events.service_type in ('Long Term Support: Residential Care', 'Long Term Support: Nursing Care')
),

differences as (
    select
        compared.council_code,
        compared.financial_year,
        compared.age_band,
        case when compared.ascw > compared.nhse then 'ascw only' else 'NHS England only' end as counted_by,
        case
            when compared.ascw > compared.nhse and exists (
                select 1 from nhse_by_id as other
                where other.council_code = compared.council_code and other.financial_year = compared.financial_year
                  and other.id = compared.id and other.age_band <> compared.age_band)
                then 'age band differs by the reference date'
            when compared.nhse > compared.ascw and exists (
                select 1 from ascw_by_id as other
                where other.council_code = compared.council_code and other.financial_year = compared.financial_year
                  and other.id = compared.id and other.age_band <> compared.age_band)
                then 'age band differs by the reference date'
            when compared.ascw > compared.nhse and not exists (
                select 1 from care_home_events as placement
                where placement.council_code = compared.council_code and placement.financial_year = compared.financial_year
                  and placement.id = compared.id
                  and placement.event_start_date between financial_years.fy_start and financial_years.fy_end
                  and (placement.event_end_date is null or placement.event_end_date > financial_years.fy_end))
                then 'placement closed before the snapshot'
            when compared.nhse > compared.ascw and exists (
                select 1 from care_home_events as placement
                where placement.council_code = compared.council_code and placement.financial_year = compared.financial_year
                  and placement.id = compared.id
                  and placement.event_end_date < financial_years.fy_start
                  and placement.event_end_date >= cast(financial_years.fy_start - interval 365 day as date))
                then 'earlier placement ended before the year'
            when compared.nhse > compared.ascw and exists (
                select 1 from care_home_events as placement
                where placement.council_code = compared.council_code and placement.financial_year = compared.financial_year
                  and placement.id = compared.id
                  and placement.event_start_date < financial_years.fy_start
                  and placement.event_end_date between financial_years.fy_start and financial_years.fy_end)
                then 'earlier placement ended in the year'
            else 'other'
        end as reason,
        abs(compared.ascw - compared.nhse) as admissions
    from compared
    inner join financial_years
        on financial_years.council_code = compared.council_code
       and financial_years.financial_year = compared.financial_year
    where compared.ascw <> compared.nhse
),

grid as (
    select
        financial_years.council_code,
        financial_years.financial_year,
        measures.measure,
        measures.age_band,
        directions.counted_by,
        reasons.reason,
        reasons.reason_order
    from financial_years
    cross join (values ('ASCOF 2B', '18-64'), ('ASCOF 2C', '65+')) as measures (measure, age_band)
    cross join (values ('ascw only'), ('NHS England only')) as directions (counted_by)
    cross join (values
        ('placement closed before the snapshot', 1),
        ('earlier placement ended before the year', 2),
        ('earlier placement ended in the year', 3),
        ('age band differs by the reference date', 4),
        ('other', 5)
    ) as reasons (reason, reason_order)
),

final as (
    select
        grid.council_code,
        grid.financial_year,
        grid.measure,
        grid.age_band,
        grid.counted_by,
        grid.reason,
        cast(coalesce(sum(differences.admissions), 0) as bigint) as admissions,
        cast(coalesce(sum(differences.admissions), 0)
             * case when grid.counted_by = 'ascw only' then 1 else -1 end as bigint) as difference
    from grid
    left join differences
        on differences.council_code = grid.council_code
       and differences.financial_year = grid.financial_year
       and differences.age_band = grid.age_band
       and differences.counted_by = grid.counted_by
       and differences.reason = grid.reason
    group by grid.council_code, grid.financial_year, grid.measure, grid.age_band, grid.counted_by,
             grid.reason, grid.reason_order
)

select * from final
