"""marts.benchmark_monthly against the published pack's own suppression, on random marts.

The model's SQL (dbt_project/models/marts/benchmark_monthly.sql, its refs pointed at plain tables)
runs on hand-made upstream marts for several councils in two regions, with many counts of 1-4
people and small remainders. For every council and month, the pack's own builders
(`orchestration.pack.tables.care_ladder`, `kpis.kpi_month`, `tables.care_home_admissions`) say
which cells its published pack hides; the mart must flag exactly those values as suppressed
(including the care ladder's secondary suppression, which the model replays in SQL), and its peer
statistics and ranks must be those of the values the packs publish, recomputed here in Python.
The hand-computed cases are the dbt unit tests in benchmark_monthly.yml (run by
tests/test_dbt_unit_tests.py)."""
from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

import duckdb
import pytest

from orchestration.pack.kpis import kpi_month
from orchestration.pack.suppression import SUPPRESSED
from orchestration.pack.tables import TIER3_RUNGS, PackContext, care_home_admissions, care_ladder

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "dbt_project" / "models" / "marts" / "benchmark_monthly.sql"
RELATIONS = {
    "kpi_monthly": "marts.kpi_monthly",
    "care_ladder_monthly": "marts.care_ladder_monthly",
    "care_home_admissions_annual": "marts.care_home_admissions_annual",
    "cqc_market_monthly": "marts.cqc_market_monthly",
    "int_council_regions": "intermediate.int_council_regions",
    "int_blocked_council_months": "intermediate.int_blocked_council_months",
}
RUNGS = {**{r: 3 for r in TIER3_RUNGS}, "Reablement": 2, "Short Term Care": 2, "Information & Advice": 1}
KPIS = {"LTC_USERS": "lower_is_better", "LTC_AT_HOME": "higher_is_better", "AVG_WEEKLY_COST": "lower_is_better",
        "CONTACT_TO_TIER3": "lower_is_better", "FEEL_SAFE": "higher_is_better",
        "CONTROL_DAILY_LIFE": "higher_is_better", "CQC_GOOD_OR_BETTER": "higher_is_better"}
REGIONS = {"E06000023": "E12000009", "E06000022": "E12000009", "E06000024": "E12000009",
           "E06000001": "E12000001", "E06000002": "E12000001", "E06000003": None}
MONTHS = (dt.date(2024, 3, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1))
SMALLISH = (0, 0, 1, 2, 3, 4, 5, 6, 7, 9, 12, 20, 45)


def model_sql() -> str:
    """The model's SQL with its refs pointed at plain tables (the model has no other Jinja)."""
    sql = re.sub(r"\{#.*?#\}", "", MODEL.read_text(encoding="utf-8"), flags=re.S)
    sql = re.sub(r"\{\{\s*ref\('(\w+)'\)\s*\}\}", lambda m: RELATIONS[m.group(1)], sql)
    assert "{{" not in sql and "{%" not in sql, "the model gained Jinja this test does not render"
    return sql


def build_upstream(con: duckdb.DuckDBPyConnection, seed: int) -> None:
    rnd = random.Random(seed)
    con.execute("create schema marts")
    con.execute("create schema intermediate")
    con.execute("create table intermediate.int_council_regions (council_code varchar, region_code varchar, "
                "region_name varchar)")
    con.executemany("insert into intermediate.int_council_regions values (?, ?, ?)",
                    [[c, r, None] for c, r in REGIONS.items()])
    con.execute("create table intermediate.int_blocked_council_months (council_code varchar, month date)")
    con.execute("""create table marts.care_ladder_monthly (council_code varchar, month date, care_ladder_rung varchar,
        tier integer, age_band varchar, service_users bigint, active_lines bigint, weekly_cost decimal(18,2),
        spend decimal(18,2), pct_spend double, pct_activity double, weekly_hours double)""")
    con.execute("""create table marts.kpi_monthly (council_code varchar, month date, kpi_code varchar,
        age_band varchar, value double, target double, rag varchar, numerator double, denominator double,
        direction varchar)""")
    con.execute("""create table marts.care_home_admissions_annual (council_code varchar, financial_year varchar,
        age_band varchar, admissions bigint, population bigint, per_100k double, population_year integer,
        months_loaded integer)""")
    con.execute("""create table marts.cqc_market_monthly (council_code varchar, month date, service_type varchar,
        area_code varchar, area_type varchar, rated_locations bigint, pct_good_or_better double)""")
    ladder, kpis, admissions, cqc = [], [], [], []
    for council in REGIONS:
        for month in MONTHS:
            for rung, tier in RUNGS.items():
                young, old = rnd.choice(SMALLISH), rnd.choice(SMALLISH)
                everyone = young + old + rnd.choice((0, 0, 0, 1, 2, 4, 5, 7))
                for band, users in (("18-64", young), ("65+", old), ("All", everyone)):
                    cost = round(users * rnd.uniform(150, 1500), 2)
                    pct = rnd.choice((None, rnd.uniform(0, 60), 25.0)) if tier == 3 else None
                    ladder.append([council, month, rung, tier, band, users, users + rnd.choice((0, 1, 3)),
                                   cost, cost * 4, pct, None, 0.0])
            for code, direction in KPIS.items():
                for band in ("18-64", "65+"):
                    den = rnd.choice((None, 0, 2, 4, 5, 8, 10, 40, 100, 2.5, 7.5))
                    num = None if den is None else rnd.choice([n for n in (0, 1, 3, den, den - 2, den / 2, den - 5)
                                                               if 0 <= n <= den])
                    if code == "LTC_USERS":  # a count: numerator = value, no denominator
                        value = num = float(rnd.choice(SMALLISH))
                        den = None
                    elif code == "AVG_WEEKLY_COST":
                        value = None if not den else rnd.uniform(200, 900)
                        num = None if value is None else value * den
                    else:
                        value = None if not den else 100.0 * num / den
                    if rnd.random() < 0.2 and value is not None:
                        value = 50.0  # ties
                    kpis.append([council, month, code, band, value, None, None, num, den, direction])
            for service_type in ("Domiciliary care service", "Care home service with nursing", "Dental service"):
                for area_type in ("council", "region", "england"):
                    pct = rnd.choice((None, 100.0, 80.0, rnd.uniform(40, 100)))
                    cqc.append([council, month, service_type, council if area_type == "council" else area_type,
                                area_type, 0 if pct is None else 3, pct])
        for fy in ("2023/24", "2024/25"):
            for band in ("18-64", "65+"):
                n = rnd.choice((0, 1, 2, 4, 5, 9, 30))
                admissions.append([council, fy, band, n, 50000, n / 50000 * 100000, int(fy[:4]),
                                   rnd.choice((12, 12, 12, 7))])
    con.executemany("insert into marts.care_ladder_monthly values (?,?,?,?,?,?,?,?,?,?,?,?)", ladder)
    con.executemany("insert into marts.kpi_monthly values (?,?,?,?,?,?,?,?,?,?)", kpis)
    con.executemany("insert into marts.care_home_admissions_annual values (?,?,?,?,?,?,?,?)", admissions)
    con.executemany("insert into marts.cqc_market_monthly values (?,?,?,?,?,?,?)", cqc)
    con.execute(f"create table marts.benchmark_monthly as {model_sql()}")


def pack_hidden(con: duckdb.DuckDBPyConnection) -> dict[tuple, bool]:
    """(council, month, measure_code, age_band) -> whether the council's own pack hides the value."""
    hidden: dict[tuple, bool] = {}
    for council in REGIONS:
        for month in MONTHS:
            ctx = PackContext(month, council)
            for r in care_ladder(con, ctx).rows:
                if r["care_ladder_rung"] in TIER3_RUNGS:
                    key = (council, month, f"AVG_WEEKLY_COST:{r['care_ladder_rung']}", r["age_band"])
                    hidden[key] = r["service_users"] == SUPPRESSED
            for r in kpi_month(con, ctx).rows:
                hidden[(council, month, r["kpi_code"], r["age_band"])] = r["value"] == SUPPRESSED
            if month.month == 3:
                for r in care_home_admissions(con, ctx).rows:
                    if int(r["financial_year"][:4]) + 1 == month.year:
                        hidden[(council, month, "CARE_HOME_ADMISSIONS_PER_100K", r["age_band"])] = \
                            r["per_100k"] == SUPPRESSED
    return hidden


def quartiles(values: list[float]) -> tuple[float, float, float]:
    """Type-7 (linear interpolation) quartiles, computed independently of DuckDB."""
    s = sorted(values)

    def q(p: float) -> float:
        pos = p * (len(s) - 1)
        lo = int(pos)
        hi = min(lo + 1, len(s) - 1)
        return s[lo] + (pos - lo) * (s[hi] - s[lo])

    return q(0.25), q(0.5), q(0.75)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_suppression_statistics_and_ranks_match_the_published_packs(seed: int) -> None:
    con = duckdb.connect()
    build_upstream(con, seed)
    hidden = pack_hidden(con)
    rows = con.execute(
        "select council_code, month, measure_code, age_band, value, peer_group, peer_councils, peer_median, "
        "peer_p25, peer_p75, rank, of_councils, direction, suppressed, part_year, region_code, financial_year "
        "from marts.benchmark_monthly").fetchall()
    cols = ["council_code", "month", "measure_code", "age_band", "value", "peer_group", "peer_councils",
            "peer_median", "peer_p25", "peer_p75", "rank", "of_councils", "direction", "suppressed", "part_year",
            "region_code", "financial_year"]
    rows = [dict(zip(cols, r)) for r in rows]
    assert rows

    # 1. Suppressed exactly where the council's own pack hides the value (every flagged measure
    #    the pack publishes is checked; the secondary suppression of Table 1 must have fired).
    checked = secondary = 0
    for r in rows:
        key = (r["council_code"], r["month"], r["measure_code"], r["age_band"])
        if key in hidden:
            assert r["suppressed"] == hidden[key], (key, r)
            checked += 1
        elif r["measure_code"].startswith(("PCT_SPEND:", "CQC_AREA_GOOD_OR_BETTER:")) \
                or r["measure_code"] == "CQC_GOOD_OR_BETTER":
            assert not r["suppressed"]
        if r["suppressed"]:
            assert r["value"] is None and r["rank"] is None
    upstream = dict(((c, m, rung, b), u) for c, m, rung, b, u in con.execute(
        "select council_code, month, care_ladder_rung, age_band, service_users from marts.care_ladder_monthly"
    ).fetchall())
    for (c, m, code, band), is_hidden in hidden.items():
        if code.startswith("AVG_WEEKLY_COST:") and is_hidden and not 0 < upstream[(c, m, code[16:], band)] < 5:
            secondary += 1
    assert checked > 500 and secondary > 10
    assert {r["measure_code"] for r in rows} >= {"CARE_HOME_ADMISSIONS_PER_100K",
                                                "CQC_AREA_GOOD_OR_BETTER:Domiciliary care service"}
    assert not any(r["measure_code"] == "CQC_AREA_GOOD_OR_BETTER:Dental service" for r in rows)

    # 2. Peer statistics and ranks from the values the packs publish (never a hidden one).
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["month"], r["measure_code"], r["age_band"], r["peer_group"], r["region_code"]),
                          []).append(r)
    assert any(len(g) == 6 for g in groups.values()) and any(len(g) == 3 for g in groups.values())
    for key, members in groups.items():
        usable = {}
        for r in members:
            pack_says_hidden = hidden.get((r["council_code"], r["month"], r["measure_code"], r["age_band"]), False)
            raw = upstream_value(con, r)
            if raw is not None and not pack_says_hidden and not r["part_year"]:
                usable[r["council_code"]] = raw
        for r in members:
            assert r["peer_councils"] == r["of_councils"] == len(usable), (key, r)
            if usable:
                p25, p50, p75 = quartiles(list(usable.values()))
                assert r["peer_median"] == pytest.approx(p50) and r["peer_p25"] == pytest.approx(p25)
                assert r["peer_p75"] == pytest.approx(p75)
            else:
                assert r["peer_median"] is None and r["peer_p25"] is None and r["peer_p75"] is None
            if r["council_code"] in usable:
                own = usable[r["council_code"]]
                sign = 1 if r["direction"] == "lower_is_better" else -1
                better = sum(1 for v in usable.values() if sign * round(v, 9) < sign * round(own, 9))
                assert r["rank"] == better + 1, (key, r, usable)
            else:
                assert r["rank"] is None
    con.close()


_VALUE_SQL = {
    "AVG_WEEKLY_COST:": "select cast(weekly_cost as double) / nullif(service_users, 0) from marts.care_ladder_monthly "
                        "where council_code = ? and month = ? and care_ladder_rung = ? and age_band = ?",
    "PCT_SPEND:": "select pct_spend from marts.care_ladder_monthly "
                  "where council_code = ? and month = ? and care_ladder_rung = ? and age_band = ?",
    "CQC_AREA_GOOD_OR_BETTER:": "select pct_good_or_better from marts.cqc_market_monthly where council_code = ? "
                                "and month = ? and service_type = ? and area_type = 'council' and ? = 'All'",
}


def upstream_value(con: duckdb.DuckDBPyConnection, r: dict) -> float | None:
    """The council's value of the measure, read from the upstream mart (not from benchmark_monthly)."""
    code = r["measure_code"]
    for prefix, sql in _VALUE_SQL.items():
        if code.startswith(prefix):
            return con.execute(sql, [r["council_code"], r["month"], code[len(prefix):], r["age_band"]]).fetchone()[0]
    if code == "CARE_HOME_ADMISSIONS_PER_100K":
        fy = f"{r['month'].year - 1}/{str(r['month'].year)[2:]}"
        return con.execute("select per_100k from marts.care_home_admissions_annual where council_code = ? "
                           "and financial_year = ? and age_band = ?", [r["council_code"], fy, r["age_band"]]).fetchone()[0]
    return con.execute("select value from marts.kpi_monthly where council_code = ? and month = ? and kpi_code = ? "
                       "and age_band = ?", [r["council_code"], r["month"], code, r["age_band"]]).fetchone()[0]


def test_annual_values_sit_on_march_of_the_year_the_financial_year_ends() -> None:
    con = duckdb.connect()
    build_upstream(con, 7)
    rows = con.execute("select distinct month, financial_year, part_year from marts.benchmark_monthly "
                       "where measure_code = 'CARE_HOME_ADMISSIONS_PER_100K' order by 1").fetchall()
    assert {(m, fy) for m, fy, _ in rows} == {(dt.date(2024, 3, 1), "2023/24"), (dt.date(2025, 3, 1), "2024/25")}
    assert con.execute("select count(*) from marts.benchmark_monthly where financial_year is null "
                       "and measure_code = 'CARE_HOME_ADMISSIONS_PER_100K'").fetchone() == (0,)
    # A council of unknown region has `all` rows only; the others both groups.
    groups = dict(con.execute("select council_code, list(distinct peer_group order by peer_group) "
                              "from marts.benchmark_monthly group by 1").fetchall())
    assert groups["E06000003"] == ["all"] and groups["E06000023"] == ["all", "region"]
    con.close()


def test_the_contracts_rules_hold_on_random_marts() -> None:
    """Every CHECK of the model's contract, and its primary key, on the random marts' output (the
    warehouse enforces them when dbt builds the mart; here the same expressions are queried)."""
    import yaml

    spec = yaml.safe_load(MODEL.with_suffix(".yml").read_text(encoding="utf-8"))["models"][0]
    checks = [c["expression"] for c in spec["constraints"] if c["type"] == "check"]
    checks += [c["expression"] for col in spec["columns"] for c in col.get("constraints", []) if c["type"] == "check"]
    key = next(c["columns"] for c in spec["constraints"] if c["type"] == "primary_key")
    assert [c["name"] for c in spec["columns"]][:12] == [
        "council_code", "month", "measure_code", "age_band", "value", "peer_group", "peer_councils", "peer_median",
        "peer_p25", "peer_p75", "rank", "of_councils"]
    for seed in (1, 2):
        con = duckdb.connect()
        build_upstream(con, seed)
        assert [d[0] for d in con.execute("select * from marts.benchmark_monthly limit 0").description] == \
            [c["name"] for c in spec["columns"]]
        for expression in checks:
            assert con.execute(f"select count(*) from marts.benchmark_monthly where not ({expression})"
                               ).fetchone() == (0,), expression
        assert con.execute(f"select count(*) - count(distinct ({', '.join(key)})) from marts.benchmark_monthly"
                           ).fetchone() == (0,)
        con.close()
