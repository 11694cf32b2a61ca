{#- Adult Social Care Survey responses, one row per (survey year, respondent): the version from
    the newest month folder (then the last line); a blank answer is null; a blank weight is 1.
    available_from_month = the first month folder the survey year's file was loaded from (lineage
    only: kpi_monthly uses the survey for every month of its year and later). -#}
with source as (
    select
        *,
        min(_month) over (partition by {{ council_of_row() }}, "Survey Year") as available_from_month
    from {{ source('raw', 'ascs_responses') }}
),

latest as (
    select *
    from source
    qualify row_number() over (
        partition by {{ council_of_row() }}, "Survey Year", trim("Respondent ID")
        order by _month desc nulls last, _load_id desc, _line desc
    ) = 1
),

final as (
    select
        {{ council_of_row() }}                     as council_code,
        trim("Respondent ID")                      as respondent_id,
        cast("Survey Year" as integer)             as survey_year,
        trim("Age Band")                           as age_band,
        nullif(trim("Support Setting"), '')        as support_setting,
        cast("Q3a" as integer)                     as q3a,
        cast("Q7a" as integer)                     as q7a,
        cast("Q7b" as integer)                     as q7b,
        coalesce(cast("Weight" as decimal(18, 6)), 1)    as weight,  -- exact: sums must not depend on row order
        available_from_month,
        _file                                      as source_file,
        _line                                      as source_line
    from latest
)

select * from final
