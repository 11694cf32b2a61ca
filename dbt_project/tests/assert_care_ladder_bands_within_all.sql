-- The 18-64 and 65+ rows never add up to more than the `All` row (All also holds people under 18
-- and people of unknown age); spend and lines add up exactly when everyone's age is known.
-- Compared per council.
with bands as (
    select
        council_code,
        month,
        care_ladder_rung,
        sum(case when age_band <> 'All' then service_users end) as band_users,
        sum(case when age_band = 'All' then service_users end) as all_users,
        sum(case when age_band <> 'All' then active_lines end) as band_lines,
        sum(case when age_band = 'All' then active_lines end) as all_lines,
        sum(case when age_band <> 'All' then spend end) as band_spend,
        sum(case when age_band = 'All' then spend end) as all_spend
    from {{ ref('care_ladder_monthly') }}
    group by 1, 2, 3
)

select *
from bands
where band_users > all_users
   or band_lines > all_lines
   or band_spend > all_spend + 0.01 * 2
