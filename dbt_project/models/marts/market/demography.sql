{#- One row per area found in the ONS reference files (Census 2021 TS007A and TS038, mid-year
    estimates of any year): the council, the other local authorities present and the comparators
    (England E92000001, England and Wales K04000001, regions) when present.
    - One set of rows per council of the warehouse (int_councils), from the ONS files that council
      loaded (its own rows: a region warehouse never mixes councils' files); area_type `council`
      marks that council's own row.
    - population_2021: Census 2021 usual residents (TS007A `Age: Total`).
    - disabled_pct_2021: TS038 `Disabled under the Equality Act` / `All usual residents` x 100.
    - growth_2011_2021_pct: mid-year estimates, GENDER_NAME Total, C_AGE_NAME All Ages,
      (2021 - 2011) / 2011 x 100. Null where an input is missing. -#}
with ts007a as (
    select * from {{ ref('stg_ons__census_ts007a') }}
),

ts038 as (
    select * from {{ ref('stg_ons__census_ts038') }}
),

mye_all_ages as (
    select council_code, area_code, area_name, year, population
    from {{ ref('stg_ons__mye_population') }}
    where sex = 'Total' and is_all_ages
),

names as (
    select council_code, area_code, area_name, 1 as priority from ts007a
    union all
    select council_code, area_code, area_name, 2 as priority from ts038
    union all
    select council_code, area_code, area_name, 3 as priority from mye_all_ages
),

areas as (
    select council_code, area_code, area_name
    from names
    qualify row_number() over (partition by council_code, area_code order by (area_name is null), priority, area_name) = 1
),

councils as (
    select * from {{ ref('int_councils') }}
),

mye as (
    select
        council_code,
        area_code,
        max(population) filter (where year = 2011) as mye_population_2011,
        max(population) filter (where year = 2021) as mye_population_2021
    from mye_all_ages
    group by council_code, area_code
),

final as (
    select
        councils.council_code,
        areas.area_code,
        areas.area_name,
        case
            when areas.area_code = councils.council_code then 'council'
            when left(areas.area_code, 3) in ('E92', 'K04', 'K03', 'K02', 'W92') then 'country'
            when left(areas.area_code, 3) = 'E12' then 'region'
            else 'local_authority'
        end                                                                              as area_type,
        cast(ts007a.population_total as bigint)                                          as population_2021,
        cast(ts007a.aged_65_69 + ts007a.aged_70_74 + ts007a.aged_75_79
             + ts007a.aged_80_84 + ts007a.aged_85_plus as bigint)                        as population_65_plus_2021,
        cast(ts038.disabled as bigint)                                                   as disabled_2021,
        100.0 * ts038.disabled / nullif(ts038.usual_residents, 0)                        as disabled_pct_2021,
        cast(mye.mye_population_2011 as bigint)                                          as mye_population_2011,
        cast(mye.mye_population_2021 as bigint)                                          as mye_population_2021,
        100.0 * (mye.mye_population_2021 - mye.mye_population_2011)
              / nullif(mye.mye_population_2011, 0)                                       as growth_2011_2021_pct
    from councils
    inner join areas
        on areas.council_code = councils.council_code
    left join ts007a
        on ts007a.council_code = areas.council_code and ts007a.area_code = areas.area_code
    left join ts038
        on ts038.council_code = areas.council_code and ts038.area_code = areas.area_code
    left join mye
        on mye.council_code = areas.council_code and mye.area_code = areas.area_code
)

select * from final
