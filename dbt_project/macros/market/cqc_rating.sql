{#- CQC rating in one spelling whatever the case or spacing in the file (real files mix
    `Requires Improvement` and `Requires improvement`). The four ratings and the published
    non-ratings keep CQC's sentence case (`Not Rated` as CQC spells it); any other value is kept
    trimmed so the accepted_values tests report it; blank -> null. -#}
{% macro cqc_rating(expr) -%}
(case lower(regexp_replace(trim({{ expr }}), '\s+', ' ', 'g'))
    when 'outstanding' then 'Outstanding'
    when 'good' then 'Good'
    when 'requires improvement' then 'Requires improvement'
    when 'inadequate' then 'Inadequate'
    when 'not rated' then 'Not Rated'
    when 'insufficient evidence to rate' then 'Insufficient evidence to rate'
    when 'regulations met' then 'Regulations met'
    when 'not applicable' then 'Not applicable'
    when '' then null
    else trim({{ expr }})
end)
{%- endmacro %}

{#- The four ratings of CQC's scale, in order (best first): the only values counted as "rated". -#}
{% macro cqc_rated_values() -%}
('Outstanding', 'Good', 'Requires improvement', 'Inadequate')
{%- endmacro %}

{#- A CQC `Y`/blank flag as a boolean (Y -> true, anything else or blank -> false). -#}
{% macro cqc_flag(expr) -%}
coalesce(upper(trim({{ expr }})) = 'Y', false)
{%- endmacro %}
