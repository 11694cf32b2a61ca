{#- ASCOF 2B/2C-style permanent admissions to residential and nursing care, per council x
    financial year x age band (age at the service start); people, services and population are
    the council's own.
    Person-level admissions come from int_care_home_admissions:
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
      months_loaded tells a part year (as in the other annual marts).
    - England: the council's reference/national_comparators.csv (optional) row of the same
      financial year and age band (ASCOF 2B = 18-64, 2C = 65+); null when the file has no such row
      (never another year's value). -#}
with financial_years as (
    select * from {{ ref('int_financial_years') }}
),

admissions as (
    select * from {{ ref('int_care_home_admissions') }}
),

mye as (
    select * from {{ ref('stg_ons__mye_population') }}
),

england as (
    select * from {{ ref('stg_council__national_comparators') }}
),

admissions_by_band as (
    select council_code, financial_year, age_band, count(*) as admissions
    from admissions
    where age_band is not null
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
        bands.age_band,
        bands.ascof_measure
    from financial_years
    cross join (values ('18-64', 'ASCOF 2B'), ('65+', 'ASCOF 2C')) as bands (age_band, ascof_measure)
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
        cast(grid.months_loaded as integer)                            as months_loaded,
        grid.ascof_measure                                             as ascof_measure,
        england.value                                                  as england_per_100k,
        england.value_source                                           as england_source
    from grid
    left join admissions_by_band
        on admissions_by_band.council_code = grid.council_code
       and admissions_by_band.financial_year = grid.financial_year
       and admissions_by_band.age_band = grid.age_band
    left join population_by_band
        on population_by_band.council_code = grid.council_code
       and population_by_band.financial_year = grid.financial_year
       and population_by_band.age_band = grid.age_band
    left join england
        on england.council_code = grid.council_code
       and england.financial_year = grid.financial_year
       and england.age_band = grid.age_band
       and england.measure = grid.ascof_measure
)

select * from final
