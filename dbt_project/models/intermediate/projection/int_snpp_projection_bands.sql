{#- The council's own SNPP population (area_code = council_code, component Population, persons) by
    projection age band and year. Single years of age count in their band; a closed ONS band
    (`65-69`) is shared between projection bands in proportion to its single years (`15-19` gives
    2/5 to 18-64); an open-ended group (`90 and over`, `85+`) counts wholly in the band of its lowest
    age. Under 18 and `All ages` are left out. -#}
with snpp as (
    select * from {{ ref('stg_ons__snpp_population') }}
    where area_code = council_code
      and coalesce(lower(component), 'population') = 'population'
      and coalesce(sex, 'persons') = 'persons'
      and not is_all_ages
),

bands as (
    select * from {{ ref('projection_age_bands') }}
),

ranged as (
    select
        council_code,
        year,
        population,
        coalesce(age, try_cast(regexp_extract(age_group, '^\s*(\d+)\s*-\s*(\d+)\s*$', 1) as integer)) as low_age,
        case when is_open_ended_age or age is not null then age
             else try_cast(regexp_extract(age_group, '^\s*(\d+)\s*-\s*(\d+)\s*$', 2) as integer)
        end as high_age
    from snpp
),

shared as (
    select
        ranged.council_code,
        ranged.year,
        bands.age_band,
        ranged.population
            * (least(ranged.high_age, bands.max_age) - greatest(ranged.low_age, bands.min_age) + 1)
            / (ranged.high_age - ranged.low_age + 1)                             as population
    from ranged
    inner join bands
        on ranged.low_age <= bands.max_age
       and ranged.high_age >= bands.min_age
    where ranged.low_age is not null and ranged.high_age >= ranged.low_age
),

final as (
    select council_code, year, age_band, cast(sum(population) as double) as population
    from shared
    group by council_code, year, age_band
)

select * from final
