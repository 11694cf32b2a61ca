{#- England's comparators (reference/national_comparators.csv, optional), one row per measure,
    financial year and age band: the latest load's row (a duplicate within the file fails the gate).
    Measure and age band as the gates' code lists spell them (`ASCOF 2B` 18-64, `ASCOF 2C` 65+). -#}
with source as (
    select * from {{ source('raw', 'national_comparators') }}
),

latest as (
    select *
    from source
    qualify row_number() over (
        partition by {{ council_of_row() }}, upper(trim(measure)), trim(financial_year), lower(trim(age_band))
        order by _load_id desc nulls last, _line desc
    ) = 1
),

final as (
    select
        {{ council_of_row() }}              as council_code,
        upper(trim(measure))                as measure,
        trim(financial_year)                as financial_year,
        lower(trim(age_band))               as age_band,
        cast(value as double)               as value,
        trim(source)                        as value_source,
        _file                               as source_file,
        _line                               as source_line
    from latest
)

select * from final
