{#- Once CQC files are loaded, some CQC local-authority name must map to the council
    (var council_code); otherwise every council row of cqc_market_monthly would be zero and
    cqc_market_changes_monthly empty. Fix: load the ONS reference files or add a row to seed
    la_name_exceptions. -#}
{{ config(meta={'dagster': {'ref': {'name': 'int_la_lookup'}}}) }}
select
    '{{ var("council_code") }}' as council_code,
    'no CQC Location Local Authority name maps to the council' as problem
where exists (select 1 from {{ ref('stg_cqc__hsca_active_locations') }})
  and not exists (
      select 1 from {{ ref('int_la_lookup') }} where la_code = '{{ var("council_code") }}'
  )
