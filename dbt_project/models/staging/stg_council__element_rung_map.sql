{#- The council's element code -> care-ladder rung map; rung spelt as in seed care_ladder_rungs
    (matched case-insensitively; an unknown rung is kept as found and fails the relationships test). -#}
with source as (
    select * from {{ source('raw', 'element_rung_map') }}
),

latest as (
    select *
    from source
    qualify row_number() over (
        partition by {{ council_of_row() }}, upper(trim("Element Code"))
        order by _load_id desc nulls last, _line desc
    ) = 1
),

rungs as (
    select * from {{ ref('care_ladder_rungs') }}
),

final as (
    select
        {{ council_of_row('latest') }}                                         as council_code,
        trim(latest."Element Code")                                            as element_code,
        nullif(trim(latest."Element Description"), '')                         as element_description,
        coalesce(rungs.care_ladder_rung, trim(latest."Care Ladder Rung"))      as care_ladder_rung
    from latest
    left join rungs
        on lower(rungs.care_ladder_rung) = lower(trim(latest."Care Ladder Rung"))
)

select * from final
