{#- The councils the warehouse holds, one row each: every council with rows in the CLD or ContrOCC
    service-line raw tables. The CQC market and demography marts give each of them its own
    areas. -#}
with councils as (
    select distinct {{ council_of_row() }} as council_code from {{ source('raw', 'las_cld') }}
    union
    select distinct {{ council_of_row() }} as council_code from {{ source('raw', 'controcc_service_lines') }}
)

select cast(council_code as varchar) as council_code from councils where council_code is not null
