{#- The council key. A warehouse holds one council (`ascw refresh`: var council_code, from
    ASCW_COUNCIL) or several (var multi_council true, ASCW_MULTI_COUNCIL=1: a region warehouse
    whose raw tables carry the lineage column `_council`). Every model carries `council_code` as
    its first column (population_projections too) and keys every join, window and grouping on
    it, so the models give each council of a region warehouse exactly the rows a warehouse of its
    own would have (tests/test_multi_council_build.py). That includes the CQC and ONS rows: a
    council may load the national files or ones filtered to its area, so they are its own. -#}

{% macro is_multi_council() -%}
{{ return(var('multi_council', false) | string | lower in ('true', '1', 'yes')) }}
{%- endmacro %}

{#- The council of a raw row (staging models, int_months and int_councils only). -#}
{% macro council_of_row(relation_alias=none) -%}
{%- if is_multi_council() -%}
{{ relation_alias ~ '.' if relation_alias else '' }}_council
{%- else -%}
cast('{{ var("council_code") }}' as varchar)
{%- endif -%}
{%- endmacro %}
