{#- Market-oversight early warning (INTERNAL, never published): one row per council x month x
    provider (ContrOCC Supplier ID) the council buys from, with six flags, a weighted score
    (weights: var provider_risk_weights in dbt_project.yml) and a rank. Every rule is in the yml. -#}
{%- set w = var('provider_risk_weights') -%}
with months as (
    select * from {{ ref('int_months') }}
),

line_months as (
    select * from {{ ref('int_service_line_months') }}
),

lines as (
    select * from {{ ref('int_service_lines') }}
),

payments as (
    select * from {{ ref('stg_controcc__payments') }}
),

ratings as (
    select * from {{ ref('int_cqc_location_ratings_monthly') }}
),

hsca as (
    select * from {{ ref('int_cqc_locations_monthly') }}
),

provider_names as (
    select council_code, supplier_id as provider_key,
           first(supplier_name order by source_month desc, service_line_id) filter (where supplier_name is not null) as provider_name
    from lines
    group by 1, 2
),

provider_months as (
    select
        council_code,
        month,
        supplier_id                                                              as provider_key,
        sum(case when active_at_snapshot then weekly_cost else 0 end)            as weekly_spend,
        count(distinct case when active_at_snapshot then person_id end)          as service_users,
        count(distinct cqc_location_id)                                          as locations
    from line_months
    group by 1, 2, 3
),

first_months as (
    select council_code, min(month) as first_month from months group by 1
),

-- payments of the month's payment file (paid, not held or reversed) and whether a commitment
-- backs each: a service line of the council with that Service Agreement ID / Line No, the same
-- Supplier ID, active on at least one day of the period paid. A period that ended before the
-- council's first loaded month is not judged (the lines of then were never loaded).
month_payments as (
    select
        payments.council_code,
        cast(date_trunc('month', payments.source_month) as date)                 as month,
        payments.supplier_id                                                     as provider_key,
        payments.amount,
        exists (
            select 1 from lines
            where lines.council_code = payments.council_code
              and lines.service_line_id = payments.service_line_id
              and lines.supplier_id = payments.supplier_id
              and lines.start_date <= payments.period_end_date
              and (lines.end_date is null or lines.end_date >= payments.period_start_date)
        )                                                                        as matched
    from payments
    inner join first_months
        on first_months.council_code = payments.council_code
    where payments.payment_status = 'Paid'
      and payments.period_end_date >= first_months.first_month
),

unmatched_payments as (
    select council_code, month, provider_key, sum(amount) as unmatched_amount, count(*) as unmatched_count
    from month_payments
    where not matched
    group by 1, 2, 3
),

-- the register: providers with a line active in the month, with weekly spend 3 months before,
-- or paid in the month (a loaded month)
roster as (
    select council_code, month, provider_key from provider_months
    union
    select months.council_code, months.month, before.provider_key
    from months
    inner join provider_months as before
        on before.council_code = months.council_code
       and before.month = cast(months.month - interval 3 month as date)
    where before.weekly_spend > 0
    union
    select month_payments.council_code, month_payments.month, month_payments.provider_key
    from month_payments
    inner join months
        on months.council_code = month_payments.council_code
       and months.month = month_payments.month
),

-- market shares (care-ladder rungs of Tier 2 and 3, committed spend, as provider_concentration_monthly)
supplier_markets as (
    select council_code, month, care_ladder_rung, supplier_id, sum(cost_days) as cost_days
    from line_months
    where tier in (2, 3)
    group by 1, 2, 3, 4
    having sum(cost_days) > 0
),

market_shares as (
    select
        council_code,
        month,
        supplier_id as provider_key,
        care_ladder_rung,
        100.0 * cast(cost_days as double)
            / cast(sum(cost_days) over (partition by council_code, month, care_ladder_rung) as double) as share_pct
    from supplier_markets
),

largest_market as (
    select * from market_shares
    qualify row_number() over (
        partition by council_code, month, provider_key
        order by share_pct desc, care_ladder_rung
    ) = 1
),

-- CQC locations the council buys at: this month's lines, and (for closures and the CQC
-- provider) the lines of the month and the 3 before
month_locations as (
    select distinct council_code, month, supplier_id as provider_key, cqc_location_id as location_id
    from line_months
    where cqc_location_id is not null
),

window_locations as (
    select distinct months.council_code, months.month, line_months.supplier_id as provider_key,
           line_months.cqc_location_id as location_id
    from months
    inner join line_months
        on line_months.council_code = months.council_code
       and line_months.month between cast(months.month - interval 3 month as date) and months.month
    where line_months.cqc_location_id is not null
),

-- the CQC provider of each window location (its latest HSCA listing up to the month)
window_location_providers as (
    select window_locations.*, hsca.provider_id
    from window_locations
    inner join hsca
        on hsca.council_code = window_locations.council_code
       and hsca.location_id = window_locations.location_id
       and hsca.month <= window_locations.month
    where hsca.provider_id is not null
    qualify row_number() over (
        partition by window_locations.council_code, window_locations.month, window_locations.provider_key, window_locations.location_id
        order by hsca.month desc
    ) = 1
),

cqc_providers as (
    select council_code, month, provider_key, provider_id as cqc_provider_id
    from (
        select council_code, month, provider_key, provider_id, count(*) as n
        from window_location_providers
        group by 1, 2, 3, 4
    )
    qualify row_number() over (partition by council_code, month, provider_key order by n desc, provider_id) = 1
),

-- ratings on CQC's four-point scale, ordered (4 = Outstanding ... 1 = Inadequate)
rated as (
    select
        council_code, month, location_id, overall_rating,
        case overall_rating
            when 'Outstanding' then 4 when 'Good' then 3
            when 'Requires improvement' then 2 when 'Inadequate' then 1
        end as rating_score
    from ratings
    where is_rated
),

current_ratings as (
    select month_locations.council_code, month_locations.month, month_locations.provider_key,
           month_locations.location_id, rated.overall_rating, rated.rating_score
    from month_locations
    inner join ratings
        on ratings.council_code = month_locations.council_code
       and ratings.location_id = month_locations.location_id
       and ratings.month <= month_locations.month
    left join rated
        on rated.council_code = ratings.council_code
       and rated.month = ratings.month
       and rated.location_id = ratings.location_id
    qualify row_number() over (
        partition by month_locations.council_code, month_locations.month, month_locations.provider_key, month_locations.location_id
        order by ratings.month desc
    ) = 1
),

poor_ratings as (
    select council_code, month, provider_key,
           string_agg(location_id || ' ' || overall_rating, ', ' order by rating_score, location_id) as detail
    from current_ratings
    where rating_score <= 2
    group by 1, 2, 3
),

rating_changes as (
    select
        *,
        lag(overall_rating) over (partition by council_code, location_id order by month) as previous_rating,
        lag(rating_score) over (partition by council_code, location_id order by month) as previous_score
    from rated
),

rating_drops as (
    select month_locations.council_code, month_locations.month, month_locations.provider_key,
           string_agg(
               rating_changes.location_id || ' ' || rating_changes.previous_rating || ' -> '
                   || rating_changes.overall_rating || ' (' || strftime(rating_changes.month, '%Y-%m') || ')',
               ', ' order by rating_changes.month, rating_changes.location_id
           ) as detail
    from month_locations
    inner join rating_changes
        on rating_changes.council_code = month_locations.council_code
       and rating_changes.location_id = month_locations.location_id
       and rating_changes.month between cast(month_locations.month - interval 11 month as date) and month_locations.month
    where rating_changes.rating_score < rating_changes.previous_score
    group by 1, 2, 3
),

-- a location that left the HSCA active register: in the file of the month before, absent from
-- the month's file (both loaded)
hsca_months as (
    select distinct council_code, month from hsca
),

closures as (
    select hsca_months.council_code, hsca_months.month, previous.location_id, previous.provider_id
    from hsca_months
    inner join hsca as previous
        on previous.council_code = hsca_months.council_code
       and previous.month = cast(hsca_months.month - interval 1 month as date)
    where not exists (
        select 1 from hsca as current_file
        where current_file.council_code = hsca_months.council_code
          and current_file.month = hsca_months.month
          and current_file.location_id = previous.location_id
    )
),

provider_closures as (
    select roster.council_code, roster.month, roster.provider_key,
           -- ordered: the same rows give the same text (a rerun, another council's build)
           string_agg(distinct closures.location_id || ' (' || strftime(closures.month, '%Y-%m') || ')', ', '
                      order by closures.location_id || ' (' || strftime(closures.month, '%Y-%m') || ')') as detail
    from roster
    left join cqc_providers
        on cqc_providers.council_code = roster.council_code
       and cqc_providers.month = roster.month
       and cqc_providers.provider_key = roster.provider_key
    inner join closures
        on closures.council_code = roster.council_code
       and closures.month between cast(roster.month - interval 2 month as date) and roster.month
       and (
            closures.provider_id = cqc_providers.cqc_provider_id
            or exists (
                select 1 from window_locations
                where window_locations.council_code = roster.council_code
                  and window_locations.month = roster.month
                  and window_locations.provider_key = roster.provider_key
                  and window_locations.location_id = closures.location_id
            )
       )
    group by 1, 2, 3
),

measured as (
    select
        roster.council_code,
        roster.month,
        roster.provider_key,
        coalesce(provider_names.provider_name, roster.provider_key)              as provider_name,
        cqc_providers.cqc_provider_id,
        coalesce(current_month.locations, 0)                                     as locations,
        coalesce(current_month.weekly_spend, 0)                                  as weekly_spend,
        coalesce(current_month.service_users, 0)                                 as service_users,
        case when before_month.month is not null then coalesce(before.weekly_spend, 0) end as weekly_spend_3_months_before,
        largest_market.share_pct                                                 as largest_market_share_pct,
        largest_market.care_ladder_rung                                          as largest_market,
        coalesce(unmatched_payments.unmatched_amount, 0)                         as unmatched_payments_amount,
        unmatched_payments.unmatched_count,
        poor_ratings.detail                                                      as poor_rating_detail,
        rating_drops.detail                                                      as rating_drop_detail,
        provider_closures.detail                                                 as closure_detail
    from roster
    left join provider_names
        on provider_names.council_code = roster.council_code and provider_names.provider_key = roster.provider_key
    left join provider_months as current_month
        on current_month.council_code = roster.council_code and current_month.month = roster.month
       and current_month.provider_key = roster.provider_key
    left join months as before_month
        on before_month.council_code = roster.council_code
       and before_month.month = cast(roster.month - interval 3 month as date)
    left join provider_months as before
        on before.council_code = roster.council_code and before.month = before_month.month
       and before.provider_key = roster.provider_key
    left join cqc_providers
        on cqc_providers.council_code = roster.council_code and cqc_providers.month = roster.month
       and cqc_providers.provider_key = roster.provider_key
    left join largest_market
        on largest_market.council_code = roster.council_code and largest_market.month = roster.month
       and largest_market.provider_key = roster.provider_key
    left join unmatched_payments
        on unmatched_payments.council_code = roster.council_code and unmatched_payments.month = roster.month
       and unmatched_payments.provider_key = roster.provider_key
    left join poor_ratings
        on poor_ratings.council_code = roster.council_code and poor_ratings.month = roster.month
       and poor_ratings.provider_key = roster.provider_key
    left join rating_drops
        on rating_drops.council_code = roster.council_code and rating_drops.month = roster.month
       and rating_drops.provider_key = roster.provider_key
    left join provider_closures
        on provider_closures.council_code = roster.council_code and provider_closures.month = roster.month
       and provider_closures.provider_key = roster.provider_key
),

flagged as (
    select
        *,
        rating_drop_detail is not null                                           as flag_rating_drop,
        poor_rating_detail is not null                                           as flag_poor_rating,
        closure_detail is not null                                               as flag_location_closed,
        coalesce(largest_market_share_pct >= {{ var('provider_risk_market_share_pct') }}, false) as flag_market_share,
        coalesce(weekly_spend_3_months_before > 0 and weekly_spend <= 0.5 * weekly_spend_3_months_before, false) as flag_spend_drop,
        unmatched_payments_amount > 0                                            as flag_unmatched_payments
    from measured
),

scored as (
    select
        *,
        cast(
            {{ w['rating_drop'] }} * cast(flag_rating_drop as integer)
            + {{ w['poor_rating'] }} * cast(flag_poor_rating as integer)
            + {{ w['location_closed'] }} * cast(flag_location_closed as integer)
            + {{ w['market_share'] }} * cast(flag_market_share as integer)
            + {{ w['spend_drop'] }} * cast(flag_spend_drop as integer)
            + {{ w['unmatched_payments'] }} * cast(flag_unmatched_payments as integer)
        as integer) as risk_score,
        concat_ws('; ',
            case when flag_rating_drop then 'rating drop in the last 12 months: ' || rating_drop_detail end,
            case when flag_poor_rating then 'current rating: ' || poor_rating_detail end,
            case when flag_location_closed then 'location closed or deregistered in the last 3 months: ' || closure_detail end,
            case when flag_market_share then 'holds ' || format('{:.1f}', largest_market_share_pct) || '% of the ' || largest_market || ' market' end,
            case when flag_spend_drop then 'weekly spend £' || format('{:.2f}', weekly_spend) || ' against £'
                || format('{:.2f}', weekly_spend_3_months_before) || ' 3 months before' end,
            case when flag_unmatched_payments then '£' || format('{:.2f}', unmatched_payments_amount) || ' paid in '
                || cast(unmatched_count as varchar) || ' payment(s) not matched by a commitment' end
        ) as flags
    from flagged
),

final as (
    select
        council_code,
        month,
        provider_key,
        provider_name,
        cqc_provider_id,
        cast(locations as bigint)                                                as locations,
        {{ money('weekly_spend') }}                                              as council_weekly_spend,
        cast(service_users as bigint)                                            as council_service_users,
        cast(largest_market_share_pct as double)                                 as largest_market_share_pct,
        largest_market,
        {{ money('weekly_spend_3_months_before') }}                              as weekly_spend_3_months_before,
        {{ money('unmatched_payments_amount') }}                                 as unmatched_payments_amount,
        flag_rating_drop,
        flag_poor_rating,
        flag_location_closed,
        flag_market_share,
        flag_spend_drop,
        flag_unmatched_payments,
        flags,
        risk_score,
        cast(row_number() over (
            partition by council_code, month
            order by risk_score desc, weekly_spend desc, provider_key
        ) as bigint)                                                             as rank
    from scored
)

select * from final
order by council_code, month, rank
