{#- The English region of each council of the warehouse (int_councils), one row per council:
    var region_code when set (ASCW_REGION: then every council of the build gets that region), else
    the region the CQC directory gives the council's own local authority (int_la_lookup: the row of
    that council's CQC files whose la_code is the council's code; the lowest region code if several
    names map to it). With neither, region_code is null (the council has no region rows in
    cqc_market_monthly and no `region` peer group in benchmark_monthly). -#}
with councils as (
    select * from {{ ref('int_councils') }}
),

la_lookup as (
    select * from {{ ref('int_la_lookup') }}
),

regions as (
    select * from {{ ref('english_regions') }}
),

council_regions as (
    select
        councils.council_code,
        coalesce(
            nullif('{{ var("region_code") }}', ''),
            (
                select min(la_lookup.region_code) from la_lookup
                where la_lookup.council_code = councils.council_code and la_lookup.la_code = councils.council_code
            )
        ) as region_code,
        case when nullif('{{ var("region_code") }}', '') is not null then 'var' else 'cqc_directory' end as region_source
    from councils
),

final as (
    select
        council_regions.council_code,
        council_regions.region_code,
        region_names.region_name,
        case when council_regions.region_code is not null then council_regions.region_source end as region_source
    from council_regions
    left join (select region_code, min(region_name) as region_name from regions where is_ons_name group by region_code) as region_names
        on region_names.region_code = council_regions.region_code
)

select * from final
