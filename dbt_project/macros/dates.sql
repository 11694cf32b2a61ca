{#- Whole years completed at `at_date` by someone born on `dob` (null when either is null).
    A 29 February birthday is reached on 1 March in a non-leap year. -#}
{% macro age_in_years(dob, at_date) -%}
(
    (year({{ at_date }}) - year({{ dob }}))
    - case when strftime({{ at_date }}, '%m%d') < strftime({{ dob }}, '%m%d') then 1 else 0 end
)
{%- endmacro %}

{#- Financial year label `YYYY/YY` (1 April to 31 March) of a date. -#}
{% macro financial_year(date_expr) -%}
(
    cast(year({{ date_expr }}) - case when month({{ date_expr }}) < 4 then 1 else 0 end as varchar)
    || '/'
    || lpad(cast((year({{ date_expr }}) - case when month({{ date_expr }}) < 4 then 1 else 0 end + 1) % 100 as varchar), 2, '0')
)
{%- endmacro %}

{#- Age band of an age in whole years: `18-64`, `65+`, null under 18 or unknown. -#}
{% macro age_band(age_expr) -%}
(case when {{ age_expr }} >= 65 then '65+' when {{ age_expr }} >= 18 then '18-64' end)
{%- endmacro %}

{#- Days a [start, end] interval (end inclusive, null end = open) overlaps [from_date, to_date]. -#}
{% macro days_overlap(start_col, end_col, from_date, to_date) -%}
greatest(
    0,
    date_diff('day',
        greatest({{ start_col }}, {{ from_date }}),
        least(coalesce({{ end_col }}, {{ to_date }}), {{ to_date }})
    ) + 1
)
{%- endmacro %}

{#- True when the interval (end inclusive, null end = open) covers the day. -#}
{% macro is_active_on(start_col, end_col, day_expr) -%}
({{ start_col }} <= {{ day_expr }} and ({{ end_col }} is null or {{ end_col }} >= {{ day_expr }}))
{%- endmacro %}
