{#- The council's accepted scenario files (sources/scenarios.py has validated them), one row each. -#}
with source as (
    select * from {{ source('raw', 'scenarios') }}
),

final as (
    select
        {{ council_of_row() }}              as council_code,
        trim(scenario)                      as scenario,
        nullif(trim(description), '')       as description,
        _file                               as source_file,
        _sha256                             as source_sha256
    from source
)

select * from final
