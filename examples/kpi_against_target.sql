-- Each KPI against its target over the last 12 months: the gap in the KPI's own direction
-- (positive = better than target) and how many months were Red.
select council_code, kpi_code, age_band, direction,
       count(*) as months,
       round(avg(case when direction = 'lower_is_better' then target - value else value - target end), 2) as avg_gap_to_target,
       count(*) filter (where rag = 'Red') as red_months,
       arg_max(rag, month) as latest_rag
from marts.kpi_monthly
where month > (select max(month) from marts.kpi_monthly) - interval 12 month
group by all
order by council_code, kpi_code, age_band;
