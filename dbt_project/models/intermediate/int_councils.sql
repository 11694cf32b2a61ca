{#- The councils the warehouse is built for, one row each: var council_code for a council's own
    warehouse; in a region warehouse (var multi_council) every council with rows in the CLD or
    ContrOCC service-line raw tables. The CQC market and demography marts give each of them its own
    areas. -#}
{%- if is_multi_council() %}
with councils as (
    select distinct _council as council_code from {{ source('raw', 'las_cld') }}
    union
    select distinct _council as council_code from {{ source('raw', 'controcc_service_lines') }}
)

select cast(council_code as varchar) as council_code from councils where council_code is not null
{%- else %}
select {{ council_of_row() }} as council_code
{%- endif %}
