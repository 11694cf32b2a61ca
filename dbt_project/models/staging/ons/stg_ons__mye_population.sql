{#- ONS mid-year population estimates (Nomis extract), one row per area x year x sex x age
    label, renamed and cast. `age` is the single year of age (`Age 37` -> 37, `Aged 90+` -> 90 with
    is_open_ended_age), null for `All Ages` and any other label (e.g. a band `Aged 16 - 64`, so
    bands are never added to single years); `sex` is `Total`, `Male` or `Female` (case normalised). -#}
with source as (
    select * from {{ source('raw', 'ons_mye_population') }}
),

renamed as (
    select
        {{ council_of_row() }}                                      as council_code,
        trim("GEOGRAPHY_CODE")                                               as area_code,
        nullif(trim("GEOGRAPHY_NAME"), '')                                   as area_name,
        cast("DATE_NAME" as integer)                                         as year,
        case lower(trim("GENDER_NAME"))
            when 'total' then 'Total' when 'male' then 'Male' when 'female' then 'Female'
            else trim("GENDER_NAME")
        end                                                                  as sex,
        trim("C_AGE_NAME")                                                   as age_label,
        lower(trim("C_AGE_NAME")) = 'all ages'                               as is_all_ages,
        case when regexp_matches(lower(trim("C_AGE_NAME")), '^aged? \d+(\+| and over)?$')
             then cast(regexp_extract("C_AGE_NAME", '(\d+)', 1) as integer)
        end                                                                  as age,
        regexp_matches(lower(trim("C_AGE_NAME")), '^aged? \d+(\+| and over)$') as is_open_ended_age,
        cast("OBS_VALUE" as bigint)                                          as population,
        _file                                                                as source_file,
        _line                                                                as source_line
    from source
)

select * from renamed
