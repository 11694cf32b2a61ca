{#- ONS subnational population projections (persons, component Population) per council x area x
    projection year, from the projections file that council loaded: people aged 65+, 75+ and 85+ (single years of age summed; `90 and over` counts in all
    three) and all ages (the `All ages` row, else the sum of the single years). -#}
with snpp as (
    select *
    from {{ ref('stg_ons__snpp_population') }}
    where coalesce(lower(component), 'population') = 'population'
      and coalesce(sex, 'persons') = 'persons'
),

final as (
    select
        council_code,
        area_code,
        max(area_name)                                                        as area_name,
        year,
        sum(population) filter (where not is_all_ages and age >= 65)          as pop_65_plus,
        sum(population) filter (where not is_all_ages and age >= 75)          as pop_75_plus,
        sum(population) filter (where not is_all_ages and age >= 85)          as pop_85_plus,
        coalesce(
            max(population) filter (where is_all_ages),
            sum(population) filter (where not is_all_ages and age is not null)
        )                                                                     as pop_all_ages
    from snpp
    group by council_code, area_code, year
)

select
    council_code,
    area_code,
    area_name,
    year,
    cast(coalesce(pop_65_plus, 0) as double) as pop_65_plus,
    cast(coalesce(pop_75_plus, 0) as double) as pop_75_plus,
    cast(coalesce(pop_85_plus, 0) as double) as pop_85_plus,
    cast(pop_all_ages as double)             as pop_all_ages
from final
