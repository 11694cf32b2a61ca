{#- One row per council x month x CQC location in that month's HSCA Active Locations file (the
    council's own, as it loaded it), with the ONS code
    of its local authority (int_la_lookup) and of its region (`Location Region` through seed
    english_regions). A location listed twice in one file keeps its first line. `is_rated` is
    true when the HSCA `Location Latest Overall Rating` is one of the four ratings. -#}
with hsca as (
    select * from {{ ref('stg_cqc__hsca_active_locations') }}
),

la_lookup as (
    select * from {{ ref('int_la_lookup') }}
),

regions as (
    select {{ la_name_key('region_name') }} as region_key, region_code from {{ ref('english_regions') }}
),

deduplicated as (
    select *
    from hsca
    qualify row_number() over (partition by council_code, month, location_id order by source_line) = 1
),

final as (
    select
        deduplicated.council_code,
        deduplicated.month,
        deduplicated.location_id,
        deduplicated.location_name,
        deduplicated.provider_id,
        deduplicated.provider_name,
        deduplicated.is_dormant,
        deduplicated.is_care_home,
        coalesce(deduplicated.care_home_beds, 0)                              as care_home_beds,
        deduplicated.latest_overall_rating                                    as overall_rating,
        coalesce(deduplicated.latest_overall_rating in {{ cqc_rated_values() }}, false) as is_rated,
        deduplicated.local_authority_name,
        la_lookup.la_code,
        deduplicated.region_name,
        regions.region_code
    from deduplicated
    left join la_lookup
        on la_lookup.council_code = deduplicated.council_code
       and la_lookup.cqc_la_name = deduplicated.local_authority_name
    left join regions
        on regions.region_key = {{ la_name_key('deduplicated.region_name') }}
)

select * from final
