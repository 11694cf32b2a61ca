{#- MPS table 2.4, client base: per council x financial year x client category (Mental Health,
    Learning Disability, Older People, Physical Disability Hearing & Vision, Total); every measure
    is the council's own (its people and lines).
    - Category from the person's latest CLD Primary Support Reason and age at 31 March
      (int_service_line_years; unknown age or PSR -> Physical Disability, Hearing & Vision unless
      the PSR is MH/LD).
    - people: distinct people with a line active on 31 March.
    - package_cost: committed cost in the financial year of every line of the category's people
      (weekly cost x days active 1 April - 31 March / 7), rounded to the penny once, at the end.
    - average_cost: package_cost / people (null when people = 0).
    - Total: every person / line once. Every category has a row each year (zeros when empty).
    - Financial years: those whose March is a loaded month; months_loaded tells a part year. -#}
with line_years as (
    select * from {{ ref('int_service_line_years') }}
),

financial_years as (
    select * from {{ ref('int_financial_years') }}
),

categories as (
    select *
    from (values
        ('Mental Health', 1),
        ('Learning Disability', 2),
        ('Older People', 3),
        ('Physical Disability, Hearing & Vision', 4),
        ('Total', 5)
    ) as categories (client_category, category_order)
),

by_category as (
    select
        council_code,
        financial_year,
        client_category,
        count(distinct person_id) filter (where active_at_year_end) as people,
        sum(cost_days)                                              as cost_days
    from line_years
    group by council_code, financial_year, client_category
),

total as (
    select
        council_code,
        financial_year,
        'Total' as client_category,
        count(distinct person_id) filter (where active_at_year_end) as people,
        sum(cost_days)                                              as cost_days
    from line_years
    group by council_code, financial_year
),

measures as (
    select * from by_category
    union all
    select * from total
),

costed as (
    select
        financial_years.council_code,
        financial_years.financial_year,
        categories.client_category,
        categories.category_order,
        financial_years.months_loaded,
        cast(coalesce(measures.people, 0) as bigint)                    as people,
        {{ money('coalesce(measures.cost_days, 0) / 7.0') }}            as package_cost
    from financial_years
    cross join categories
    left join measures
        on measures.council_code = financial_years.council_code
       and measures.financial_year = financial_years.financial_year
       and measures.client_category = categories.client_category
),

final as (
    select
        council_code,
        financial_year,
        client_category,
        people,
        package_cost,
        {{ money('package_cost / nullif(people, 0)') }}  as average_cost,
        months_loaded
    from costed
)

select * from final
