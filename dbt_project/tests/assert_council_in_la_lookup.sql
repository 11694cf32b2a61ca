{#- Once a council's CQC files are loaded, some CQC local-authority name must map to the council
    (int_councils: every council of the warehouse); otherwise
    every council row of cqc_market_monthly would be zero and cqc_market_changes_monthly empty for
    that council. One row per council with no name. Fix: load the ONS reference files or add a
    row to seed la_name_exceptions. -#}
{{ config(meta={'dagster': {'ref': {'name': 'int_la_lookup'}}}) }}
select
    councils.council_code,
    'no CQC Location Local Authority name maps to the council' as problem
from {{ ref('int_councils') }} as councils
where exists (
      select 1 from {{ ref('stg_cqc__hsca_active_locations') }} as locations
      where locations.council_code = councils.council_code
  )
  and not exists (
      select 1 from {{ ref('int_la_lookup') }} as la_lookup where la_lookup.la_code = councils.council_code
  )
