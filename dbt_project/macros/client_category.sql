{#- MPS client category (OUTPUTS.md client_base_annual) from Primary Support Reason and age.
    Unknown age with a PSR other than MH/LD falls in Physical Disability, Hearing & Vision. -#}
{% macro client_category(psr_expr, age_expr) -%}
(case
    when {{ psr_expr }} = 'Mental Health Support' then 'Mental Health'
    when {{ psr_expr }} = 'Learning Disability Support' then 'Learning Disability'
    when {{ age_expr }} >= 65 then 'Older People'
    else 'Physical Disability, Hearing & Vision'
end)
{%- endmacro %}
