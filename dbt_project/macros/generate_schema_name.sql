{#- Use the configured schema name as is (staging, intermediate, marts, reference), not
    <target>_<schema>, so analysts query `marts.care_ladder_monthly`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
