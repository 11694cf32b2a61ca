{#- The council's KPI targets, one row per kpi_code. -#}
with source as (
    select * from {{ source('raw', 'kpi_targets') }}
),

latest as (
    select *
    from source
    qualify row_number() over (
        partition by {{ council_of_row() }}, upper(trim(kpi_code))
        order by _load_id desc nulls last, _line desc
    ) = 1
),

final as (
    select
        {{ council_of_row() }}                     as council_code,
        upper(trim(kpi_code))                      as kpi_code,
        nullif(trim(kpi), '')                      as kpi_name,
        cast(target_18_64 as double)               as target_18_64,
        cast(target_65_plus as double)             as target_65_plus,
        nullif(trim(unit), '')                     as unit,
        lower(trim(direction))                     as direction
    from latest
)

select * from final
