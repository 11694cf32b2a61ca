{#-
  The `table` materialization for this project's DuckDB warehouse: the old table is dropped and the
  new one created under its final name inside ONE transaction, as dbt-duckdb itself does for
  tables with foreign keys ("build in place").

  dbt-duckdb's default builds `<name>__dbt_tmp`, then renames the old table to `__dbt_backup`
  and the new one into place, commits, and drops the backup, with catalog queries for indexes and
  foreign keys around it: about ten statements a model where three do the work. Each statement
  costs dbt ~10-20 ms of Python (events, logging, Jinja) whatever the table's size, and a
  refresh builds 38 models, so the default path cost ~2.5 s of every monthly refresh (measured:
  docs/BENCHMARKS.md). DuckDB's DDL is transactional: if the CREATE fails (a contract
  constraint, a SQL error, a killed process), the DROP is rolled back with it and the old table
  is untouched, exactly as with the rename dance.

  What this does not handle, because the project has none (tests/test_dbt_materialization.py
  fails if one appears): foreign-key constraints, indexes declared in model config, Python models,
  and grants. Contracts are enforced as before: `create_table_as` renders the contract's DDL
  (columns, types, NOT NULL, CHECK, PRIMARY KEY) and dbt compares the query's columns with it.
-#}
{% materialization table, adapter="duckdb", supported_languages=['sql'] %}
  {%- set existing_relation = load_cached_relation(this) -%}
  {%- set target_relation = this.incorporate(type='table') -%}
  {#-- Left by a run of the default materialization that was killed: cache lookups, no query
       unless one exists. --#}
  {{ drop_relation_if_exists(load_cached_relation(make_intermediate_relation(target_relation))) }}
  {{ drop_relation_if_exists(load_cached_relation(make_backup_relation(target_relation, 'table'))) }}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  -- `BEGIN` happens here:
  {{ run_hooks(pre_hooks, inside_transaction=True) }}
  {% do adapter.ensure_transaction() %}

  {% if existing_relation is not none %}
    {% do adapter.drop_relation(existing_relation) %}
  {% endif %}
  {% call statement('main', language='sql') -%}
    {{- create_table_as(False, target_relation, compiled_code, 'sql') }}
  {%- endcall %}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% do persist_docs(target_relation, model) %}
  -- `COMMIT` happens here
  {{ adapter.commit() }}
  {{ run_hooks(post_hooks, inside_transaction=False) }}

  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
