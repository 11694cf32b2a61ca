{#- Latest version of each ContrOCC service line with its care-ladder rung and tier (through the
    council's element_rung_map) and the CLD Service event it funds (when given).
    A month's file lists every line active in the month (SOURCES.md), so a line whose latest
    version is older than the council's newest service-lines file was not listed in it: it is
    treated as ended at the end of the last month it was listed when its listed End Date is blank
    or later (end_date = that day, ended_by_absence = true, listed_end_date keeps the file's);
    the gate controcc_service_lines.completeness:vanished_lines names such lines as a WARN. -#}
with lines as (
    select * from {{ ref('stg_controcc__service_lines') }}
),

latest_files as (
    select council_code, max(source_month) as latest_month
    from lines
    group by council_code
),

listed as (
    select
        lines.*,
        cast(last_day(lines.source_month) as date) as last_listed_day,
        coalesce(
            lines.source_month < latest_files.latest_month
            and (lines.end_date is null or lines.end_date > last_day(lines.source_month)),
            false
        ) as ended_by_absence
    from lines
    left join latest_files
        on latest_files.council_code = lines.council_code
),

element_map as (
    select * from {{ ref('stg_council__element_rung_map') }}
),

rungs as (
    select * from {{ ref('care_ladder_rungs') }}
),

events as (
    select council_code, event_reference, service_type, service_component, delivery_mechanism
    from {{ ref('stg_las_cld__events') }}
),

final as (
    select
        lines.council_code,
        lines.service_line_id,
        lines.service_agreement_id,
        lines.line_no,
        lines.event_reference,
        lines.person_id,
        lines.element_code,
        lines.element_description,
        element_map.care_ladder_rung,
        cast(rungs.tier as integer)        as tier,
        rungs.rung_group,
        lines.supplier_id,
        lines.supplier_name,
        lines.supplier_local_authority,
        lines.cqc_location_id,
        lines.placement_local_authority,
        lines.start_date,
        case when lines.ended_by_absence then lines.last_listed_day else lines.end_date end as end_date,
        lines.unit_rate,
        lines.rate_unit,
        lines.planned_units_per_week,
        lines.weekly_cost,
        lines.funding_source,
        lines.client_contribution_weekly,
        events.service_type                as cld_service_type,
        events.service_component           as cld_service_component,
        events.delivery_mechanism          as cld_delivery_mechanism,
        lines.source_month,
        lines.end_date                     as listed_end_date,
        lines.ended_by_absence
    from listed as lines
    left join element_map
        on element_map.council_code = lines.council_code
       and upper(element_map.element_code) = upper(lines.element_code)
    left join rungs
        on rungs.care_ladder_rung = element_map.care_ladder_rung
    left join events
        on events.council_code = lines.council_code
       and events.event_reference = lines.event_reference
)

select * from final
