{#- One row per council x local-authority name found in the council's CQC files (HSCA `Location Local Authority` and
    Latest ratings `Location Local Authority`), with its ONS code and region.
    Match order: (1) seed la_name_exceptions (CQC name, case-insensitive); (2) the normalised name
    (macro la_name_key: case, `, City of`/`, County of`, `&`/`and`, punctuation) equal to the
    normalised name of an ONS local authority in any ONS reference file (Census TS007A/TS038, MYE,
    SNPP; local-authority codes only: E06-E11, W06). When one key meets several codes the Census
    code wins (then the lowest code). Region: the CQC `Location Region` most used by the name's
    locations, coded through seed english_regions. A name with no match keeps a null la_code
    (test warns; add an exceptions row). -#}
with hsca as (
    select council_code, local_authority_name, region_name from {{ ref('stg_cqc__hsca_active_locations') }}
),

ratings as (
    select council_code, local_authority_name, region_name from {{ ref('stg_cqc__latest_ratings') }}
),

exceptions as (
    select * from {{ ref('la_name_exceptions') }}
),

regions as (
    select * from {{ ref('english_regions') }}
),

ons_names as (
    select council_code, area_code, area_name, 1 as source_priority from {{ ref('stg_ons__census_ts007a') }}
    union all
    select council_code, area_code, area_name, 2 as source_priority from {{ ref('stg_ons__census_ts038') }}
    union all
    select distinct council_code, area_code, area_name, 3 as source_priority
    from {{ ref('stg_ons__mye_population') }}
    union all
    select distinct council_code, area_code, area_name, 4 as source_priority
    from {{ ref('stg_ons__snpp_population') }}
),

ons_las as (
    select
        council_code,
        area_code,
        area_name,
        {{ la_name_key('area_name') }} as name_key,
        source_priority
    from ons_names
    where area_name is not null
      and left(area_code, 3) in ('E06', 'E07', 'E08', 'E09', 'E10', 'E11', 'W06')
),

ons_by_key as (
    select council_code, name_key, area_code as la_code, area_name as ons_la_name
    from ons_las
    qualify row_number() over (partition by council_code, name_key order by source_priority, area_code) = 1
),

ons_name_by_code as (
    select council_code, area_code as la_code, area_name as ons_la_name
    from ons_las
    qualify row_number() over (partition by council_code, area_code order by source_priority, area_name) = 1
),

cqc_name_regions as (
    select council_code, local_authority_name as cqc_la_name, region_name, count(*) as n_rows
    from (select * from hsca union all select * from ratings) as cqc
    where local_authority_name is not null
    group by council_code, local_authority_name, region_name
),

cqc_las as (
    select council_code, cqc_la_name, region_name as cqc_region_name
    from cqc_name_regions
    qualify row_number() over (
        partition by council_code, cqc_la_name
        order by (region_name is null), n_rows desc, region_name
    ) = 1
),

region_codes as (
    select {{ la_name_key('region_name') }} as region_key, region_code
    from regions
),

region_names as (
    select region_code, region_name from regions where is_ons_name
),

matched as (
    select
        cqc_las.council_code,
        cqc_las.cqc_la_name,
        coalesce(exceptions.la_code, ons_by_key.la_code)                         as la_code,
        case
            when exceptions.la_code is not null then 'exception'
            when ons_by_key.la_code is not null then 'name'
        end                                                                      as match_method,
        cqc_las.cqc_region_name,
        region_codes.region_code
    from cqc_las
    left join exceptions
        on lower(trim(exceptions.cqc_la_name)) = lower(cqc_las.cqc_la_name)
    left join ons_by_key
        on ons_by_key.council_code = cqc_las.council_code
       and ons_by_key.name_key = {{ la_name_key('cqc_las.cqc_la_name') }}
    left join region_codes
        on region_codes.region_key = {{ la_name_key('cqc_las.cqc_region_name') }}
),

final as (
    select
        matched.council_code,
        matched.cqc_la_name,
        matched.la_code,
        coalesce(ons_name_by_code.ons_la_name, exceptions_by_code.ons_la_name) as ons_la_name,
        matched.match_method,
        matched.region_code,
        region_names.region_name,
        matched.cqc_region_name
    from matched
    left join ons_name_by_code
        on ons_name_by_code.council_code = matched.council_code
       and ons_name_by_code.la_code = matched.la_code
    left join (select distinct la_code, ons_la_name from exceptions) as exceptions_by_code
        on exceptions_by_code.la_code = matched.la_code
       and matched.match_method = 'exception'
    left join region_names
        on region_names.region_code = matched.region_code
)

select * from final
