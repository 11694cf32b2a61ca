{#- New packages per DPS lot (service x client group x age band) per council and month, every lot
    listed (zeros where no demand). Definitions in the yml. -#}
with months as (
    select * from {{ ref('int_months') }}
),

lots as (
    select * from {{ ref('dps_lots') }}
),

service_map as (
    select * from {{ ref('dps_service_map') }}
),

client_group_map as (
    select * from {{ ref('dps_client_group_map') }}
),

lines as (
    select * from {{ ref('int_service_lines') }}
),

people as (
    select * from {{ ref('int_people') }}
),

line_service as (
    select
        lines.*,
        service_map.service
    from lines
    inner join service_map
        on (service_map.match_field = 'service_component' and service_map.match_value = lines.cld_service_component)
        or (service_map.match_field = 'care_ladder_rung' and service_map.match_value = lines.care_ladder_rung)
    qualify row_number() over (
        partition by lines.council_code, lines.service_line_id order by service_map.priority
    ) = 1
),

-- a package = service agreement x DPS service; it is new in the month of its earliest line start
packages as (
    select
        council_code,
        service_agreement_id,
        service,
        min(start_date) as package_start_date,
        arg_min(person_id, start_date) as person_id,
        bool_or(funding_source = 'S117') as is_s117
    from line_service
    group by 1, 2, 3
),

classified as (
    select
        packages.*,
        case when packages.is_s117 then 'Detained under MHA' else client_group_map.client_group end as client_group,
        case
            when {{ age_in_years('people.date_of_birth', 'packages.package_start_date') }} >= 65 then 'Over 65'
            when people.date_of_birth is not null then 'Under 65'
        end as age_band
    from packages
    left join people
        on people.council_code = packages.council_code
       and people.person_id = packages.person_id
    left join client_group_map
        on client_group_map.primary_support_reason = people.primary_support_reason
),

demand as (
    select
        classified.council_code,
        months.month,
        classified.service,
        classified.client_group,
        classified.age_band,
        count(*) as packages
    from classified
    inner join months
        on months.council_code = classified.council_code
       and classified.package_start_date between months.month and months.month_end
    group by 1, 2, 3, 4, 5
),

final as (
    select
        months.council_code,
        months.month,
        cast(lots.lot as integer) as lot,
        lots.service,
        lots.client_group,
        -- the forum's 'Under 65' / 'Over 65' named as every other table's age bands (outputs contract)
        case lots.age_band when 'Under 65' then '18-64' when 'Over 65' then '65+' end as age_band,
        cast(coalesce(demand.packages, 0) as bigint) as packages
    from months
    cross join lots
    left join demand
        on demand.council_code = months.council_code
       and demand.month = months.month
       and demand.service = lots.service
       and demand.client_group = lots.client_group
       and demand.age_band = lots.age_band
)

select * from final
order by council_code, month, lot
