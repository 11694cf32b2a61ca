{#- Need prevalence (POPPI/PANSI-style): the council's prevalence rates x its SNPP population by
    projection age band and year. Rules: the yml. -#}
with rates as (
    select * from {{ ref('stg_council__prevalence_rates') }}
),

population as (
    select * from {{ ref('int_snpp_projection_bands') }}
),

final as (
    select
        rates.council_code,
        rates.measure,
        rates.age_band,
        cast(population.year as integer)                            as year,
        cast(population.population as double)                       as population,
        rates.rate_pct,
        cast(population.population * rates.rate_pct / 100.0 as double) as people,
        rates.rate_source
    from rates
    inner join population
        on population.council_code = rates.council_code
       and population.age_band = rates.age_band
)

select * from final
order by council_code, measure, age_band, year
