{#- CQC HSCA Active Locations unpivoted to one row per location x month x service type the
    location is registered for: every `Service type - *` flag equal to `Y`, whether the column is
    one of the contract columns of raw.cqc_hsca_active_locations or one of the other published
    columns kept in `_extra`. The service type is CQC's own name: the header after
    `Service type - ` (e.g. `Care home service with nursing`). No column name is spelt here: the
    contract columns are found by the pattern `^Service type - `, the `_extra` keys by prefix. -#}
with source as (
    select * from {{ source('raw', 'cqc_hsca_active_locations') }}
),

contract_flags as (
    unpivot (
        select {{ council_of_row() }} as council_code, _month, "Location ID", columns('^Service type - ')
        from source
    )
    on columns('^Service type - ')
    into name flag_name value flag_value
),

extra_flags as (
    select
        {{ council_of_row('source') }} as council_code,
        source._month,
        source."Location ID",
        flags.key                as flag_name,
        flags.value ->> '$'      as flag_value
    from source, json_each(source._extra) as flags
    where flags.key like 'Service type - %'
),

flags as (
    select council_code, _month, "Location ID", flag_name, cast(flag_value as varchar) as flag_value
    from contract_flags
    union all
    select council_code, _month, "Location ID", flag_name, flag_value from extra_flags
),

final as (
    select distinct
        council_code,
        cast(_month as date)                                        as month,
        trim("Location ID")                                         as location_id,
        trim(substr(trim(flag_name), length('Service type - ') + 1)) as service_type
    from flags
    where {{ cqc_flag('flag_value') }}
)

select * from final
