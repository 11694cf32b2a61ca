"""The source rows that make one mart row, as `file:line` (for `ascw explain`).

One function per traced mart, each taking the mart row (a dict) and returning SQL + parameters
over the warehouse's staging and intermediate tables, which keep each row's `source_file` and
`source_line` (the latest version of a record: the file and line the marts read). Each applies the
mart's own filters to the rows it reads, so the rows listed are exactly those the figure is made
of (tests/test_explain.py checks their sums and counts against the mart). Every query returns
`file`, `line`, `role` (what the row counts in), then a few fields to recognise it; person
identifiers are the warehouse's keyed hashes, shortened to 12 characters.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

Query = tuple[str, dict[str, Any]]

_LINES = """
    select s.source_file as file, s.source_line as line, {role} as role,
           lm.service_line_id, left(lm.person_id, 12) as person, lm.supplier_id, lm.weekly_cost,
           lm.days_active, lm.cost_days, lm.active_at_snapshot
    from intermediate.int_service_line_months as lm
    inner join staging.stg_controcc__service_lines as s
        on s.council_code = lm.council_code and s.service_line_id = lm.service_line_id
"""


def _params(row: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {"council": row["council_code"], "month": row["month"], **{k: row[k] for k in keys}}


def care_ladder(row: dict[str, Any]) -> Query:
    """Service lines of the rung with a day in the month (spend; weekly cost, lines, hours and
    people of those active at the snapshot), in the row's age band at the snapshot (any for All);
    for Information & Advice the Requests ended in the month with that outcome."""
    sql = _LINES.format(role="case when lm.active_at_snapshot then 'spend, active line' else 'spend' end") + """
    where lm.council_code = $council and lm.month = $month and lm.care_ladder_rung = $care_ladder_rung
      and ($age_band = 'All' or lm.age_band = $age_band)
    union all
    select e.source_file, e.source_line, 'service user (request ended with information & advice)',
           e.event_reference, left(e.person_id, 12), null, null, null, null, null
    from staging.stg_las_cld__events as e
    inner join intermediate.int_months as mo
        on mo.council_code = e.council_code and mo.month = $month
    left join intermediate.int_people as p
        on p.council_code = e.council_code and p.person_id = e.person_id
    where $care_ladder_rung = 'Information & Advice' and e.council_code = $council
      and e.event_type = 'Request' and e.event_outcome = 'NFA - Information & Advice / Signposting only'
      and e.event_end_date between mo.month and mo.month_end
      and ($age_band = 'All' or """ + _age_band("p.date_of_birth", "mo.month_end") + """ = $age_band)
    order by file, line
    """
    return sql, _params(row, "care_ladder_rung", "age_band")


def provider_concentration(row: dict[str, Any]) -> Query:
    """The market's lines with a day in the month, of suppliers whose lines in it have spend > 0;
    and its lines active at the snapshot placed in another authority (out-of-area placements)."""
    sql = """
    with market as (
        select lm.*, sum(lm.cost_days) over (partition by lm.supplier_id) as supplier_cost_days
        from intermediate.int_service_line_months as lm
        where lm.council_code = $council and lm.month = $month and lm.care_ladder_rung = $care_ladder_rung
          and lm.tier in (2, 3)
    ),
    roles as (
        select *, concat_ws(', ',
            case when supplier_cost_days > 0 then 'supplier spend' end,
            case when active_at_snapshot and placement_local_authority is not null
                      and placement_local_authority <> council_code then 'out-of-area placement' end) as role
        from market
    )
    """ + _LINES.format(role="lm.role").replace("intermediate.int_service_line_months as lm", "roles as lm") + """
    where lm.role <> ''
    order by file, line
    """
    return sql, _params(row, "care_ladder_rung")


def _age_band(dob: str, at: str) -> str:
    """The dbt macros age_band(age_in_years(dob, at)) as SQL."""
    age = f"(year({at}) - year({dob}) - case when strftime({at}, '%m%d') < strftime({dob}, '%m%d') then 1 else 0 end)"
    return f"(case when {age} >= 65 then '65+' when {age} >= 18 then '18-64' end)"


_LTC_EVENTS = """
    select e.source_file as file, e.source_line as line,
           case when {numerator} then 'numerator, denominator' else 'denominator' end as role,
           e.event_reference as record, left(e.person_id, 12) as person, e.service_type as detail,
           ltc.long_term_setting
    from intermediate.int_ltc_people_monthly as ltc
    inner join intermediate.int_months as mo on mo.council_code = ltc.council_code and mo.month = ltc.month
    inner join staging.stg_las_cld__events as e
        on e.council_code = ltc.council_code and e.person_id = ltc.person_id
       and e.event_type = 'Service' and e.is_long_term_support
       and e.event_start_date <= mo.month_end and (e.event_end_date is null or e.event_end_date >= mo.month_end)
    where ltc.council_code = $council and ltc.month = $month and ltc.age_band = $age_band
"""


def kpi(row: dict[str, Any]) -> Query:
    """Per KPI: the people's long-term support Service events active at the snapshot (LTC_USERS,
    LTC_AT_HOME: numerator the Community ones; AVG_WEEKLY_COST: the denominator, with the service
    lines of those people active at the snapshot as numerator); the first Request of each person in
    the 12 months (CONTACT_TO_TIER3: numerator when converted); the service lines active at the
    snapshot at a CQC location and that location's chosen Overall rating row (CQC_GOOD_OR_BETTER);
    the survey responses of the survey year in force in the age band that answered the question
    (FEEL_SAFE, CONTROL_DAILY_LIFE: weighted; numerator the positive answers)."""
    code = row["kpi_code"]
    params = _params(row, "age_band")
    if code in ("LTC_USERS", "LTC_AT_HOME"):
        numerator = "true" if code == "LTC_USERS" else "ltc.long_term_setting = 'Community'"
        return _LTC_EVENTS.format(numerator=numerator) + " order by file, line", params
    if code == "AVG_WEEKLY_COST":
        return _LTC_EVENTS.format(numerator="false") + """
        union all
        select s.source_file, s.source_line, 'numerator (weekly cost)', lm.service_line_id,
               left(lm.person_id, 12), cast(lm.weekly_cost as varchar), null
        from intermediate.int_ltc_people_monthly as ltc
        inner join intermediate.int_service_line_months as lm
            on lm.council_code = ltc.council_code and lm.month = ltc.month and lm.person_id = ltc.person_id
           and lm.active_at_snapshot
        inner join staging.stg_controcc__service_lines as s
            on s.council_code = lm.council_code and s.service_line_id = lm.service_line_id
        where ltc.council_code = $council and ltc.month = $month and ltc.age_band = $age_band
        order by file, line
        """, params
    if code == "CONTACT_TO_TIER3":
        return """
        select e.source_file as file, e.source_line as line,
               case when c.converted then 'numerator, denominator' else 'denominator' end as role,
               c.request_event_reference, left(c.person_id, 12) as person, c.request_start_date, c.first_lts_start_date
        from intermediate.int_contact_to_tier3 as c
        inner join staging.stg_las_cld__events as e
            on e.council_code = c.council_code and e.event_reference = c.request_event_reference
        where c.council_code = $council and c.month = $month and c.age_band = $age_band
        order by file, line
        """, params
    if code == "CQC_GOOD_OR_BETTER":
        return """
        with locations as (
            select lm.*, r.overall_rating
            from intermediate.int_service_line_months as lm
            inner join intermediate.int_cqc_location_ratings_monthly as r
                on r.council_code = lm.council_code and r.month = lm.month and r.location_id = lm.cqc_location_id
            where lm.council_code = $council and lm.month = $month and lm.active_at_snapshot
              and lm.age_band = $age_band
              and lower(r.overall_rating) in ('outstanding', 'good', 'requires improvement', 'inadequate')
        )
        select s.source_file as file, s.source_line as line, 'location used' as role, l.service_line_id,
               l.cqc_location_id, l.overall_rating
        from locations as l
        inner join staging.stg_controcc__service_lines as s
            on s.council_code = l.council_code and s.service_line_id = l.service_line_id
        union all
        select cr.source_file, cr.source_line,
               case when lower(cr.rating) in ('good', 'outstanding') then 'rating (numerator, denominator)'
                    else 'rating (denominator)' end,
               null, cr.location_id, cr.rating
        from staging.stg_cqc__latest_ratings as cr
        inner join intermediate.int_cqc_location_ratings_monthly as r  -- the row the model chose:
            on r.council_code = cr.council_code and r.month = cr.month and r.location_id = cr.location_id
           and r.overall_rating is not distinct from cr.rating
           and r.rating_source_group is not distinct from cr.service_population_group
           and r.publication_date is not distinct from cr.publication_date
        where cr.council_code = $council and cr.month = $month and lower(cr.domain) = 'overall'
          and cr.location_id in (select cqc_location_id from locations)
        qualify row_number() over (partition by cr.location_id order by cr.source_line) = 1  -- its tie-break
        order by file, line
        """, params
    if code in ("FEEL_SAFE", "CONTROL_DAILY_LIFE"):
        # as int_ascs_ascof_yearly: respondents who answered the question, weighted
        answer, yes = ("q7b", "r.q7b = 1") if code == "FEEL_SAFE" else ("q3a", "r.q3a in (1, 2)")
        return f"""
        select r.source_file as file, r.source_line as line,
               case when {yes} then 'numerator, denominator' else 'denominator' end as role,
               r.respondent_id, r.survey_year, r.{answer} as answer, r.weight
        from staging.stg_ascs__responses as r
        where r.council_code = $council and r.age_band = $age_band and r.{answer} is not null
          and r.survey_year = (select max(survey_year) from intermediate.int_ascs_ascof_yearly as a
                               where a.council_code = $council and a.survey_year <= year(cast($month as date)))
        order by file, line
        """, params
    raise KeyError(code)


TRACED: dict[str, Callable[[dict[str, Any]], Query]] = {
    "care_ladder_monthly": care_ladder,
    "provider_concentration_monthly": provider_concentration,
    "kpi_monthly": kpi,
}
