{#- CQC Latest ratings, Locations sheet (long: one row per location x service/population group x
    domain) per monthly file, renamed and cast; ratings normalised to one spelling (macro
    cqc_rating: `Requires Improvement` -> `Requires improvement`). Incremental by load
    (macros/incremental_by_load.sql): a refresh rebuilds the months of its new loads. -#}
{{ incremental_by_load_config('(council_code, month)', 'raw', 'cqc_latest_ratings') }}
with source as (
    select * from {{ source('raw', 'cqc_latest_ratings') }}
),

{{ scope_to_new_loads(source('raw', 'cqc_latest_ratings')) }}

renamed as (
    select
        {{ council_of_row() }}                                      as council_code,
        cast(_month as date)                                        as month,
        trim("Location ID")                                         as location_id,
        nullif(trim("Location ODS Code"), '')                       as location_ods_code,
        nullif(trim("Location Name"), '')                           as location_name,
        {{ cqc_flag('"Care Home?"') }}                              as is_care_home,
        nullif(trim("Location Type"), '')                           as location_type,
        nullif(trim("Location Primary Inspection Category"), '')    as primary_inspection_category,
        nullif(trim("Location Post Code"), '')                      as location_postcode,
        nullif(trim("Location Local Authority"), '')                as local_authority_name,
        nullif(trim("Location Region"), '')                         as region_name,
        trim("Service / Population Group")                          as service_population_group,
        trim("Domain")                                              as domain,
        {{ cqc_rating('"Latest Rating"') }}                         as rating,
        cast("Publication Date" as date)                            as publication_date,
        nullif(trim("Report Type"), '')                             as report_type,
        {{ cqc_flag('"Inherited Rating (Y/N)"') }}                  as is_inherited_rating,
        nullif(trim("Provider ID"), '')                             as provider_id,
        nullif(trim("Provider Name"), '')                           as provider_name,
        nullif(nullif(trim("Brand ID"), ''), '-')                   as brand_id,
        nullif(nullif(trim("Brand Name"), ''), '-')                 as brand_name,
        _file                                                       as source_file,
        _line                                                       as source_line,
        _load_id                                                    as load_id
    from scoped
)

select * from renamed
