{#- INTERNAL (not published): lines active at the snapshot whose weekly cost is above the 90th
    percentile weekly cost of lines active at the snapshot in the same council, month, rung and
    client category. Person identified only by the keyed hash. -#}
with line_months as (
    select * from {{ ref('int_service_line_months') }}
    where active_at_snapshot
      and care_ladder_rung is not null
),

with_p90 as (
    select
        *,
        quantile_cont(cast(weekly_cost as double), 0.9) over (
            partition by council_code, month, care_ladder_rung, client_category
        ) as p90_weekly_cost_exact,
        count(*) over (partition by council_code, month, care_ladder_rung, client_category) as peer_lines
    from line_months
),

final as (
    select
        council_code,
        month,
        service_line_id,
        service_agreement_id,
        line_no,
        person_id,
        care_ladder_rung,
        cast(tier as integer) as tier,
        client_category,
        age_band,
        supplier_id,
        element_code,
        start_date,
        {{ money('weekly_cost') }} as weekly_cost,
        {{ money('p90_weekly_cost_exact') }} as p90_weekly_cost,
        {{ money('cast(weekly_cost as double) - p90_weekly_cost_exact') }} as excess_weekly_cost,
        cast(peer_lines as bigint) as peer_lines,
        placement_local_authority
    from with_p90
    where cast(weekly_cost as double) > p90_weekly_cost_exact
)

select * from final
order by council_code, month, care_ladder_rung, client_category, weekly_cost desc, service_line_id
