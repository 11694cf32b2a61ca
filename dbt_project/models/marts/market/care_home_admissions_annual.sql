{#- ASCOF 2B/2C-style permanent admissions to residential and nursing care, per council x
    financial year x age band (age at the service start); people, services and population are
    the council's own.
    - Care-home services: CLD Service events (stg_las_cld__events, latest version of each event)
      with Service Type `Long Term Support: Residential Care` or `Long Term Support: Nursing Care`.
    - A service is new (an admission) unless the same person has another such service that
      started earlier and either is still open on the new start date or ended in the 365 days
      before it (end >= start - 365 days; ending 366 days or more before does not block).
    - A person counts once per financial year, at their earliest new service starting in it
      (1 April - 31 March); age band from that start date and the person's latest CLD date of
      birth; people under 18 or of unknown age are not counted.
    - population: ONS mid-year estimate (Total, single years of age) of the council (area_code =
      council_code) for the year the financial year starts (2023/24 -> mid-2023); per_100k =
      admissions / population x 100,000.
    - Financial years: only those whose March is a loaded month (int_financial_years);
      months_loaded tells a part year (as in the other annual marts). -#}
with financial_years as (
    select * from {{ ref('int_financial_years') }}
),

events as (
    select * from {{ ref('stg_las_cld__events') }}
),

people as (
    select * from {{ ref('int_people') }}
),

mye as (
    select * from {{ ref('stg_ons__mye_population') }}
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

admissions_by_band as (
    select
        admissions.council_code,
        admissions.financial_year,
        {{ age_band(age_in_years('people.date_of_birth', 'admissions.admission_date')) }} as age_band,
        count(*) as admissions
    from admissions
    left join people
        on people.council_code = admissions.council_code
       and people.person_id = admissions.person_id
    group by 1, 2, 3
),

population_by_band as (
    select
        financial_years.council_code,
        financial_years.financial_year,
        {{ age_band('mye.age') }} as age_band,
        sum(mye.population)       as population
    from financial_years
    inner join mye
        on mye.council_code = financial_years.council_code
       and mye.year = financial_years.fy_start_year
       and mye.area_code = financial_years.council_code
       and mye.sex = 'Total'
       and not mye.is_all_ages
       and mye.age is not null
    group by 1, 2, 3
),

grid as (
    select
        financial_years.council_code,
        financial_years.financial_year,
        financial_years.fy_start_year,
        financial_years.months_loaded,
        bands.age_band
    from financial_years
    cross join (values ('18-64'), ('65+')) as bands (age_band)
),

final as (
    select
        grid.council_code,
        grid.financial_year,
        grid.age_band,
        cast(coalesce(admissions_by_band.admissions, 0) as bigint)     as admissions,
        cast(population_by_band.population as bigint)                  as population,
        100000.0 * coalesce(admissions_by_band.admissions, 0)
                 / nullif(population_by_band.population, 0)            as per_100k,
        cast(grid.fy_start_year as integer)                            as population_year,
        cast(grid.months_loaded as integer)                            as months_loaded
    from grid
    left join admissions_by_band
        on admissions_by_band.council_code = grid.council_code
       and admissions_by_band.financial_year = grid.financial_year
       and admissions_by_band.age_band = grid.age_band
    left join population_by_band
        on population_by_band.council_code = grid.council_code
       and population_by_band.financial_year = grid.financial_year
       and population_by_band.age_band = grid.age_band
)

select * from final
