-- The care ladder for the latest month, all ages: people, spend and shares by rung, Tier 3 first.
-- ascw sql examples/care_ladder_by_rung.sql   (or --parquet: the same query on the Parquet copy)
select council_code, month, tier, care_ladder_rung, service_users, spend, pct_spend, pct_activity
from marts.care_ladder_monthly
where age_band = 'All'
  and month = (select max(month) from marts.care_ladder_monthly)
order by council_code, tier desc, spend desc, care_ladder_rung;
