-- LTC_USERS in kpi_monthly equals the people in int_ltc_people_monthly with a known adult band,
-- per council.
{{ config(meta={'dagster': {'ref': {'name': 'kpi_monthly'}}}) }}
with expected as (
    select council_code, month, age_band, count(*) as people
    from {{ ref('int_ltc_people_monthly') }}
    where age_band is not null
    group by 1, 2, 3
)

select kpi.council_code, kpi.month, kpi.age_band, kpi.value, expected.people
from {{ ref('kpi_monthly') }} as kpi
left join expected
    on expected.council_code = kpi.council_code
   and expected.month = kpi.month
   and expected.age_band = kpi.age_band
where kpi.kpi_code = 'LTC_USERS'
  and kpi.value <> coalesce(expected.people, 0)
