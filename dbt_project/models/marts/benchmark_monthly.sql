{#- Benchmarking between the councils of the warehouse: council x month x measure x age band x peer
    group (`region`: the councils of the council's English region, int_council_regions; `all`:
    every council with the measure in the warehouse), the council's value against the peer
    median, quartiles (quantile_cont) and its rank. Measures, directions, the suppression rule
    and the annual-on-March rule are documented in benchmark_monthly.yml.
    Suppression: a value its own council's published pack shows as [c] (1-4 people, or a rate or
    average built on such a count, or a count hidden by secondary suppression) never enters a
    peer statistic or a rank, and is itself null here. For the care ladder's average weekly cost
    that needs the pack's secondary suppression of Table 1 (service_users of the Tier 3 rungs and
    their Total Tier 3 row, orchestration/pack/tables.py care_ladder + suppression.py
    secondary_cells), which `ladder_steps` replays exactly: the same 13 equations in the same
    order, the same pick (smallest published non-zero member, ties to the first in row order,
    else the total), passes until one changes nothing.
    A council-month blocked from publication (int_blocked_council_months) keeps its row, flagged
    `blocked`, but its value enters no statistic or rank; `peer_council_codes` lists the councils
    whose values did, so that publishing can check none was blocked after the build. -#}
with recursive kpis as (
    select * from {{ ref('kpi_monthly') }}
),

care_ladder as (
    select * from {{ ref('care_ladder_monthly') }}
),

admissions as (
    select * from {{ ref('care_home_admissions_annual') }}
),

cqc_market as (
    select * from {{ ref('cqc_market_monthly') }}
),

council_regions as (
    select * from {{ ref('int_council_regions') }}
),

-- Council-months blocked from publication (known at build time): their values enter no statistic.
blocked as (
    select * from {{ ref('int_blocked_council_months') }}
),

kpi_names as (
    select * from (values
        ('LTC_USERS', 'Number of service users in long term care', 'people'),
        ('LTC_AT_HOME', '% of long term service users supported at home or in a tenancy', 'percent'),
        ('AVG_WEEKLY_COST', 'Average weekly cost of service users in long term care', 'GBP per week'),
        ('CONTACT_TO_TIER3', '% of new contacts resulting in a long term (Tier 3) service within 90 days', 'percent'),
        ('FEEL_SAFE', '% of service users who say services make them feel safe and secure (ASCOF 4B)', 'percent'),
        ('CONTROL_DAILY_LIFE', '% of service users who have control over their daily life (ASCOF 1B)', 'percent'),
        ('CQC_GOOD_OR_BETTER', '% of council-used CQC-regulated locations rated Good or Outstanding', 'percent')
    ) as t(kpi_code, measure_name, unit)
),

-- Row order of the pack's Table 1: the Tier 3 rungs as tables.TIER3_RUNGS, then Total Tier 3 (9).
rung_order as (
    select * from (values
        ('Nursing', 0), ('Residential', 1), ('Supported Accommodation', 2), ('Extra Care Housing', 3),
        ('Supported Living', 4), ('Home Care', 5), ('Day Care', 6), ('Adult Placement', 7),
        ('Direct Payments', 8)
    ) as t(care_ladder_rung, rung_no)
),

band_order as (
    select * from (values ('18-64', 0), ('65+', 1), ('All', 2)) as t(age_band, band_no)
),

cqc_service_types as (
    select * from (values
        ('Care home service with nursing'), ('Care home service without nursing'), ('Domiciliary care service'),
        ('Supported living service'), ('Extra Care housing services'), ('Shared Lives')
    ) as t(service_type)
),

-- KPI direction: the one every council's targets give (kpi_monthly.direction); none when they
-- disagree or give none.
kpi_directions as (
    select
        kpi_code,
        case when count(distinct direction) = 1 then min(direction) end as direction
    from kpis
    group by kpi_code
),

-- ---------------------------------------------------------------- Table 1's suppression replayed
tier3_rows as (
    select care_ladder.*, rung_order.rung_no, band_order.band_no
    from care_ladder
    left join rung_order on rung_order.care_ladder_rung = care_ladder.care_ladder_rung
    left join band_order on band_order.age_band = care_ladder.age_band
    where care_ladder.tier = 3
),

-- A Tier 3 rung or band the replay does not know: every average cost of the month is suppressed.
unknown_layout as (
    select distinct council_code, month from tier3_rows where rung_no is null or band_no is null
),

ladder_cells as (
    select council_code, month, rung_no, band_no, service_users
    from tier3_rows
    where rung_no is not null and band_no is not null
    union all
    select council_code, month, 9 as rung_no, band_no, sum(service_users) as service_users
    from tier3_rows
    where band_no is not null
    group by council_code, month, band_no
),

numbered_cells as (
    select *, rung_no * 3 + band_no as cell_no from ladder_cells
),

-- Equations in the pack's order: 0-9 = per rung (9 = Total Tier 3) 18-64 + 65+ (+ remainder) = All;
-- 10-12 = per band (18-64, 65+, All) the Tier 3 rungs = Total Tier 3.
equation_cells as (
    select council_code, month, rung_no as equation_no, cell_no, service_users,
           band_no as member_no, band_no = 2 as is_total
    from numbered_cells
    union all
    select council_code, month, 10 + band_no as equation_no, cell_no, service_users,
           rung_no as member_no, rung_no = 9 as is_total
    from numbered_cells
),

equations as (
    select
        council_code,
        month,
        equation_no,
        bit_or(cast(1 as bigint) << cell_no)                                     as cells_mask,
        max(cell_no) filter (where is_total)                                     as total_cell,
        coalesce(
            list(cell_no order by service_users, member_no) filter (where not is_total and service_users <> 0),
            []
        )                                                                        as candidates,
        abs(sum(case when is_total then service_users else -service_users end)) between 1 and 4
                                                                                 as small_remainder
    from equation_cells
    group by council_code, month, equation_no
),

primary_cells as (
    select council_code, month, bit_or(cast(1 as bigint) << cell_no) filter (
        where service_users > 0 and service_users < 5
    ) as hidden
    from numbered_cells
    group by council_code, month
),

-- One equation per step, in order, 13 a pass (an equation without cells picks nothing); stops
-- after a pass that hid nothing.
ladder_steps as (
    select council_code, month, 0 as step, coalesce(hidden, cast(0 as bigint)) as hidden,
           false as changed, false as done
    from primary_cells
    union all
    select
        council_code,
        month,
        step + 1 as step,
        hidden | coalesce(cast(1 as bigint) << pick, cast(0 as bigint)) as hidden,
        case when step % 13 = 12 then false else changed or pick is not null end as changed,
        step % 13 = 12 and not (changed or pick is not null) as done
    from (
        select
            ladder_steps.council_code,
            ladder_steps.month,
            ladder_steps.step,
            ladder_steps.hidden,
            ladder_steps.changed,
            case when equations.total_cell is not null  -- the pack builds no equation without a total row
                 and bit_count(ladder_steps.hidden & equations.cells_mask) + cast(equations.small_remainder as integer) = 1
                then coalesce(
                    list_filter(equations.candidates, lambda c: ((ladder_steps.hidden >> c) & 1) = 0)[1],
                    case when ((ladder_steps.hidden >> equations.total_cell) & 1) = 0 then equations.total_cell end
                )
            end as pick
        from ladder_steps
        left join equations
            on equations.council_code = ladder_steps.council_code
           and equations.month = ladder_steps.month
           and equations.equation_no = ladder_steps.step % 13
        where not ladder_steps.done
    ) as step_pick
),

ladder_hidden as (
    select council_code, month, hidden from ladder_steps where done
),

-- ---------------------------------------------------------------- the measures
kpi_measures as (
    select
        kpis.council_code,
        kpis.month,
        kpis.kpi_code                                            as measure_code,
        coalesce(kpi_names.measure_name, kpis.kpi_code)          as measure_name,
        coalesce(kpi_names.unit, 'percent')                      as unit,
        kpi_directions.direction,
        kpis.age_band,
        cast(null as varchar)                                    as financial_year,
        kpis.value,
        case
            when kpis.kpi_code = 'CQC_GOOD_OR_BETTER' then false
            when kpis.kpi_code = 'AVG_WEEKLY_COST' then coalesce(kpis.denominator > 0 and kpis.denominator < 5, false)
            when kpis.kpi_code = 'LTC_USERS' then coalesce(kpis.value > 0 and kpis.value < 5, false)
                or coalesce(kpis.numerator > 0 and kpis.numerator < 5, false)
                or coalesce(kpis.denominator > 0 and kpis.denominator < 5, false)
            else coalesce(kpis.numerator > 0 and kpis.numerator < 5, false)
                or coalesce(kpis.denominator > 0 and kpis.denominator < 5, false)
                or coalesce(kpis.denominator - kpis.numerator > 0 and kpis.denominator - kpis.numerator < 5, false)
        end                                                      as suppressed,
        false                                                    as part_year
    from kpis
    left join kpi_names on kpi_names.kpi_code = kpis.kpi_code
    left join kpi_directions on kpi_directions.kpi_code = kpis.kpi_code
),

ladder_measures as (
    select
        tier3_rows.council_code,
        tier3_rows.month,
        'AVG_WEEKLY_COST:' || tier3_rows.care_ladder_rung                         as measure_code,
        'Average weekly cost per service user, ' || tier3_rows.care_ladder_rung   as measure_name,
        'GBP per week'                                                            as unit,
        cast(null as varchar)                                                     as direction,
        tier3_rows.age_band,
        cast(null as varchar)                                                     as financial_year,
        cast(tier3_rows.weekly_cost as double) / nullif(tier3_rows.service_users, 0) as value,
        unknown_layout.council_code is not null
            or ladder_hidden.council_code is null  -- no replay for the month: fail closed
            or ((ladder_hidden.hidden >> (tier3_rows.rung_no * 3 + tier3_rows.band_no)) & 1) = 1
                                                                                  as suppressed,
        false                                                                     as part_year
    from tier3_rows
    left join ladder_hidden
        on ladder_hidden.council_code = tier3_rows.council_code
       and ladder_hidden.month = tier3_rows.month
    left join unknown_layout
        on unknown_layout.council_code = tier3_rows.council_code
       and unknown_layout.month = tier3_rows.month
    union all
    select
        council_code,
        month,
        'PCT_SPEND:' || care_ladder_rung,
        '% of Tier 3 spend, ' || care_ladder_rung,
        'percent',
        cast(null as varchar),
        age_band,
        cast(null as varchar),
        pct_spend,
        false,
        false
    from tier3_rows
),

admission_measures as (
    select
        council_code,
        make_date(cast(left(financial_year, 4) as integer) + 1, 3, 1)        as month,
        'CARE_HOME_ADMISSIONS_PER_100K'                                       as measure_code,
        'Permanent admissions to residential and nursing care homes per 100,000 population'
                                                                              as measure_name,
        'per 100,000'                                                         as unit,
        'lower_is_better'                                                     as direction,
        age_band,
        financial_year,
        per_100k                                                              as value,
        coalesce(admissions > 0 and admissions < 5, false)                    as suppressed,
        months_loaded < 12                                                    as part_year
    from admissions
),

cqc_measures as (
    select
        cqc_market.council_code,
        cqc_market.month,
        'CQC_AREA_GOOD_OR_BETTER:' || cqc_market.service_type                  as measure_code,
        '% of rated CQC locations in the council area rated Good or Outstanding, ' || cqc_market.service_type
                                                                              as measure_name,
        'percent'                                                             as unit,
        'higher_is_better'                                                    as direction,
        'All'                                                                 as age_band,
        cast(null as varchar)                                                 as financial_year,
        cqc_market.pct_good_or_better                                         as value,
        false                                                                 as suppressed,
        false                                                                 as part_year
    from cqc_market
    inner join cqc_service_types on cqc_service_types.service_type = cqc_market.service_type
    where cqc_market.area_type = 'council'
),

measures as (
    select * from kpi_measures
    union all by name
    select * from ladder_measures
    union all by name
    select * from admission_measures
    union all by name
    select * from cqc_measures
),

-- A value is suppressed when there is one and its council's pack hides it (a null has nothing to
-- hide, as in the pack). It enters the peer statistics and the ranking when it is known, not
-- suppressed and (for an annual measure) covers the whole financial year.
measure_values as (
    select
        measures.council_code,
        measures.month,
        measure_code,
        measure_name,
        unit,
        direction,
        age_band,
        financial_year,
        value,
        value is not null and suppressed                        as suppressed,
        part_year,
        blocked.council_code is not null                        as blocked,
        value is not null and not suppressed and not part_year
            and blocked.council_code is null                    as benchmarked
    from measures
    left join blocked
        on blocked.council_code = measures.council_code
       and blocked.month = measures.month
),

-- The peer groups of each council with a measure: `all` = every such council; `region` = those of
-- the same region (none when the council's region is unknown).
peer_groups as (
    select distinct
        councils.council_code,
        'all'                   as peer_group,
        'all'                   as peer_key,
        cast(null as varchar)   as region_code,
        cast(null as varchar)   as region_name
    from (select distinct council_code from measure_values) as councils
    union all
    select distinct
        councils.council_code,
        'region'                as peer_group,
        council_regions.region_code as peer_key,
        council_regions.region_code,
        council_regions.region_name
    from (select distinct council_code from measure_values) as councils
    inner join council_regions
        on council_regions.council_code = councils.council_code
    where council_regions.region_code is not null
),

group_values as (
    select
        measure_values.*,
        peer_groups.peer_group,
        peer_groups.peer_key,
        peer_groups.region_code,
        peer_groups.region_name
    from measure_values
    inner join peer_groups
        on peer_groups.council_code = measure_values.council_code
),

peer_stats as (
    select
        month,
        measure_code,
        age_band,
        peer_group,
        peer_key,
        count(*)                                                   as group_councils,
        count(*) filter (where benchmarked)                        as peer_councils,
        quantile_cont(value, 0.5) filter (where benchmarked)       as peer_median,
        quantile_cont(value, 0.25) filter (where benchmarked)      as peer_p25,
        quantile_cont(value, 0.75) filter (where benchmarked)      as peer_p75,
        list(council_code order by council_code) filter (where benchmarked) as peer_council_codes
    from group_values
    group by month, measure_code, age_band, peer_group, peer_key
),

-- 1 = best: ascending for lower_is_better, else descending (higher_is_better, or no direction).
-- Values equal to 9 decimal places tie and share the best of their places (1, 2, 2, 4).
ranks as (
    select
        council_code,
        month,
        measure_code,
        age_band,
        peer_group,
        rank() over (
            partition by month, measure_code, age_band, peer_group, peer_key
            order by case when direction = 'lower_is_better' then round(value, 9) else -round(value, 9) end
        ) as rank
    from group_values
    where benchmarked
),

final as (
    select
        group_values.council_code,
        group_values.month,
        group_values.measure_code,
        group_values.age_band,
        cast(case when group_values.suppressed then null else group_values.value end as double) as value,
        group_values.peer_group,
        cast(peer_stats.peer_councils as bigint)     as peer_councils,
        cast(peer_stats.peer_median as double)       as peer_median,
        cast(peer_stats.peer_p25 as double)          as peer_p25,
        cast(peer_stats.peer_p75 as double)          as peer_p75,
        cast(ranks.rank as bigint)                   as rank,
        cast(peer_stats.peer_councils as bigint)     as of_councils,
        group_values.measure_name,
        group_values.unit,
        group_values.direction,
        group_values.financial_year,
        group_values.region_code,
        group_values.region_name,
        cast(peer_stats.group_councils as bigint)    as group_councils,
        group_values.suppressed,
        group_values.part_year,
        group_values.benchmarked,
        group_values.blocked,
        cast(coalesce(peer_stats.peer_council_codes, []) as varchar[]) as peer_council_codes
    from group_values
    inner join peer_stats
        on peer_stats.month = group_values.month
       and peer_stats.measure_code = group_values.measure_code
       and peer_stats.age_band = group_values.age_band
       and peer_stats.peer_group = group_values.peer_group
       and peer_stats.peer_key = group_values.peer_key
    left join ranks
        on ranks.council_code = group_values.council_code
       and ranks.month = group_values.month
       and ranks.measure_code = group_values.measure_code
       and ranks.age_band = group_values.age_band
       and ranks.peer_group = group_values.peer_group
)

select * from final
