{#- Pounds rounded half away from zero to the penny as DECIMAL(18,2). Round only here, at the end. -#}
{% macro money(expr) -%}
cast(round(cast({{ expr }} as double), 2) as decimal(18, 2))
{%- endmacro %}
