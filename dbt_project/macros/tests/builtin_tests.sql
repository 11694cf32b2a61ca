{#- dbt's built-in generic tests (unique, not_null, accepted_values, relationships), as the
    project's own: the same rules, with each failing row's `council_code`, so that a failing test
    is pinned on the councils it failed for and blocks only their months
    (orchestration/dbt_results.py). A warehouse holds many councils and every key is a council's:
    `unique` is unique within each council. The council column of the relation tested is
    `council_code` (models), `_council` (raw sources) or none (seeds: the code lists). -#}

{% macro council_column(model) -%}
{%- set schema = (model.schema or '') | lower -%}
{{- return('_council' if schema == 'raw' else (none if schema == 'reference' else 'council_code')) -}}
{%- endmacro %}

{% macro default__test_unique(model, column_name) %}
{%- set council = council_column(model) %}
select
    {% if council %}{{ council }} as council_code,{% endif %}
    {{ column_name }} as unique_field,
    count(*) as n_records
from {{ model }}
where {{ column_name }} is not null
group by {% if council %}{{ council }}, {% endif %}{{ column_name }}
having count(*) > 1
{% endmacro %}

{% macro default__test_not_null(model, column_name) %}
{%- set council = council_column(model) %}
select {% if council %}{{ council }} as council_code, {% endif %}{{ column_name }}
from {{ model }}
where {{ column_name }} is null
{% endmacro %}

{% macro default__test_accepted_values(model, column_name, values, quote=True) %}
{%- set council = council_column(model) %}
with all_values as (
    select
        {% if council %}{{ council }} as council_code,{% endif %}
        {{ column_name }} as value_field,
        count(*) as n_records
    from {{ model }}
    group by {% if council %}{{ council }}, {% endif %}{{ column_name }}
)

select *
from all_values
where value_field not in (
    {% for value in values -%}
        {% if quote -%}'{{ value }}'{%- else -%}{{ value }}{%- endif -%}
        {%- if not loop.last -%},{%- endif %}
    {%- endfor %}
)
{% endmacro %}

{% macro default__test_relationships(model, column_name, to, field) %}
{%- set council = council_column(model) %}
with child as (
    select {% if council %}{{ council }} as council_code, {% endif %}{{ column_name }} as from_field
    from {{ model }}
    where {{ column_name }} is not null
),

parent as (
    select {{ field }} as to_field
    from {{ to }}
)

select child.*
from child
left join parent
    on child.from_field = parent.to_field
where parent.to_field is null
{% endmacro %}
