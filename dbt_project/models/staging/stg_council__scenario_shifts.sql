{#- One row per shift of an accepted scenario and projection age band: `all` is every band of seed
    projection_age_bands, `65+` is 65-74, 75-84 and 85+, a band is itself. -#}
with source as (
    select * from {{ source('raw', 'scenario_shifts') }}
),

bands as (
    select * from {{ ref('projection_age_bands') }}
),

final as (
    select
        {{ council_of_row('source') }}      as council_code,
        trim(source.scenario)               as scenario,
        cast(source.shift_no as integer)    as shift_no,
        trim(source.from_rung)              as from_rung,
        trim(source.to_rung)                as to_rung,
        bands.age_band                      as age_band,
        trim(source.age_band)               as age_band_as_given,
        cast(source.share as double)        as share,
        cast(source.from_year as integer)   as from_year,
        source._file                        as source_file
    from source
    inner join bands
        on lower(trim(source.age_band)) = 'all'
        or (trim(source.age_band) = '65+' and bands.min_age >= 65)
        or trim(source.age_band) = bands.age_band
)

select * from final
