{#- Once CQC files are loaded, some CQC local-authority name must map to each council of the
    warehouse (int_councils: var council_code, or every council of a region warehouse); otherwise
    every council row of cqc_market_monthly would be zero and cqc_market_changes_monthly empty for
    that council. One row per council with no name. Fix: load the ONS reference files or add a
    row to seed la_name_exceptions. -#}
{{ config(meta={'dagster': {'ref': {'name': 'int_la_lookup'}}}) }}
select
    councils.council_code,
    'no CQC Location Local Authority name maps to the council' as problem
from {{ ref('int_councils') }} as councils
where exists (select 1 from {{ ref('stg_cqc__hsca_active_locations') }})
  and not exists (
      select 1 from {{ ref('int_la_lookup') }} as la_lookup where la_lookup.la_code = councils.council_code
  )
