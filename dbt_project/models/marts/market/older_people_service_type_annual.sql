{#- MPS older people by service type: the client_base_annual measures for people aged 65+ at
    31 March, per council x financial year x service type = the rung group of the line's
    care-ladder rung (seed care_ladder_rungs: Direct Payments, Home Care, Nursing, Residential,
    Other); every measure is the council's own.
    - people: distinct people 65+ with a line of that group active on 31 March (a person with
      lines in two groups counts in both); Total: distinct people 65+ with any active line (each
      person once, so Total can be below the sum of the group rows).
    - package_cost: committed cost in the financial year of the group's lines of people 65+
      (weekly cost x days active 1 April - 31 March / 7), rounded once at the end; Total = all
      their lines.
    - average_cost: package_cost / people (null when people = 0). Every group has a row each year.
    - Financial years: those whose March is a loaded month; months_loaded tells a part year. -#}
with line_years as (
    select * from {{ ref('int_service_line_years') }}
    where age_at_year_end >= 65
),

financial_years as (
    select * from {{ ref('int_financial_years') }}
),

service_types as (
    select *
    from (values
        ('Direct Payments', 1),
        ('Home Care', 2),
        ('Nursing', 3),
        ('Residential', 4),
        ('Other', 5),
        ('Total', 6)
    ) as service_types (service_type, service_type_order)
),

by_group as (
    select
        council_code,
        financial_year,
        rung_group                                                  as service_type,
        count(distinct person_id) filter (where active_at_year_end) as people,
        sum(cost_days)                                              as cost_days
    from line_years
    group by council_code, financial_year, rung_group
),

total as (
    select
        council_code,
        financial_year,
        'Total'                                                     as service_type,
        count(distinct person_id) filter (where active_at_year_end) as people,
        sum(cost_days)                                              as cost_days
    from line_years
    group by council_code, financial_year
),

measures as (
    select * from by_group
    union all
    select * from total
),

costed as (
    select
        financial_years.council_code,
        financial_years.financial_year,
        service_types.service_type,
        financial_years.months_loaded,
        cast(coalesce(measures.people, 0) as bigint)                    as people,
        {{ money('coalesce(measures.cost_days, 0) / 7.0') }}            as package_cost
    from financial_years
    cross join service_types
    left join measures
        on measures.council_code = financial_years.council_code
       and measures.financial_year = financial_years.financial_year
       and measures.service_type = service_types.service_type
),

final as (
    select
        council_code,
        financial_year,
        service_type,
        people,
        package_cost,
        {{ money('package_cost / nullif(people, 0)') }}  as average_cost,
        months_loaded
    from costed
)

select * from final
