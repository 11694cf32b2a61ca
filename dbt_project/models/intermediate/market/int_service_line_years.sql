{#- One row per council x ContrOCC service line (latest version, int_service_lines) x published
    financial year of that council (int_financial_years) in which the line is active on at least
    one day.
    - days_in_year: days active between 1 April and 31 March inclusive (blank end = open).
    - cost_days: weekly_cost x days_in_year (exact); committed cost = cost_days / 7.
    - active_at_year_end: active on 31 March (start <= 31 March <= end).
    - Age at 31 March from the person's latest CLD date of birth (int_people); client_category
      from Primary Support Reason and that age (macro client_category); rung_group from the line's
      care-ladder rung (`Other` when the rung is unmapped). -#}
with financial_years as (
    select * from {{ ref('int_financial_years') }}
),

lines as (
    select * from {{ ref('int_service_lines') }}
),

people as (
    select * from {{ ref('int_people') }}
),

line_years as (
    select
        lines.council_code,
        financial_years.financial_year,
        financial_years.fy_end,
        lines.service_line_id,
        lines.person_id,
        lines.care_ladder_rung,
        coalesce(lines.rung_group, 'Other')                                          as rung_group,
        lines.weekly_cost,
        cast({{ days_overlap('lines.start_date', 'lines.end_date', 'financial_years.fy_start', 'financial_years.fy_end') }} as integer) as days_in_year,
        {{ is_active_on('lines.start_date', 'lines.end_date', 'financial_years.fy_end') }} as active_at_year_end
    from lines
    inner join financial_years
        on financial_years.council_code = lines.council_code
       and lines.start_date <= financial_years.fy_end
       and (lines.end_date is null or lines.end_date >= financial_years.fy_start)
),

final as (
    select
        line_years.council_code,
        line_years.financial_year,
        line_years.service_line_id,
        line_years.person_id,
        line_years.care_ladder_rung,
        line_years.rung_group,
        line_years.weekly_cost,
        line_years.days_in_year,
        cast(line_years.weekly_cost * line_years.days_in_year as decimal(38, 2))     as cost_days,
        line_years.active_at_year_end,
        {{ age_in_years('people.date_of_birth', 'line_years.fy_end') }}              as age_at_year_end,
        {{ client_category('people.primary_support_reason', age_in_years('people.date_of_birth', 'line_years.fy_end')) }} as client_category
    from line_years
    left join people
        on people.council_code = line_years.council_code
       and people.person_id = line_years.person_id
    where line_years.days_in_year > 0
)

select * from final
