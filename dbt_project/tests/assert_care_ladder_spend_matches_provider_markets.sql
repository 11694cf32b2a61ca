-- Reconciliation: for every council, month and Tier 2/3 rung, the care ladder's `All` spend equals
-- the provider-concentration market spend (both are the rounded sum of the same line cost-days / 7).
{{ config(meta={'dagster': {'ref': {'name': 'care_ladder_monthly'}}}) }}
select
    ladder.council_code,
    ladder.month,
    ladder.care_ladder_rung,
    ladder.spend as ladder_spend,
    market.spend as market_spend
from {{ ref('care_ladder_monthly') }} as ladder
inner join {{ ref('provider_concentration_monthly') }} as market
    on market.council_code = ladder.council_code
   and market.month = ladder.month
   and market.care_ladder_rung = ladder.care_ladder_rung
where ladder.age_band = 'All'
  and ladder.spend <> market.spend
