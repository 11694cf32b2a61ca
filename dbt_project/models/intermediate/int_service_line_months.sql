{#- One row per service line and loaded month in which the line is active on at least one day.
    days_active counts days inclusively (blank end = open); cost_days = weekly_cost x days_active
    (exact); spend = cost_days / 7 at full precision (round only in marts). Age at the snapshot
    (the month's last day) from the person's latest CLD row. -#}
with months as (
    select * from {{ ref('int_months') }}
),

lines as (
    select * from {{ ref('int_service_lines') }}
),

people as (
    select * from {{ ref('int_people') }}
),

line_months as (
    select
        months.month,
        months.month_end,
        months.financial_year,
        lines.*,
        cast({{ days_overlap('lines.start_date', 'lines.end_date', 'months.month', 'months.month_end') }} as integer) as days_active,
        {{ is_active_on('lines.start_date', 'lines.end_date', 'months.month_end') }} as active_at_snapshot
    from lines
    inner join months
        on months.council_code = lines.council_code
       and lines.start_date <= months.month_end
       and (lines.end_date is null or lines.end_date >= months.month)
),

final as (
    select
        line_months.council_code,
        line_months.month,
        line_months.month_end,
        line_months.financial_year,
        line_months.service_line_id,
        line_months.service_agreement_id,
        line_months.line_no,
        line_months.event_reference,
        line_months.person_id,
        line_months.element_code,
        line_months.care_ladder_rung,
        line_months.tier,
        line_months.rung_group,
        line_months.supplier_id,
        line_months.supplier_local_authority,
        line_months.cqc_location_id,
        line_months.placement_local_authority,
        line_months.start_date,
        line_months.end_date,
        line_months.rate_unit,
        line_months.planned_units_per_week,
        line_months.weekly_cost,
        line_months.funding_source,
        line_months.days_active,
        line_months.active_at_snapshot,
        cast(line_months.weekly_cost * line_months.days_active as decimal(38, 2)) as cost_days,
        cast(line_months.weekly_cost as double) * line_months.days_active / 7.0 as spend,
        people.date_of_birth,
        people.primary_support_reason,
        {{ age_in_years('people.date_of_birth', 'line_months.month_end') }} as age_at_snapshot,
        {{ age_band(age_in_years('people.date_of_birth', 'line_months.month_end')) }} as age_band,
        {{ client_category('people.primary_support_reason', age_in_years('people.date_of_birth', 'line_months.month_end')) }} as client_category
    from line_months
    left join people
        on people.council_code = line_months.council_code
       and people.person_id = line_months.person_id
    where line_months.days_active > 0
)

select * from final
