{#- The council's need prevalence rates (reference/prevalence_rates.csv), one row per measure and
    age band: the latest load's row (a duplicate within the file fails the gate). -#}
with source as (
    select * from {{ source('raw', 'prevalence_rates') }}
),

latest as (
    select *
    from source
    qualify row_number() over (
        partition by {{ council_of_row() }}, trim(measure), trim(age_band)
        order by _load_id desc nulls last, _line desc
    ) = 1
),

final as (
    select
        {{ council_of_row() }}              as council_code,
        trim(measure)                       as measure,
        trim(age_band)                      as age_band,
        cast(rate_pct as double)            as rate_pct,
        trim(source)                        as rate_source,
        _file                               as source_file,
        _line                               as source_line
    from latest
)

select * from final
