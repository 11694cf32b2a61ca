{#- Matching key of a local-authority or region name, so CQC names (`Bristol`,
    `Telford & Wrekin`, `St Helens`) meet ONS names (`Bristol, City of`, `Telford and Wrekin`,
    `St. Helens`): lower case; a trailing `, City of` / `, County of` dropped; `&` -> `and`;
    every other non-alphanumeric character (hyphen, full stop, comma, apostrophe) -> space;
    runs of spaces collapsed; trimmed. -#}
{% macro la_name_key(expr) -%}
nullif(trim(regexp_replace(
    regexp_replace(
        regexp_replace(
            replace(lower(trim({{ expr }})), '&', ' and '),
            ',\s*(city|county) of\s*$', ''),
        '[^a-z0-9]+', ' ', 'g'),
    '\s+', ' ', 'g')), '')
{%- endmacro %}
