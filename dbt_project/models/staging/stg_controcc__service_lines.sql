{{ incremental_by_load_config(['council_code', 'service_line_id'], 'raw', 'controcc_service_lines') }}
{#- ContrOCC service agreement lines: latest version of each (Service Agreement ID, Line No)
    (newest `_month`; within one month the last physical line), renamed and typed. Incremental by
    load (macros/incremental_by_load.sql): a refresh recomputes the lines that its new loads'
    rows name or its gone loads' rows held, from every raw row of those lines. -#}
with source as (
    select * from {{ source('raw', 'controcc_service_lines') }}
),

{{ scope_to_changed_keys([('trim(source."Service Agreement ID")', 'service_agreement_id'), ('source."Line No"', 'line_no')]) }}

latest as (
    select *
    from scoped
    qualify row_number() over (
        partition by {{ council_of_row() }}, trim("Service Agreement ID"), "Line No"
        order by _month desc nulls last, _line desc
    ) = 1
),

final as (
    select
        {{ council_of_row() }}                                                 as council_code,
        trim("Service Agreement ID") || '/' || cast("Line No" as varchar)      as service_line_id,
        trim("Service Agreement ID")                                           as service_agreement_id,
        "Line No"                                                              as line_no,
        nullif(trim("Event Reference"), '')                                    as event_reference,
        "LA Person Unique Identifier"                                          as person_id,
        trim("Element Code")                                                   as element_code,
        nullif(trim("Element Description"), '')                                as element_description,
        trim("Supplier ID")                                                    as supplier_id,
        nullif(trim("Supplier Name"), '')                                      as supplier_name,
        nullif(trim("Supplier Postcode"), '')                                  as supplier_postcode,
        nullif(upper(trim("Supplier Local Authority")), '')                    as supplier_local_authority,
        nullif(trim("CQC Location ID"), '')                                    as cqc_location_id,
        nullif(upper(trim("Placement Local Authority")), '')                   as placement_local_authority,
        "Start Date"                                                           as start_date,
        "End Date"                                                             as end_date,
        "Unit Rate"                                                            as unit_rate,
        {{ canonical_code('Rate Unit', '"Rate Unit"') }}                       as rate_unit,
        cast("Planned Units per Week" as decimal(18, 4))                       as planned_units_per_week,
        "Weekly Cost"                                                          as weekly_cost,
        {{ canonical_code('Funding Source', '"Funding Source"') }}             as funding_source,
        "Client Contribution Weekly"                                           as client_contribution_weekly,
        _month                                                                 as source_month,
        _file                                                                  as source_file,
        _line                                                                  as source_line,
        _load_id                                                               as load_id
    from latest
)

select * from final
