{{ incremental_by_load_config(['council_code', 'event_reference'], 'raw', 'las_cld') }}
{#- LAS events in CLD layout: latest version of each Event Reference (newest `_month`; within one
    month the last physical line), renamed, codes canonicalised to CLD Release 1 spellings.
    Incremental by load (macros/incremental_by_load.sql, `scope_to_new_loads_and_changed_councils`):
    a refresh reads the rows of its new loads only and keeps those newer than the table's version
    of their event; a council with a gone load is rebuilt from all its rows. A month names ~30% of
    all events, so the touched-keys scope of the other latest-version models (a join with raw)
    cost more than rebuilding (region of 10 councils x 36 months: 18.7 s against 14.6 s;
    docs/BENCHMARKS.md). -#}
with source as (
    select * from {{ source('raw', 'las_cld') }}
),

{{ scope_to_new_loads_and_changed_councils(source('raw', 'las_cld')) }}

latest_version as (
    -- The winning version of each Event Reference, found on narrow columns first (a window
    -- over the full-width rows sorts every column of every version: ~3x slower on 1.2M rows).
    select
        {{ council_of_row() }} as council_code,
        trim("Event Reference") as event_reference,
        max((coalesce(_month, date '0001-01-01'), coalesce(_line, -1))) as version_key
    from scoped
    group by all
),

latest as (
    select scoped.*
    from scoped
    semi join latest_version
        on {{ council_of_row('scoped') }} = latest_version.council_code
       and trim(scoped."Event Reference") = latest_version.event_reference
       and (coalesce(scoped._month, date '0001-01-01'), coalesce(scoped._line, -1)) = latest_version.version_key
),

final as (
    select
        {{ council_of_row() }}                                                 as council_code,
        trim("Event Reference")                                                as event_reference,
        "LA Person Unique Identifier"                                          as person_id,
        "NHS Number"                                                           as nhs_number_hash,
        trim("LA Code")                                                        as la_code,
        "Reporting Period Start Date"                                          as reporting_period_start_date,
        "Reporting Period End Date"                                            as reporting_period_end_date,
        nullif(trim("Gender"), '')                                             as gender,
        nullif(trim("Ethnicity"), '')                                          as ethnicity,
        "Date of Birth"                                                        as date_of_birth,
        "Date of Death"                                                        as date_of_death,
        {{ canonical_code('Client Type', '"Client Type"') }}                   as client_type,
        {{ canonical_code('Primary Support Reason', '"Primary Support Reason"') }} as primary_support_reason,
        nullif(trim("Postcode"), '')                                           as postcode_outward,
        nullif(trim("Accommodation Status"), '')                               as accommodation_status,
        nullif(trim("Employment Status"), '')                                  as employment_status,
        nullif(trim("Has Unpaid Carer"), '')                                   as has_unpaid_carer,
        nullif(trim("Client Funding Status"), '')                              as client_funding_status,
        {{ canonical_code('Event Type', '"Event Type"') }}                     as event_type,
        "Event Start Date"                                                     as event_start_date,
        "Event End Date"                                                       as event_end_date,
        {{ canonical_code('Event Outcome', '"Event Outcome"') }}               as event_outcome,
        {{ canonical_code('Request: Route of Access', '"Request: Route of Access"') }} as route_of_access,
        nullif(trim("Assessment Type"), '')                                    as assessment_type,
        nullif(trim("Eligible Needs Identified"), '')                          as eligible_needs_identified,
        {{ canonical_code('Service Type', '"Service Type"') }}                 as service_type,
        {{ canonical_code('Service Component', '"Service Component"') }}       as service_component,
        {{ canonical_code('Delivery Mechanism', '"Delivery Mechanism"') }}     as delivery_mechanism,
        nullif(trim("Provider CQC Location ID"), '')                           as provider_cqc_location_id,
        nullif(trim("Provider CQC Location Name"), '')                         as provider_cqc_location_name,
        nullif(trim("Review Reason"), '')                                      as review_reason,
        nullif(trim("Review Outcomes Achieved"), '')                           as review_outcomes_achieved,
        "Unit Cost"                                                            as unit_cost,
        {{ canonical_code('Cost Frequency (Unit Type)', '"Cost Frequency (Unit Type)"') }} as cost_frequency,
        cast("Planned units per week" as decimal(18, 4))                       as planned_units_per_week,
        _month                                                                 as source_month,
        _file                                                                  as source_file,
        _line                                                                  as source_line,
        _load_id                                                               as load_id
    from latest
),

newer as (
    {{ newer_than_table('final', ['council_code', 'event_reference'],
                        "(coalesce($source_month, date '0001-01-01'), coalesce($source_line, -1))") }}
)

select
    *,
    coalesce(service_type like 'Long Term Support:%', false) as is_long_term_support
from newer
