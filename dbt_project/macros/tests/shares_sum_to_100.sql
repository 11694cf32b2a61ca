{#- Groups whose non-null percentage shares do not add up to 100 (within `tolerance`).
    Groups where every share is null (nothing to share) pass. -#}
{% test shares_sum_to_100(model, column_name, group_by, tolerance=0.01) %}
select {{ group_by | join(', ') }}, sum({{ column_name }}) as total_pct
from {{ model }}
group by {{ group_by | join(', ') }}
having count({{ column_name }}) > 0
   and abs(sum({{ column_name }}) - 100) > {{ tolerance }}
{% endtest %}
