{#- CQC care market per council x month x CQC service type x area (the council, its region,
    England), from the month's HSCA Active Locations file that council loaded: each council of the
    warehouse (int_councils) gets its own three areas, computed from its own CQC rows (councils
    may load the national file or one filtered to their area, so a region warehouse never mixes
    one council's CQC rows into another's figures).
    - A location is in the council when its `Location Local Authority` maps to the council's code
      (int_la_lookup); in the council's region when its `Location Region` maps to that region; every
      location in the file is in England (var england_code). The council's region is var
      region_code when set (ASCW_REGION), else the region the CQC directory gives that council's
      own local authority (int_la_lookup); with neither, the council has no region rows (both
      rules in int_council_regions, which benchmark_monthly's peer groups use too).
    - A location counts once under each service type it is registered for (flag `Y`), so a care
      home with and without nursing counts in both rows, with all its beds in both.
    - Dormant locations (`Dormant (Y/N)` = Y: registered but not providing care) are left out of
      every measure and counted in `dormant_locations`.
    - Rated = HSCA `Location Latest Overall Rating` is Outstanding, Good, Requires improvement or
      Inadequate; percentages are of rated locations, null when none is rated.
    - Every service type found in the month's file gets a row for each of the three areas (zeros
      where the area has none). -#}
with locations as (
    select * from {{ ref('int_cqc_locations_monthly') }}
),

service_types as (
    select * from {{ ref('stg_cqc__hsca_location_service_types') }}
),

councils as (
    select * from {{ ref('int_councils') }}
),

council_regions as (
    select council_code, region_code from {{ ref('int_council_regions') }}
),

council_areas as (
    select council_code, council_code as area_code, 'council' as area_type from councils
    union all
    select council_code, '{{ var("england_code") }}' as area_code, 'england' as area_type from councils
    union all
    select council_code, region_code as area_code, 'region' as area_type
    from council_regions where region_code is not null
),

-- Each location of a council's CQC file in each of that council's areas.
location_areas as (
    select council_code, month, location_id, la_code as area_code
    from locations where la_code = council_code
    union all
    select locations.council_code, locations.month, locations.location_id, locations.region_code as area_code
    from locations
    inner join council_regions
        on council_regions.council_code = locations.council_code
       and council_regions.region_code = locations.region_code
    union all
    select council_code, month, location_id, '{{ var("england_code") }}' as area_code
    from locations
),

location_rows as (
    select
        location_areas.council_code,
        location_areas.month,
        service_types.service_type,
        location_areas.area_code,
        locations.is_dormant,
        locations.care_home_beds,
        locations.overall_rating,
        locations.is_rated
    from location_areas
    inner join locations
        on locations.council_code = location_areas.council_code
       and locations.month = location_areas.month
       and locations.location_id = location_areas.location_id
    inner join service_types
        on service_types.council_code = location_areas.council_code
       and service_types.month = location_areas.month
       and service_types.location_id = location_areas.location_id
),

measures as (
    select
        council_code,
        month,
        service_type,
        area_code,
        count(*) filter (where not is_dormant)                                         as locations,
        count(*) filter (where is_dormant)                                             as dormant_locations,
        sum(care_home_beds) filter (where not is_dormant)                              as beds,
        count(*) filter (where not is_dormant and is_rated)                            as rated_locations,
        count(*) filter (where not is_dormant and overall_rating = 'Outstanding')          as outstanding,
        count(*) filter (where not is_dormant and overall_rating = 'Good')                 as good,
        count(*) filter (where not is_dormant and overall_rating = 'Requires improvement') as requires_improvement,
        count(*) filter (where not is_dormant and overall_rating = 'Inadequate')           as inadequate
    from location_rows
    group by council_code, month, service_type, area_code
),

grid as (
    select distinct
        council_areas.council_code,
        service_types.month,
        service_types.service_type,
        council_areas.area_code,
        council_areas.area_type
    from service_types
    inner join council_areas
        on council_areas.council_code = service_types.council_code
),

counts as (
    select
        grid.council_code,
        grid.month,
        grid.service_type,
        grid.area_code,
        grid.area_type,
        cast(coalesce(measures.locations, 0) as bigint)             as locations,
        cast(coalesce(measures.beds, 0) as bigint)                  as beds,
        cast(coalesce(measures.rated_locations, 0) as bigint)       as rated_locations,
        cast(coalesce(measures.outstanding, 0) as bigint)           as outstanding,
        cast(coalesce(measures.good, 0) as bigint)                  as good,
        cast(coalesce(measures.requires_improvement, 0) as bigint)  as requires_improvement,
        cast(coalesce(measures.inadequate, 0) as bigint)            as inadequate,
        cast(coalesce(measures.dormant_locations, 0) as bigint)     as dormant_locations
    from grid
    left join measures
        on measures.council_code = grid.council_code
       and measures.month = grid.month
       and measures.service_type = grid.service_type
       and measures.area_code = grid.area_code
),

final as (
    select
        council_code,
        month,
        service_type,
        area_code,
        area_type,
        locations,
        beds,
        rated_locations,
        outstanding,
        good,
        requires_improvement,
        inadequate,
        100.0 * outstanding / nullif(rated_locations, 0)            as pct_outstanding,
        100.0 * good / nullif(rated_locations, 0)                   as pct_good,
        100.0 * requires_improvement / nullif(rated_locations, 0)   as pct_requires_improvement,
        100.0 * inadequate / nullif(rated_locations, 0)             as pct_inadequate,
        100.0 * (outstanding + good) / nullif(rated_locations, 0)   as pct_good_or_better,
        dormant_locations
    from counts
)

select * from final
