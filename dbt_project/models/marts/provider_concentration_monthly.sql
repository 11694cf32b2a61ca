{#- Provider concentration per council x month x market (care-ladder rung of Tier 2 and 3; full
    grid): a market is the council's own lines in the rung. Shares are of committed spend (service
    lines), see the yml. As every pct column of the marts, the share columns are null on Tier 2
    rows. -#}
with months as (
    select * from {{ ref('int_months') }}
),

rungs as (
    select * from {{ ref('care_ladder_rungs') }}
    where tier in (2, 3)
),

line_months as (
    select * from {{ ref('int_service_line_months') }}
    where tier in (2, 3)
),

supplier_spend as (
    select
        council_code,
        month,
        care_ladder_rung,
        supplier_id,
        sum(cost_days) as cost_days,
        bool_or(coalesce(supplier_local_authority = council_code, false)) as in_area
    from line_months
    group by 1, 2, 3, 4
    having sum(cost_days) > 0
),

ranked as (
    select
        *,
        sum(cost_days) over (partition by council_code, month, care_ladder_rung) as market_cost_days,
        100.0 * cast(cost_days as double)
            / cast(sum(cost_days) over (partition by council_code, month, care_ladder_rung) as double) as share_pct,
        row_number() over (
            partition by council_code, month, care_ladder_rung
            order by cost_days desc, supplier_id
        ) as supplier_rank
    from supplier_spend
),

market as (
    select
        council_code,
        month,
        care_ladder_rung,
        count(*) as providers,
        count(*) filter (where in_area) as providers_in_area,
        sum(cost_days) as cost_days,
        -- Sums are taken over exact DECIMAL pennies-x-days and divided once, so the result does
        -- not depend on the order DuckDB's threads add rows in (a rerun gives identical tables).
        100.0 * cast(sum(cost_days) filter (where supplier_rank <= 5) as double)
            / cast(any_value(market_cost_days) as double) as top5_share_pct,
        10000.0 * cast(sum(cast(cost_days * 100 as hugeint) * cast(cost_days * 100 as hugeint)) as double)
            / power(cast(any_value(market_cost_days) * 100 as double), 2) as hhi,
        max(share_pct) as largest_supplier_share_pct,
        max(supplier_id) filter (where supplier_rank = 1) as largest_supplier_id
    from ranked
    group by 1, 2, 3
),

out_of_area as (
    select council_code, month, care_ladder_rung, count(*) as out_of_area_placements
    from line_months
    where active_at_snapshot
      and placement_local_authority is not null
      and placement_local_authority <> council_code
    group by 1, 2, 3
),

final as (
    select
        months.council_code,
        months.month,
        rungs.care_ladder_rung,
        cast(rungs.tier as integer) as tier,
        cast(coalesce(market.providers, 0) as bigint) as providers,
        cast(coalesce(market.providers_in_area, 0) as bigint) as providers_in_area,
        {{ money('coalesce(market.cost_days, 0) / 7.0') }} as spend,
        -- pct columns are null for Tier 1 and Tier 2 rows (OUTPUTS.md conventions), and so is
        -- the dependency flag defined from one of them; HHI is an index, kept for every market.
        case when rungs.tier = 3 then cast(market.top5_share_pct as double) end as top5_share_pct,
        cast(market.hhi as double) as hhi,
        case when rungs.tier = 3 then cast(market.largest_supplier_share_pct as double) end
            as largest_supplier_share_pct,
        market.largest_supplier_id,
        case when rungs.tier = 3 and market.largest_supplier_share_pct is not null
            then market.largest_supplier_share_pct >= 33.3 end as single_supplier_dependency,
        cast(coalesce(out_of_area.out_of_area_placements, 0) as bigint) as out_of_area_placements
    from months
    cross join rungs
    left join market
        on market.council_code = months.council_code
       and market.month = months.month
       and market.care_ladder_rung = rungs.care_ladder_rung
    left join out_of_area
        on out_of_area.council_code = months.council_code
       and out_of_area.month = months.month
       and out_of_area.care_ladder_rung = rungs.care_ladder_rung
)

select * from final
order by council_code, month, care_ladder_rung
