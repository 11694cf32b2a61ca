-- The council beside its peers in the latest month it has figures for: value, peer median and
-- quartiles, rank (1 = best). Empty for a warehouse of one council (no peer group).
select council_code, month, measure_code, age_band, peer_group, value, peer_median, peer_p25, peer_p75, rank, of_councils
from marts.benchmark_monthly
where month = (select max(month) from marts.benchmark_monthly)
order by council_code, measure_code, age_band, peer_group;
