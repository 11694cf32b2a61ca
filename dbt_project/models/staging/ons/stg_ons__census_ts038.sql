{#- ONS Census 2021 TS038 (disability, Equality Act) per area, renamed and cast. -#}
with source as (
    select * from {{ source('raw', 'ons_census_ts038') }}
),

renamed as (
    select
        {{ council_of_row() }}                                      as council_code,
        trim("geography code")                                                                  as area_code,
        trim("geography")                                                                       as area_name,
        cast("date" as integer)                                                                 as census_year,
        cast("Disability: Total: All usual residents" as bigint)                                as usual_residents,
        cast("Disability: Disabled under the Equality Act" as bigint)                           as disabled,
        cast("Disability: Disabled under the Equality Act: Day-to-day activities limited a lot" as bigint)    as disabled_limited_a_lot,
        cast("Disability: Disabled under the Equality Act: Day-to-day activities limited a little" as bigint) as disabled_limited_a_little,
        _file                                                                                   as source_file,
        _line                                                                                   as source_line
    from source
)

select * from renamed
