{#- The months loaded, per council: distinct `_month` of raw.controcc_service_lines union
    raw.las_cld. -#}
with loaded as (
    select distinct {{ council_of_row() }} as council_code, _month as month
    from {{ source('raw', 'controcc_service_lines') }} where _month is not null
    union
    select distinct {{ council_of_row() }} as council_code, _month as month
    from {{ source('raw', 'las_cld') }} where _month is not null
),

final as (
    select
        council_code,
        cast(date_trunc('month', month) as date)                                   as month,
        cast(last_day(month) as date)                                              as month_end,
        cast(date_diff('day', date_trunc('month', month), last_day(month)) + 1 as integer) as days_in_month,
        {{ financial_year('month') }}                                              as financial_year,
        cast(date_trunc('month', month) - interval 11 month as date)               as rolling_12m_start
    from loaded
)

select distinct * from final
