{#- The council key. A warehouse holds one council (`ascw refresh`: var council_code, from
    ASCW_COUNCIL) or several (var multi_council true, ASCW_MULTI_COUNCIL=1: a region warehouse
    whose council-scoped raw tables carry the lineage column `_council`). Every model built from
    council-scoped rows carries `council_code` as its first column and keys every join, window
    and grouping on it, so the models give each council of a region warehouse exactly the rows a
    warehouse of its own would have (tests/test_multi_council_build.py). CQC and ONS rows are
    national: their staging models have no council key. -#}

{% macro is_multi_council() -%}
{{ return(var('multi_council', false) | string | lower in ('true', '1', 'yes')) }}
{%- endmacro %}

{#- The council of a council-scoped raw row (staging models and int_months only). -#}
{% macro council_of_row(relation_alias=none) -%}
{%- if is_multi_council() -%}
{{ relation_alias ~ '.' if relation_alias else '' }}_council
{%- else -%}
cast('{{ var("council_code") }}' as varchar)
{%- endif -%}
{%- endmacro %}
