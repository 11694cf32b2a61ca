{#- Statutory returns preview: SALT LTS001a / LTS001b and ASCOF 2B / 2C per council x financial year
    x age band, by NHS England's method (`NHS England CLD`: int_nhse_salt_lts_people,
    int_nhse_care_home_admissions) and, where we produce the measure, by ours (`ascw`: LTS001b =
    kpi LTC_USERS' people at the March snapshot, int_ltc_people_monthly; ASCOF 2B/2C =
    care_home_admissions_annual), side by side. Financial years whose March is loaded
    (int_financial_years). Population: ONS mid-year estimate of the year the financial year starts,
    as care_home_admissions_annual has it. -#}
with financial_years as (
    select * from {{ ref('int_financial_years') }}
),

nhse_lts as (
    select * from {{ ref('int_nhse_salt_lts_people') }}
),

nhse_admissions as (
    select * from {{ ref('int_nhse_care_home_admissions') }}
),

ltc_people as (
    select * from {{ ref('int_ltc_people_monthly') }}
),

ascw_admissions as (
    select * from {{ ref('care_home_admissions_annual') }}
),

bands as (
    select * from (values ('18-64'), ('65+')) as bands (age_band)
),

salt_grid as (
    select
        financial_years.council_code,
        financial_years.financial_year,
        financial_years.fy_start_year,
        financial_years.months_loaded,
        grid.measure,
        grid.method,
        grid.breakdown,
        grid.setting,
        bands.age_band
    from financial_years
    cross join bands
    cross join (values
        ('SALT LTS001a', 'NHS England CLD', 'Total', null),
        ('SALT LTS001a', 'NHS England CLD', 'Setting: Community', 'Community'),
        ('SALT LTS001a', 'NHS England CLD', 'Setting: Residential', 'Residential'),
        ('SALT LTS001a', 'NHS England CLD', 'Setting: Nursing', 'Nursing'),
        ('SALT LTS001a', 'NHS England CLD', 'Setting: Prison', 'Prison'),
        ('SALT LTS001b', 'NHS England CLD', 'Total', null),
        ('SALT LTS001b', 'NHS England CLD', 'Setting: Community', 'Community'),
        ('SALT LTS001b', 'NHS England CLD', 'Setting: Residential', 'Residential'),
        ('SALT LTS001b', 'NHS England CLD', 'Setting: Nursing', 'Nursing'),
        ('SALT LTS001b', 'NHS England CLD', 'Setting: Prison', 'Prison'),
        ('SALT LTS001b', 'ascw', 'Total', null),
        ('SALT LTS001b', 'ascw', 'Setting: Community', 'Community'),
        ('SALT LTS001b', 'ascw', 'Setting: Residential', 'Residential'),
        ('SALT LTS001b', 'ascw', 'Setting: Nursing', 'Nursing')
    ) as grid (measure, method, breakdown, setting)
),

salt_people as (
    -- one row per person counted, by method, measure, band and setting
    select council_code, financial_year, measure, 'NHS England CLD' as method, age_band, id as person_key, setting
    from nhse_lts
    union all
    select
        financial_years.council_code,
        financial_years.financial_year,
        'SALT LTS001b',
        'ascw',
        ltc_people.age_band,
        ltc_people.person_id,
        ltc_people.long_term_setting
    from financial_years
    inner join ltc_people
        on ltc_people.council_code = financial_years.council_code
       and ltc_people.month = make_date(financial_years.fy_start_year + 1, 3, 1)
),

salt as (
    select
        salt_grid.council_code,
        salt_grid.financial_year,
        salt_grid.measure,
        salt_grid.age_band,
        salt_grid.breakdown,
        salt_grid.method,
        cast(count(distinct salt_people.person_key) as double) as value,
        salt_grid.months_loaded
    from salt_grid
    left join salt_people
        on salt_people.council_code = salt_grid.council_code
       and salt_people.financial_year = salt_grid.financial_year
       and salt_people.measure = salt_grid.measure
       and salt_people.method = salt_grid.method
       and salt_people.age_band = salt_grid.age_band
       and (salt_grid.setting is null or salt_people.setting = salt_grid.setting)
    group by all
),

ascof_numerators as (
    -- #ASCOF_2B_Numerator / #ASCOF_2C_Numerator: COUNT([ID]) of #RESNURS_Final in the band
    select
        ascw_admissions.council_code,
        ascw_admissions.financial_year,
        ascw_admissions.age_band,
        ascw_admissions.ascof_measure,
        ascw_admissions.population,
        ascw_admissions.months_loaded,
        cast(ascw_admissions.admissions as double) as ascw_numerator,
        cast((select count(*) from nhse_admissions
               where nhse_admissions.council_code = ascw_admissions.council_code
                 and nhse_admissions.financial_year = ascw_admissions.financial_year
                 and nhse_admissions.age_band = ascw_admissions.age_band) as double) as nhse_numerator
    from ascw_admissions
),

ascof as (
    select
        council_code,
        financial_year,
        ascof_measure as measure,
        age_band,
        unpivoted.breakdown,
        unpivoted.method,
        unpivoted.value,
        months_loaded
    from ascof_numerators
    cross join lateral (values
        ('Numerator', 'NHS England CLD', nhse_numerator),
        ('Population', 'NHS England CLD', cast(population as double)),
        ('Per 100,000', 'NHS England CLD', 100000.0 * nhse_numerator / nullif(population, 0)),
        ('Numerator', 'ascw', ascw_numerator),
        ('Population', 'ascw', cast(population as double)),
        ('Per 100,000', 'ascw', 100000.0 * ascw_numerator / nullif(population, 0))
    ) as unpivoted (breakdown, method, value)
),

final as (
    select council_code, financial_year, measure, age_band, breakdown, method, value,
           cast(months_loaded as integer) as months_loaded
    from salt
    union all
    select council_code, financial_year, measure, age_band, breakdown, method, value,
           cast(months_loaded as integer) as months_loaded
    from ascof
)

select * from final
