{#- Days in a year over days in a week: a weekly cost x this = the cost of a whole year (issue 28). -#}
{% macro weeks_per_year() -%}
(365.25 / 7.0)
{%- endmacro %}

{#- Price factor of `year_expr` against the base year: (1 + var cost_inflation_pct / 100) compounded
    yearly; 1 (base-year prices) when the var is 0, its default. -#}
{% macro cost_price_factor(year_expr, base_year_expr) -%}
power(1.0 + cast({{ var('cost_inflation_pct', 0) }} as double) / 100.0, {{ year_expr }} - {{ base_year_expr }})
{%- endmacro %}
