{#- ONS subnational population projections (persons), already unpivoted on load to one row per
    area x age group x projection year; renamed and cast. `age` is the single year of age
    (`90 and over` -> 90 with is_open_ended_age), null for `All ages` and any other label (a band). -#}
with source as (
    select * from {{ source('raw', 'ons_snpp_population') }}
),

renamed as (
    select
        {{ council_of_row() }}                                      as council_code,
        trim("AREA_CODE")                                                      as area_code,
        nullif(trim("AREA_NAME"), '')                                          as area_name,
        nullif(trim("COMPONENT"), '')                                          as component,
        lower(nullif(trim("SEX"), ''))                                         as sex,
        trim("AGE_GROUP")                                                      as age_group,
        lower(trim("AGE_GROUP")) = 'all ages'                                  as is_all_ages,
        case when regexp_matches(lower(trim("AGE_GROUP")), '^\d+( and over|\+)?$')
             then cast(regexp_extract("AGE_GROUP", '(\d+)', 1) as integer)
        end                                                                    as age,
        regexp_matches(lower(trim("AGE_GROUP")), '^\d+( and over|\+)$')      as is_open_ended_age,
        cast("year" as integer)                                                as year,
        cast("population" as double)                                           as population,
        _file                                                                  as source_file,
        _line                                                                  as source_line
    from source
)

select * from renamed
