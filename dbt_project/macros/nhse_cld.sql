{#- Steps shared by NHS England's CLD replication code (NHSDigital/ASC-Client-Level-Data-SALT-
    ASCOF-transformations: SALT LTS001a, SALT LTS001b, ASCOF 2B2C), translated from its T-SQL.
    Used by the int_nhse_* models only. -#}

{#- Der_Age_...: `FLOOR((DATEDIFF(DAY, CAST(concat(Der_Birth_Year, '-', Der_Birth_Month, '-', '01')
    as DATE), @Date))/365.25)`: the date of birth proxy is the 1st of the birth month (NHS England
    holds only year and month of birth), age = whole days / 365.25 rounded down. -#}
{% macro nhse_age(dob, at_date) -%}
cast(floor(date_diff('day', make_date(year({{ dob }}), month({{ dob }}), 1), {{ at_date }}) / 365.25) as integer)
{%- endmacro %}

{#- The age bands of its tables: Der_Age between 18 and 64 (SALT T1a, #ASCOF_2B_Numerator) and
    Der_Age > 64 (T1b, #ASCOF_2C_Numerator); younger people are in neither. -#}
{% macro nhse_age_band(age) -%}
case when {{ age }} between 18 and 64 then '18-64' when {{ age }} > 64 then '65+' end
{%- endmacro %}

{#- "CREATE AMALGAMATED NHS/LA IDENTIFIER" (#uniquenhs, #missingnhs, #FINAL, then `delete ... where
    [ID] is NULL`): two CTEs over the CTE `build`, the second (`<build>_with_id`) being `build` with
    `id`. A row's ID is its NHS number; a row without one takes its LA person identifier unless that
    identifier is on a row with an NHS number in the same build (then the row cannot be assigned
    without risking a double count: NHS England drops it, and so do we). `scope` lists the columns
    that make one run of the script (council, financial year, measure). IDs are prefixed `NHS:` /
    `LA:` (the two keyed hashes live in different namespaces). -#}
{% macro nhse_amalgamated_id(build, scope) -%}
{{ build }}_nhs_la_ids as (
    -- #uniquenhs: LA identifiers seen on a row with an NHS number
    select distinct {{ scope | join(', ') }}, person_id
    from {{ build }}
    where nhs_number_hash is not null and person_id is not null
),

{{ build }}_with_id as (
    -- #missingnhs + #FINAL + delete where [ID] is NULL
    select with_id.*
    from (
        select
            {{ build }}.*,
            case
                when {{ build }}.nhs_number_hash is not null then 'NHS:' || {{ build }}.nhs_number_hash
                when la_ids.person_id is null then 'LA:' || {{ build }}.person_id
            end as id
        from {{ build }}
        left join {{ build }}_nhs_la_ids as la_ids
            on {% for col in scope %}la_ids.{{ col }} = {{ build }}.{{ col }} and {% endfor %}la_ids.person_id = {{ build }}.person_id
    ) as with_id
    where with_id.id is not null
)
{%- endmacro %}

{#- #REF_Service_Type_Delivery_Mech's SALT_Broad_Category and the lowest Hierarchy of each: Nursing
    (1) before Residential (2) before Community (3-6) before Prison (7-9). -#}
{% macro nhse_salt_hierarchy(service_type) -%}
(case {{ service_type }}
    when 'Long Term Support: Nursing Care' then 1
    when 'Long Term Support: Residential Care' then 2
    when 'Long Term Support: Community' then 3
    when 'Long Term Support: Prison' then 7
 end)
{%- endmacro %}
