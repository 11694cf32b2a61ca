{#- CQC HSCA Active Locations unpivoted to one row per location x month x service type the
    location is registered for: every `Service type - *` flag equal to `Y`, whether the column is
    one of the contract columns of raw.cqc_hsca_active_locations or one of the other published
    columns kept in `_extra`. The service type is CQC's own name: the header after
    `Service type - ` (e.g. `Care home service with nursing`). No column name is spelt here: the
    contract columns are found by the pattern `^Service type - `, the `_extra` keys by prefix.
    Incremental by load (macros/incremental_by_load.sql): a refresh rebuilds the months of its new
    loads; `load_id` is the load of the month's file. -#}
{{ incremental_by_load_config('(council_code, month)', 'raw', 'cqc_hsca_active_locations') }}
with source as (
    select * from {{ source('raw', 'cqc_hsca_active_locations') }}
),

{{ scope_to_new_loads(source('raw', 'cqc_hsca_active_locations')) }}

contract_flags as (
    unpivot (
        select {{ council_of_row() }} as council_code, _month, _load_id, "Location ID", columns('^Service type - ')
        from scoped
    )
    on columns('^Service type - ')
    into name flag_name value flag_value
),

extra_flags as (
    -- Each row's `_extra` is parsed twice (its keys, and its values in the same document order)
    -- and only the `Service type - ` pairs are unnested: json_each unnested all ~100 keys of
    -- every row first (11.2 s -> 1.6 s, same rows, on a 50-council region's 142k rows).
    select council_code, _month, _load_id, "Location ID", pair[1] as flag_name, pair[2] as flag_value
    from (
        select
            {{ council_of_row() }} as council_code,
            _month,
            _load_id,
            "Location ID",
            unnest(list_filter(
                list_zip(json_keys(_extra), json_extract_string(_extra, '$.*')),
                lambda pair: pair[1] like 'Service type - %'
            )) as pair
        from scoped
    )
),

flags as (
    select council_code, _month, _load_id, "Location ID", flag_name, cast(flag_value as varchar) as flag_value
    from contract_flags
    union all
    select council_code, _month, _load_id, "Location ID", flag_name, flag_value from extra_flags
),

final as (
    select distinct
        council_code,
        cast(_month as date)                                        as month,
        trim("Location ID")                                         as location_id,
        trim(substr(trim(flag_name), length('Service type - ') + 1)) as service_type,
        _load_id                                                    as load_id
    from flags
    where {{ cqc_flag('flag_value') }}
)

select * from final
