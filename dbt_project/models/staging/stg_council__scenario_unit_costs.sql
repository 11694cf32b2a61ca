{#- One row per rung whose average weekly cost an accepted scenario changes (% change). -#}
with source as (
    select * from {{ source('raw', 'scenario_unit_costs') }}
),

final as (
    select
        {{ council_of_row() }}                          as council_code,
        trim(scenario)                                  as scenario,
        trim(care_ladder_rung)                          as care_ladder_rung,
        cast(unit_cost_change_pct as double)            as unit_cost_change_pct,
        _file                                           as source_file
    from source
)

select * from final
