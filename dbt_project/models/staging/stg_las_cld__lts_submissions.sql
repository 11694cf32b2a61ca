{#- Every submitted version of the long-term support CLD events: one row per row of every monthly
    LAS CLD file (raw.las_cld keeps each file's rows), not only the latest version of each Event
    Reference (that is stg_las_cld__events). NHS England's CLD replication code works on the stacked
    submissions (CLD_R1_Raw keeps every ImportDate) and applies its own latest-version rules, so the
    statutory-returns preview (int_nhse_*) needs them all. A file month stands for NHS England's
    ImportDate (the monthly file is the council's submission); `record_id` for its
    Der_Unique_Record_ID. Only rows whose canonical Service Type is long-term support are kept
    (every NHS England measure previewed filters on it). docs/DECISIONS.md "Statutory returns
    preview (issue 29)" says why this is a second staging model of raw.las_cld. -#}
with source as (
    select * from {{ source('raw', 'las_cld') }}
),

renamed as (
    select
        {{ council_of_row() }}                                             as council_code,
        _month                                                             as submission_month,
        coalesce(_file, '') || ':' || cast(coalesce(_line, -1) as varchar) as record_id,
        trim("Event Reference")                                            as event_reference,
        nullif(trim("LA Code"), '')                                        as la_code,
        nullif("LA Person Unique Identifier", '')                          as person_id,
        nullif("NHS Number", '')                                           as nhs_number_hash,
        "Reporting Period Start Date"                                      as reporting_period_start_date,
        "Reporting Period End Date"                                        as reporting_period_end_date,
        "Date of Birth"                                                    as date_of_birth,
        "Date of Death"                                                    as date_of_death,
        {{ canonical_code('Client Type', '"Client Type"') }}               as client_type,
        {{ canonical_code('Event Type', '"Event Type"') }}                 as event_type,
        {{ canonical_code('Service Type', '"Service Type"') }}             as service_type,
        {{ canonical_code('Service Component', '"Service Component"') }}   as service_component,
        {{ canonical_code('Delivery Mechanism', '"Delivery Mechanism"') }} as delivery_mechanism,
        "Event Start Date"                                                 as event_start_date,
        "Event End Date"                                                   as event_end_date
    from source
    where _month is not null
)

select * from renamed
where service_type like 'Long Term Support:%'
