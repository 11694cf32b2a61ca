{#- ONS Census 2021 TS007A (age in 5-year bands) per area, renamed and cast. -#}
with source as (
    select * from {{ source('raw', 'ons_census_ts007a') }}
),

renamed as (
    select
        {{ council_of_row() }}                                      as council_code,
        trim("geography code")                         as area_code,
        trim("geography")                              as area_name,
        cast("date" as integer)                        as census_year,
        cast("Age: Total" as bigint)                   as population_total,
        cast("Age: Aged 4 years and under" as bigint)  as aged_0_4,
        cast("Age: Aged 5 to 9 years" as bigint)       as aged_5_9,
        cast("Age: Aged 10 to 14 years" as bigint)     as aged_10_14,
        cast("Age: Aged 15 to 19 years" as bigint)     as aged_15_19,
        cast("Age: Aged 20 to 24 years" as bigint)     as aged_20_24,
        cast("Age: Aged 25 to 29 years" as bigint)     as aged_25_29,
        cast("Age: Aged 30 to 34 years" as bigint)     as aged_30_34,
        cast("Age: Aged 35 to 39 years" as bigint)     as aged_35_39,
        cast("Age: Aged 40 to 44 years" as bigint)     as aged_40_44,
        cast("Age: Aged 45 to 49 years" as bigint)     as aged_45_49,
        cast("Age: Aged 50 to 54 years" as bigint)     as aged_50_54,
        cast("Age: Aged 55 to 59 years" as bigint)     as aged_55_59,
        cast("Age: Aged 60 to 64 years" as bigint)     as aged_60_64,
        cast("Age: Aged 65 to 69 years" as bigint)     as aged_65_69,
        cast("Age: Aged 70 to 74 years" as bigint)     as aged_70_74,
        cast("Age: Aged 75 to 79 years" as bigint)     as aged_75_79,
        cast("Age: Aged 80 to 84 years" as bigint)     as aged_80_84,
        cast("Age: Aged 85 years and over" as bigint)  as aged_85_plus,
        _file                                          as source_file,
        _line                                          as source_line
    from source
)

select * from renamed
