{#- Demand projection: council x projection year x age band x Tier 3 rung. Rules: the yml. -#}
with base as (
    select * from {{ ref('int_projection_base') }}
    where tier = 3
),

population as (
    select * from {{ ref('int_snpp_projection_bands') }}
),

with_base_population as (
    select
        base.*,
        population.population as base_population
    from base
    left join population
        on population.council_code = base.council_code
       and population.age_band = base.age_band
       and population.year = base.base_year
),

years as (
    select distinct council_code, year from population
),

rated as (
    select
        b.council_code,
        b.base_month,
        b.base_year,
        years.year                                                      as projection_year,
        b.age_band,
        b.care_ladder_rung,
        b.base_population,
        projected.population                                            as projected_population,
        b.service_users                                                 as base_service_users,
        b.service_users * 1000.0 / nullif(b.base_population, 0)         as use_rate_per_1000,
        b.avg_weekly_cost
    from with_base_population as b
    inner join years
        on years.council_code = b.council_code
       and years.year between b.base_year and b.base_year + 15
    left join population as projected
        on projected.council_code = b.council_code
       and projected.age_band = b.age_band
       and projected.year = years.year
),

projected as (
    select
        *,
        use_rate_per_1000 * projected_population / 1000.0              as projected_service_users
    from rated
),

final as (
    select
        council_code,
        base_month,
        cast(projection_year as integer)                                as projection_year,
        age_band,
        care_ladder_rung,
        cast(base_population as double)                                 as base_population,
        cast(projected_population as double)                            as projected_population,
        cast(base_service_users as bigint)                              as base_service_users,
        cast(use_rate_per_1000 as double)                               as use_rate_per_1000,
        cast(projected_service_users as double)                         as projected_service_users,
        {{ money('avg_weekly_cost') }}                                  as avg_weekly_cost,
        {{ money('projected_service_users * coalesce(avg_weekly_cost, 0.0) * ' ~ weeks_per_year()
                 ~ ' * ' ~ cost_price_factor('projection_year', 'base_year')) }} as projected_annual_cost
    from projected
)

select * from final
order by council_code, projection_year, age_band, care_ladder_rung
