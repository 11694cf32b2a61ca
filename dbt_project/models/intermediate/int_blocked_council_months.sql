{#- The council-months known at build time to be blocked from publication: a failed ERROR check
    recorded for them in audit.check_results (this run's source gates, which run before dbt, and
    every stage of earlier runs; a council-month being refreshed had its old results cleared when
    it was loaded again). Empty when the gates have recorded nothing (a warehouse built by dbt
    alone). Used to keep a blocked council-month out of other councils' figures. -#}
{%- set results = source('audit', 'check_results') %}
{%- set exists = execute and adapter.get_relation(database=results.database, schema=results.schema,
                                                   identifier=results.identifier) is not none %}
with failed as (
{%- if exists %}
    select distinct council_code, month
    from {{ results }}
    where severity = 'ERROR' and not passed and not coalesce(skipped, false)
      and council_code is not null and month is not null
{%- else %}
    select cast(null as varchar) as council_code, cast(null as date) as month
    where false
{%- endif %}
),

final as (
    select cast(council_code as varchar) as council_code, cast(month as date) as month
    from failed
)

select * from final
