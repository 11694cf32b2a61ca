{#- KPI scorecard: council x month x kpi_code x age band (18-64, 65+). Definitions in the yml. -#}
with months as (
    select * from {{ ref('int_months') }}
),

bands as (
    select age_band from {{ ref('age_bands') }} where age_band <> 'All'
),

kpis as (
    select * from (values
        ('LTC_USERS', 1),
        ('LTC_AT_HOME', 2),
        ('AVG_WEEKLY_COST', 3),
        ('CONTACT_TO_TIER3', 4),
        ('FEEL_SAFE', 5),
        ('CONTROL_DAILY_LIFE', 6),
        ('CQC_GOOD_OR_BETTER', 7)
    ) as t(kpi_code, kpi_order)
),

targets as (
    select * from {{ ref('stg_council__kpi_targets') }}
),

ltc as (
    select * from {{ ref('int_ltc_people_monthly') }}
    where age_band is not null
),

ltc_cost as (
    select
        ltc.council_code,
        ltc.month,
        ltc.age_band,
        sum(line_months.weekly_cost) as weekly_cost
    from ltc
    inner join {{ ref('int_service_line_months') }} as line_months
        on line_months.council_code = ltc.council_code
       and line_months.month = ltc.month
       and line_months.person_id = ltc.person_id
       and line_months.active_at_snapshot
    group by 1, 2, 3
),

ltc_measures as (
    select
        ltc.council_code,
        ltc.month,
        ltc.age_band,
        count(*) as ltc_users,
        count(*) filter (where ltc.long_term_setting = 'Community') as ltc_at_home
    from ltc
    group by 1, 2, 3
),

contact as (
    select
        council_code,
        month,
        age_band,
        count(*) filter (where converted) as converted,
        count(*) as requesters
    from {{ ref('int_contact_to_tier3') }}
    where age_band is not null
    group by 1, 2, 3
),

survey_year_for_month as (
    select months.council_code, months.month, max(ascof.survey_year) as survey_year
    from months
    inner join {{ ref('int_ascs_ascof_yearly') }} as ascof
        on ascof.council_code = months.council_code
       and ascof.survey_year <= year(months.month)  -- whichever month folder the file came in
    group by 1, 2
),

survey as (
    select
        survey_year_for_month.council_code,
        survey_year_for_month.month,
        ascof.age_band,
        ascof.kpi_code,
        ascof.numerator,
        ascof.denominator
    from survey_year_for_month
    inner join {{ ref('int_ascs_ascof_yearly') }} as ascof
        on ascof.council_code = survey_year_for_month.council_code
       and ascof.survey_year = survey_year_for_month.survey_year
),

cqc_locations as (
    select distinct council_code, month, cqc_location_id, age_band
    from {{ ref('int_service_line_months') }}
    where active_at_snapshot
      and cqc_location_id is not null
      and age_band is not null
),

cqc_rated as (
    select
        cqc_locations.council_code,
        cqc_locations.month,
        cqc_locations.age_band,
        count(distinct cqc_locations.cqc_location_id) filter (
            where lower(ratings.overall_rating) in ('good', 'outstanding')
        ) as good_or_better,
        count(distinct cqc_locations.cqc_location_id) as rated
    from cqc_locations
    inner join {{ ref('int_cqc_location_ratings_monthly') }} as ratings
        on ratings.council_code = cqc_locations.council_code
       and ratings.month = cqc_locations.month
       and ratings.location_id = cqc_locations.cqc_location_id
    where lower(ratings.overall_rating) in ('outstanding', 'good', 'requires improvement', 'inadequate')
    group by 1, 2, 3
),

measures as (
    select council_code, month, age_band, 'LTC_USERS' as kpi_code,
           cast(ltc_users as double) as numerator, cast(null as double) as denominator
    from ltc_measures
    union all
    select council_code, month, age_band, 'LTC_AT_HOME', ltc_at_home, ltc_users from ltc_measures
    union all
    select ltc_measures.council_code, ltc_measures.month, ltc_measures.age_band, 'AVG_WEEKLY_COST',
           cast(coalesce(ltc_cost.weekly_cost, 0) as double), ltc_users
    from ltc_measures
    left join ltc_cost
        on ltc_cost.council_code = ltc_measures.council_code
       and ltc_cost.month = ltc_measures.month
       and ltc_cost.age_band = ltc_measures.age_band
    union all
    select council_code, month, age_band, 'CONTACT_TO_TIER3', converted, requesters from contact
    union all
    select council_code, month, age_band, kpi_code, numerator, denominator from survey
    union all
    select council_code, month, age_band, 'CQC_GOOD_OR_BETTER', good_or_better, rated from cqc_rated
),

grid as (
    select months.council_code, months.month, kpis.kpi_code, kpis.kpi_order, bands.age_band
    from months
    cross join kpis
    cross join bands
),

valued as (
    select
        grid.council_code,
        grid.month,
        grid.kpi_code,
        grid.kpi_order,
        grid.age_band,
        case
            when grid.kpi_code = 'LTC_USERS' then coalesce(measures.numerator, 0)
            when grid.kpi_code = 'AVG_WEEKLY_COST' then measures.numerator / nullif(measures.denominator, 0)
            else 100.0 * measures.numerator / nullif(measures.denominator, 0)
        end as value,
        case when grid.kpi_code = 'LTC_USERS' then coalesce(measures.numerator, 0) else measures.numerator end as numerator,
        measures.denominator,
        case grid.age_band when '18-64' then targets.target_18_64 else targets.target_65_plus end as target,
        targets.direction
    from grid
    left join measures
        on measures.council_code = grid.council_code
       and measures.month = grid.month
       and measures.kpi_code = grid.kpi_code
       and measures.age_band = grid.age_band
    left join targets
        on targets.council_code = grid.council_code
       and targets.kpi_code = grid.kpi_code
),

final as (
    select
        council_code,
        month,
        kpi_code,
        age_band,
        cast(value as double) as value,
        cast(target as double) as target,
        case
            when value is null or target is null or direction is null then null
            when direction = 'higher_is_better' then
                case when value >= target then 'Green'
                     when value >= target - 0.1 * abs(target) then 'Amber'
                     else 'Red' end
            when direction = 'lower_is_better' then
                case when value <= target then 'Green'
                     when value <= target + 0.1 * abs(target) then 'Amber'
                     else 'Red' end
        end as rag,
        cast(numerator as double) as numerator,
        cast(denominator as double) as denominator,
        direction
    from valued
)

select * from final
order by council_code, month, kpi_code, age_band
