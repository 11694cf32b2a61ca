{#- Canonical (CLD Release 1) spelling of a coded value.
    Looks the trimmed value up case-insensitively in seed `cld_code_map` for the given source
    field; a value not in the map is kept as found (trimmed, blank -> null) so the gates and the
    `in_code_list` tests can report it. -#}
{% macro canonical_code(field, column_expr) -%}
coalesce(
    (select m.canonical_value
       from {{ ref('cld_code_map') }} as m
      where m.field = '{{ field }}'
        and lower(m.release_value) = lower(trim({{ column_expr }}))),
    nullif(trim({{ column_expr }}), '')
)
{%- endmacro %}
