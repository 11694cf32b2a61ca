{#- Canonical (CLD Release 1) spelling of a coded value.
    Looks the trimmed value up case-insensitively in seed `cld_code_map` for the given source
    field; a value not in the map is kept as found (trimmed, blank -> null) so the gates and the
    `in_code_list` tests can report it.
    The field's part of the seed is turned into one MAP by an uncorrelated subquery (evaluated
    once per query) and each row looks its value up in it. A correlated subquery per row, as
    before, gave the same rows but DuckDB joined the seed for every coded column: the nine of
    stg_las_cld__events made it 4x slower (22.4 s -> 5.4 s on a 50-council region's 3.9M CLD rows).
    Keys are unique (the seed's unique (field, lower(release_value)) test; MAP would raise on a
    duplicate, as the scalar subquery did). -#}
{% macro canonical_code(field, column_expr) -%}
coalesce(
    map_extract_value(
        (select map(list(lower(m.release_value)), list(m.canonical_value))
           from {{ ref('cld_code_map') }} as m
          where m.field = '{{ field }}'),
        lower(trim({{ column_expr }}))),
    nullif(trim({{ column_expr }}), '')
)
{%- endmacro %}
