-- Markets (care-ladder rungs) by concentration in the latest month: HHI above 2,500 is highly
-- concentrated; a single-supplier dependency is a largest share of 33.3% or more.
select council_code, month, care_ladder_rung, providers, hhi, top5_share_pct, largest_supplier_share_pct,
       single_supplier_dependency,
       case when hhi > 2500 then 'high' when hhi >= 1500 then 'moderate' else 'low' end as concentration
from marts.provider_concentration_monthly
where month = (select max(month) from marts.provider_concentration_monthly)
order by council_code, hhi desc, care_ladder_rung;
