{#- Pounds rounded half away from zero to the penny as DECIMAL(18,2). Round only here, at the end.
    A division (x / 7.0, cost / people) gives a DOUBLE, where 2.01 / 2 is 1.00499999...: casting it
    to DECIMAL(38,10) first restores the exact 1.005, so the penny rounding is half-up on the true
    value (1.01), as the published pack's rounding is (orchestration/pack/rounding.py). -#}
{% macro money(expr) -%}
cast(round(cast({{ expr }} as decimal(38, 10)), 2) as decimal(18, 2))
{%- endmacro %}
