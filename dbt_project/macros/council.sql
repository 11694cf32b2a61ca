{#- The council key. One warehouse holds any number of councils: every raw row carries the
    council whose landing folder it came from in the lineage column `_council` (sources/loader.py),
    and every model carries `council_code` as its first column (population_projections too) and
    keys every join, window and grouping on it, so each council gets exactly the rows a warehouse
    of its own would have (tests/test_multi_council_build.py). That includes the CQC and ONS rows: a
    council may load the national files or ones filtered to its area, so they are its own. -#}

{#- The council of a raw row (staging models, int_months and int_councils only). -#}
{% macro council_of_row(relation_alias=none) -%}
{{ relation_alias ~ '.' if relation_alias else '' }}_council
{%- endmacro %}
