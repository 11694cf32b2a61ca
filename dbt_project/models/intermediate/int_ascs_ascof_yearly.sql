{#- ASCOF measures from the Adult Social Care Survey per survey year and age band, weighted:
    1B (CONTROL_DAILY_LIFE) = Q3a in (1, 2); 4B (FEEL_SAFE) = Q7b = 1. Denominators are the
    weighted respondents who answered the question. -#}
with responses as (
    select * from {{ ref('stg_ascs__responses') }}
),

measures as (
    select
        council_code,
        survey_year,
        age_band,
        'CONTROL_DAILY_LIFE' as kpi_code,
        min(available_from_month) as available_from_month,
        sum(case when q3a in (1, 2) then weight else 0 end) as numerator,
        sum(weight) as denominator
    from responses
    where q3a is not null
    group by 1, 2, 3
    union all
    select
        council_code,
        survey_year,
        age_band,
        'FEEL_SAFE' as kpi_code,
        min(available_from_month) as available_from_month,
        sum(case when q7b = 1 then weight else 0 end) as numerator,
        sum(weight) as denominator
    from responses
    where q7b is not null
    group by 1, 2, 3
)

select
    council_code,
    survey_year,
    age_band,
    kpi_code,
    available_from_month,
    cast(numerator as double) as numerator,
    cast(denominator as double) as denominator
from measures
