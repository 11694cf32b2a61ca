{#- Locations opening and closing in each council's area (council_code x month x location x
    change x service type), month on month, from the HSCA Active Locations files each council
    loaded (its own rows only); a change belongs to the council of the warehouse (int_councils)
    whose code the location's local authority maps to (int_la_lookup, through
    int_cqc_locations_monthly).
    - `opened`: in this month's file, not in the previous calendar month's file (anywhere in
      that file), and in the council's area this month.
    - `closed`: in the previous calendar month's file in the council's area, not in this month's.
    - A month is compared only when the previous calendar month's HSCA file is loaded: the first
      loaded month (and a month after a gap) has no predecessor and emits no rows.
    - Presence in the file is what counts, dormant or not (`Dormant (Y/N)` is not a closure).
    - One row per service type the location has in the file it was seen in (this month's for
      opened, last month's for closed); a location with no `Service type - *` flag keeps one row
      with a null service_type. `beds` = the location's `Care homes beds` (0 when blank). -#}
with locations as (
    select * from {{ ref('int_cqc_locations_monthly') }}
),

service_types as (
    select * from {{ ref('stg_cqc__hsca_location_service_types') }}
),

councils as (
    select * from {{ ref('int_councils') }}
),

hsca_months as (
    select distinct council_code, month from locations
),

compared_months as (
    select
        hsca_months.council_code,
        hsca_months.month,
        cast(hsca_months.month - interval 1 month as date) as previous_month
    from hsca_months
    inner join hsca_months as previous
        on previous.council_code = hsca_months.council_code
       and previous.month = cast(hsca_months.month - interval 1 month as date)
),

opened as (
    select
        councils.council_code,
        compared_months.month,
        'opened' as change,
        current_file.month as seen_month,
        current_file.location_id
    from compared_months
    inner join locations as current_file
        on current_file.council_code = compared_months.council_code
       and current_file.month = compared_months.month
    inner join councils
        on councils.council_code = current_file.council_code
       and councils.council_code = current_file.la_code
    where not exists (
        select 1 from locations as previous_file
        where previous_file.council_code = compared_months.council_code
          and previous_file.month = compared_months.previous_month
          and previous_file.location_id = current_file.location_id
    )
),

closed as (
    select
        councils.council_code,
        compared_months.month,
        'closed' as change,
        previous_file.month as seen_month,
        previous_file.location_id
    from compared_months
    inner join locations as previous_file
        on previous_file.council_code = compared_months.council_code
       and previous_file.month = compared_months.previous_month
    inner join councils
        on councils.council_code = previous_file.council_code
       and councils.council_code = previous_file.la_code
    where not exists (
        select 1 from locations as current_file
        where current_file.council_code = compared_months.council_code
          and current_file.month = compared_months.month
          and current_file.location_id = previous_file.location_id
    )
),

changes as (
    select * from opened
    union all
    select * from closed
),

final as (
    select
        changes.council_code,
        changes.month,
        changes.location_id,
        changes.change,
        service_types.service_type,
        cast(locations.care_home_beds as bigint)   as beds,
        changes.council_code                        as area_code,
        locations.location_name,
        locations.provider_id,
        locations.provider_name,
        locations.is_care_home,
        locations.is_dormant,
        changes.seen_month
    from changes
    inner join locations
        on locations.council_code = changes.council_code
       and locations.month = changes.seen_month
       and locations.location_id = changes.location_id
    left join service_types
        on service_types.council_code = changes.council_code
       and service_types.month = changes.seen_month
       and service_types.location_id = changes.location_id
)

select * from final
