{#- CQC HSCA Active Locations: one row per location per monthly file, renamed and cast.
    Dates are already DATE in raw (the loader resolves DD/MM vs MM/DD per file); the Overall
    rating is normalised to one spelling (macro cqc_rating); Y/blank flags become booleans.
    Service types are unpivoted in stg_cqc__hsca_location_service_types. -#}
with source as (
    select * from {{ source('raw', 'cqc_hsca_active_locations') }}
),

renamed as (
    select
        {{ council_of_row() }}                                      as council_code,
        cast(_month as date)                                        as month,
        trim("Location ID")                                         as location_id,
        nullif(trim("Location Name"), '')                           as location_name,
        cast("Location HSCA start date" as date)                    as location_hsca_start_date,
        {{ cqc_flag('"Dormant (Y/N)"') }}                           as is_dormant,
        {{ cqc_flag('"Care home?"') }}                              as is_care_home,
        cast("Care homes beds" as bigint)                           as care_home_beds,
        nullif(trim("Location Type/Sector"), '')                    as location_type_sector,
        nullif(trim("Location Inspection Directorate"), '')         as inspection_directorate,
        nullif(trim("Location Primary Inspection Category"), '')    as primary_inspection_category,
        {{ cqc_rating('"Location Latest Overall Rating"') }}        as latest_overall_rating,
        cast("Publication Date" as date)                            as rating_publication_date,
        nullif(trim("Location Region"), '')                         as region_name,
        nullif(trim("Location Local Authority"), '')                as local_authority_name,
        nullif(trim("Location Postal Code"), '')                    as location_postcode,
        nullif(trim("Provider ID"), '')                             as provider_id,
        nullif(trim("Provider Name"), '')                           as provider_name,
        {{ cqc_flag('"Service user band - Dementia"') }}            as serves_dementia,
        _file                                                       as source_file,
        _line                                                       as source_line,
        _load_id                                                    as load_id
    from source
)

select * from renamed
