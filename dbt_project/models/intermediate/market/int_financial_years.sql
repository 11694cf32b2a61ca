{#- Financial years (1 April - 31 March) the annual marts publish, per council: a year is included
    only when its March is a loaded month of the council (int_months, council_code x month), so a
    year is never published part-way through. `months_loaded` counts the council's loaded months
    in the year (12 when the whole year is loaded). -#}
with months as (
    select * from {{ ref('int_months') }}
),

years as (
    select distinct council_code, cast(year(month) - 1 as integer) as fy_start_year
    from months
    where month(month) = 3
),

final as (
    select
        years.council_code,
        {{ financial_year('make_date(years.fy_start_year, 4, 1)') }}  as financial_year,
        years.fy_start_year,
        make_date(years.fy_start_year, 4, 1)                          as fy_start,
        make_date(years.fy_start_year + 1, 3, 31)                     as fy_end,
        cast((
            select count(*) from months
            where months.council_code = years.council_code
              and months.month between make_date(years.fy_start_year, 4, 1)
                                   and make_date(years.fy_start_year + 1, 3, 31)
        ) as integer)                                                 as months_loaded
    from years
)

select * from final
