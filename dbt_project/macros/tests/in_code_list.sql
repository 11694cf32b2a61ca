{#- Values not in the canonical code list of `field` (seed cld_code_map), per council. Nulls pass. -#}
{% test in_code_list(model, column_name, field) %}
select council_code, {{ column_name }} as value, count(*) as n_rows
from {{ model }}
where {{ column_name }} is not null
  and {{ column_name }} not in (
      select canonical_value from {{ ref('cld_code_map') }} where field = '{{ field }}'
  )
group by 1, 2
{% endtest %}
