{#- Incremental staging models, by load: a monthly refresh builds the month, not the history.

    The five staging models that read the long monthly extracts (LAS events, ContrOCC lines and
    payments, the CQC directory's service types and the ratings) are `incremental` (delete+insert
    on a unique key).
    What changed since the table was built is found from load ids alone: every raw row carries
    the `_load_id` of the load that wrote it, every load replaces its whole scope (a month of a
    file type: sources/loader.py), so a load's rows never change once written, and these models
    keep `load_id` on every row. Per council:

    - *new loads*: load ids in raw that the table has no row of (a month loaded or re-delivered);
    - *gone loads*: load ids the table has rows of that raw no longer has (a month replaced by a
      later load, or withdrawn: a rejected or missing file, a council leaving a region build).

    A month-partitioned model (one output row per raw row or per month x key) rebuilds the
    months of the new loads (unique key the row value `(council_code, month)`: the month's old
    rows are deleted, its new rows inserted; given as a list, dbt-duckdb would delete through a
    join of the table with the new rows on it, pairing every old row of a month with every new
    one: 10 s instead of 0.8 s for the ratings of a 10-council region). A latest-version model
    (one row per key: the newest version over every month) recomputes the keys that a new load's
    rows name or a gone load's rows held, from all raw rows of those keys; the LAS events, too
    many and too wide for that, compare the new loads' versions with the table's instead
    (`scope_to_new_loads_and_changed_councils`). Either way, the rows still carrying a gone load
    id afterwards (a month or a key left with no rows at all) are deleted by the post-hook
    `delete_rows_of_gone_loads`.
    The table then holds what a full rebuild would give (tests/test_incremental_models.py checks
    it against `--full-refresh` after appended, restated and withdrawn months).

    Model SQL or seed changes are not load changes: the refresh passes `--full-refresh` whenever
    the dbt project's files differ from those of the last build that built every model
    (orchestration/dbt_incremental.py). Each model's delete, insert and post-hook run in one
    transaction, so a killed build leaves every table as its last committed build left it, and the
    next build's load comparison starts from there. -#}

{#- The (council_code, load_id) pairs of the rows of `relation` (a raw table or a CTE over one). -#}
{% macro loads_of_rows(relation) -%}
select distinct {{ council_of_row() }} as council_code, _load_id as load_id from {{ relation }}
{%- endmacro %}

{#- Loads in raw that the model's table has no row of. Only in an incremental run. -#}
{% macro new_loads(source_relation) -%}
select * from ({{ loads_of_rows(source_relation) }})
except
select distinct council_code, load_id from {{ this }}
{%- endmacro %}

{#- Loads the model's table has rows of that raw no longer holds. Only in an incremental run. -#}
{% macro gone_loads(source_relation) -%}
select distinct council_code, load_id from {{ this }}
except
select * from ({{ loads_of_rows(source_relation) }})
{%- endmacro %}

{#- Semi join condition: the raw row of `source_alias` belongs to one of `loads_alias`'s loads. -#}
{% macro of_loads(source_alias, loads_alias) -%}
{{ council_of_row(source_alias) }} = {{ loads_alias }}.council_code and {{ source_alias }}._load_id = {{ loads_alias }}.load_id
{%- endmacro %}

{#- The CTEs that end in `scoped`: the rows of CTE `source` (a raw table) that a latest-version
    model must read. On a full build every row; in an incremental run the rows of the keys that a
    new load's rows name or a gone load's rows held. `keys`: (expression over `source`, the
    model's column) pairs, the council aside. -#}
{% macro scope_to_changed_keys(keys) -%}
{%- if is_incremental() -%}
new_loads as ({{ new_loads('source') }}),

gone_loads as ({{ gone_loads('source') }}),

touched as (
    select {{ council_of_row('source') }} as council_code
        {%- for expr, column in keys %}, {{ expr }} as {{ column }}{% endfor %}
    from source
    semi join new_loads on {{ of_loads('source', 'new_loads') }}
    union
    select this.council_code {%- for expr, column in keys %}, this.{{ column }}{% endfor %}
    from {{ this }} as this
    semi join gone_loads on this.council_code = gone_loads.council_code and this.load_id = gone_loads.load_id
),

scoped as (
    select source.*
    from source
    semi join touched
        on {{ council_of_row('source') }} = touched.council_code
        {%- for expr, column in keys %}
       and {{ expr }} = touched.{{ column }}
        {%- endfor %}
),
{%- else -%}
scoped as (
    select * from source
),
{%- endif -%}
{%- endmacro %}

{#- The same for a month-partitioned model: in an incremental run the rows of the new loads
    (each the whole new content of its month), `source_relation` being the raw table. The new
    load ids are looked up first and put in the SQL as literals: DuckDB then filters the raw table
    while scanning it, reading the other columns of matching rows only, where a semi join with
    the loads would read every row in full (the CQC ratings of a 10-council region: 3.6M rows). -#}
{% macro scope_to_new_loads(source_relation) -%}
{%- if is_incremental() %}
scoped as (
    select *
    from source
    where _load_id in ({{ new_load_ids(source_relation) }})
),
{%- else -%}
scoped as (
    select * from source
),
{%- endif -%}
{%- endmacro %}

{#- The values of the first column of `query`'s rows as a list of SQL string literals, for
    `in (...)` (the query runs at compile time; empty when parsing or when it has no rows). -#}
{% macro literal_values(query) -%}
{%- set values = [] -%}
{%- if execute -%}
{%- set values = run_query(query).columns[0].values() -%}
{%- endif -%}
{%- for value in values %}'{{ value | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor -%}
{%- endmacro %}

{#- The new load ids of `source_relation` (a raw table) as SQL literals for `in (...)`; `null`
    when there are none (nothing matches). -#}
{% macro new_load_ids(source_relation) -%}
{{ literal_values("select load_id from (" ~ new_loads(source_relation) ~ ") order by 1") or "null" }}
{%- endmacro %}

{#- The CTEs that end in `scoped` and `recomputed`, for a latest-version model too wide for
    `scope_to_changed_keys` (its touched keys' rows are fetched through a join, which reads every
    raw row in full: the LAS events of a 10-council x 36-month region, 7.8M rows, took longer
    than a full rebuild). In an incremental run `scoped` is the rows of the new loads (found by
    their ids as literals, so DuckDB reads only the matching rows' other columns) and every raw
    row of each council that has a gone load; `recomputed` names those councils (looked up once,
    at compile time, like the load ids). The model then
    takes the latest version within `scoped` and keeps, for a council not recomputed, only the
    versions newer than its table's (`newer_than_table`): the table already holds the latest
    version of the older loads' rows, so the newer of the two is the latest of all. A council
    with a gone load (a month replaced or withdrawn, or left out of a region build) is rebuilt
    from all its raw rows, its keys with no rows left deleted by the post-hook. -#}
{% macro scope_to_new_loads_and_changed_councils(source_relation) -%}
{%- if is_incremental() %}
{%- set councils = literal_values("select distinct council_code from (" ~ gone_loads(source_relation) ~ ") order by 1") %}
scoped as (
    select *
    from source
    where _load_id in ({{ new_load_ids(source_relation) }})
       or {{ council_of_row() }} in ({{ councils or "null" }})
),

recomputed as (
    select unnest([{{ councils }}]::varchar[]) as council_code
),
{%- else %}
scoped as (
    select * from source
),
{%- endif -%}
{%- endmacro %}

{#- The rows of CTE `relation` (the model's output columns) that belong in the table of a model
    scoped by `scope_to_new_loads_and_changed_councils`: every row of a recomputed council, and
    otherwise the rows whose key the table lacks or holds in an older version (`version`: an
    expression over the row's columns, compared as a row value). The whole relation on a full
    build. -#}
{% macro newer_than_table(relation, keys, version) -%}
{%- if is_incremental() -%}
select {{ relation }}.*
from {{ relation }}
left join {{ this }} as this
    on {% for key in keys %}this.{{ key }} = {{ relation }}.{{ key }}{{ " and " if not loop.last }}{% endfor %}
where this.{{ keys[0] }} is null
   or {{ relation }}.council_code in (select council_code from recomputed)
   or {{ version | replace('$', relation ~ '.') }} > {{ version | replace('$', 'this.') }}
{%- else -%}
select * from {{ relation }}
{%- endif -%}
{%- endmacro %}

{#- Post-hook of every incremental staging model: after delete+insert, rows still carrying a gone
    load id are of months or keys left with no raw rows at all. A no-op on a full build. -#}
{% macro delete_rows_of_gone_loads(source_relation) -%}
{%- if is_incremental() -%}
delete from {{ this }} as target
using ({{ gone_loads(source_relation) }}) as gone
where target.council_code = gone.council_code and target.load_id = gone.load_id
{%- endif -%}
{%- endmacro %}

{#- Config shared by the incremental staging models. -#}
{% macro incremental_by_load_config(unique_key, source_name, table_name) -%}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=unique_key,
    on_schema_change='fail',
    post_hook="{{ delete_rows_of_gone_loads(source('" ~ source_name ~ "', '" ~ table_name ~ "')) }}"
) }}
{%- endmacro %}
