"""The pack's revisions policy (orchestration/pack/revisions.py, issue 27): what was published is
kept (audit.published_figures), a later pack shows a restated earlier figure as revised [r] with the
file that changed it, a blocked month that was never published is [x] everywhere (no number of it
in any published file), and `ascw republish` writes a new version beside the old one after
re-checking the month's gate."""
import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration.pack import PackError, publish_month, republish_month
from orchestration.pack.sample_marts import COUNCIL, build_sample_marts
from sources.contracts import LOAD_LOG_DDL

JAN, FEB, MAR = "2025-01", "2025-02", "2025-03"
T_JAN = dt.datetime(2025, 2, 3, 6, 0, tzinfo=dt.timezone.utc)
T_MAR = dt.datetime(2025, 4, 3, 6, 0, tzinfo=dt.timezone.utc)
RESTATING_FILE = "las_cld_2025-03.csv"
AUDIT_DDL = """
create schema if not exists audit;
create table if not exists audit.gate_decisions (council_code varchar, month varchar, blocked boolean,
  reasons varchar[], decided_at timestamp, primary key (council_code, month));
create table if not exists audit.publications (council_code varchar, month varchar, status varchar, path varchar,
  published_at timestamp, primary key (council_code, month));
"""


@pytest.fixture()
def con(tmp_path):
    c = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    build_sample_marts(c)
    c.execute(AUDIT_DDL)
    c.execute("create schema raw")
    c.execute(LOAD_LOG_DDL)
    yield c
    c.close()


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def every_published_text(folder: Path) -> str:
    """Every file of a pack as text (each xlsx part unzipped)."""
    blobs = []
    for p in folder.iterdir():
        if p.suffix == ".xlsx":
            with zipfile.ZipFile(p) as z:
                blobs += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
        else:
            blobs.append(p.read_text(encoding="utf-8"))
    return "\n".join(blobs)


def log_load(con, file: str, month: str, loaded_at: str) -> None:
    con.execute("insert into raw._load_log values (?, 'las_cld', ?, ?, ?, ?, 10, 10, 0, 'loaded', '', ?, ?)",
                [file, f"{month}-01", file, f"/landing/{month}/{file}", "ab" * 32, loaded_at, COUNCIL])


def kpi_row(rows: list[dict[str, str]], month: str, code: str, band: str) -> dict[str, str]:
    return next(r for r in rows if (r["month"], r["kpi_code"], r["age_band"]) == (f"{month}-01", code, band))


# ---------------------------------------------------------------- [r]
def test_a_restated_earlier_month_is_shown_revised_with_the_file_that_changed_it(con, tmp_path):
    exports = tmp_path / "exports"
    log_load(con, "las_cld_2025-01.csv", JAN, "2025-02-02 05:00")
    publish_month(con, JAN, exports, council=COUNCIL, manifest_extra={}, published_at=T_JAN)
    recorded = con.execute(
        "select value_text from audit.published_figures where council_code = ? and month = ? and version = 1"
        " and table_id = 'kpi_monthly' and row_period = ? and \"column\" = 'value'"
        " and row_key = '{\"month\":\"2025-01-01\",\"kpi_code\":\"LTC_USERS\",\"age_band\":\"18-64\"}'",
        [COUNCIL, JAN, JAN]).fetchall()
    assert recorded == [("2600",)]  # what was published is kept

    # March's extract restates January's LTC_USERS 18-64 (latest version wins in the marts)
    con.execute("update marts.kpi_monthly set value = 2650 where month = '2025-01-01' and kpi_code = 'LTC_USERS'"
                " and age_band = '18-64'")
    log_load(con, RESTATING_FILE, MAR, "2025-04-02 05:00")
    log_load(con, "las_cld_2025-01.csv", JAN, "2025-04-02 05:01")  # loaded again, same content: restates nothing
    out = publish_month(con, MAR, exports, council=COUNCIL, manifest_extra={}, published_at=T_MAR)

    trend = read_csv(out / "kpi_monthly.csv")
    revised = kpi_row(trend, JAN, "LTC_USERS", "18-64")
    assert (revised["value"], revised["revised"]) == ("2650", "[r] value")  # the revised figure, marked
    unchanged = kpi_row(trend, JAN, "LTC_USERS", "65+")
    assert unchanged["revised"] == "" and unchanged["value"] == "2700"
    assert [r for r in trend if r["revised"]] == [revised]  # nothing else is marked

    entries = manifest(out)["revisions"]
    assert len(entries) == 1
    entry = entries[0]
    assert (entry["period"], entry["table"], entry["file"], entry["column"]) == (JAN, "kpi_monthly", "kpi_monthly.csv",
                                                                                   "value")
    assert entry["row"] == {"month": "2025-01-01", "kpi_code": "LTC_USERS", "age_band": "18-64"}
    assert (entry["published"], entry["revised"]) == ("2600", "2650")
    assert entry["published_in"] == {"month": JAN, "version": 1, "published_at": "2025-02-03T06:00:00Z"}
    assert [f["file"] for f in entry["changed_by"]] == [RESTATING_FILE]  # not January's own file
    assert RESTATING_FILE in entry["why"]

    # xlsx: the number stays a number, its Revised cell says [r], a comment says what was published
    ws = openpyxl.load_workbook(out / "kpi_pack.xlsx")["Trend"]
    header_row = int(ws.freeze_panes[1:]) - 1
    header = [c.value for c in ws[header_row]]
    key = [dt.datetime(2025, 1, 1), "LTC_USERS", "18-64"]  # the month an Excel date
    row = next(r for r in ws.iter_rows(min_row=header_row + 1)
               if [r[header.index(k)].value for k in ("Month", "KPI code", "Age band")] == key)
    value = row[header.index("Value")]
    assert value.value == 2650 and isinstance(value.value, int)
    assert "2600" in value.comment.text and RESTATING_FILE in value.comment.text
    assert row[header.index("Revised [r]")].value == "[r] value"
    assert not [c for r in ws.iter_rows() for c in r if c.comment and c is not value]

    report = (out / "report.html").read_text(encoding="utf-8")
    section = report[report.index("<h2>Revisions</h2>"):report.index("<h2>What is in this pack</h2>")]
    assert "2600" in section and "2650 [r]" in section and RESTATING_FILE in section


def test_a_pack_of_unchanged_marts_shows_no_revision(con, tmp_path):
    exports = tmp_path / "exports"
    publish_month(con, JAN, exports, council=COUNCIL, manifest_extra={}, published_at=T_JAN)
    out = publish_month(con, MAR, exports, council=COUNCIL, manifest_extra={}, published_at=T_MAR)
    assert manifest(out)["revisions"] == [] and manifest(out)["months_left_out"] == []
    for name in ("kpi_monthly.csv", "mps_01_care_ladder.csv", "mps_03_client_base.csv"):
        assert {r["revised"] for r in read_csv(out / name)} == {""}, name


# ---------------------------------------------------------------- [x]
FEB_KPI_VALUES = {code: 900_001 + 11 * i for i, code in enumerate(
    ("LTC_USERS", "LTC_AT_HOME", "AVG_WEEKLY_COST", "CONTACT_TO_TIER3", "FEEL_SAFE", "CONTROL_DAILY_LIFE",
     "CQC_GOOD_OR_BETTER"))}


def test_a_blocked_month_never_published_is_left_out_of_later_packs(con, tmp_path):
    exports = tmp_path / "exports"
    publish_month(con, JAN, exports, council=COUNCIL, manifest_extra={}, published_at=T_JAN)
    con.execute("insert into audit.publications values (?, ?, 'published', ?, ?)",
                [COUNCIL, JAN, str(exports / JAN), T_JAN.replace(tzinfo=None)])
    # February was blocked by its gate and never published: distinctive figures that must not leak
    for code, base in FEB_KPI_VALUES.items():
        con.execute("update marts.kpi_monthly set value = ?, numerator = ?, denominator = ?, target = ?"
                    " where month = '2025-02-01' and kpi_code = ?", [base, base + 1, base + 2, base + 3, code])
    con.execute("update marts.client_base_annual set people = 777_001 + length(client_category),"
                " package_cost = 7_770_001.25 where financial_year = '2024/25'")  # FY 2024/25 includes February
    con.execute("update marts.care_home_admissions_annual set admissions = 666_001, per_100k = 666.5"
                " where financial_year = '2024/25'")
    con.execute("insert into audit.gate_decisions values (?, ?, true, ['[cld.file_loaded] las_cld missing'], ?)",
                [COUNCIL, FEB, T_MAR.replace(tzinfo=None)])
    annual = [p for (p,) in con.execute("select people from marts.client_base_annual where financial_year = '2024/25'"
                                        " union all select admissions from marts.care_home_admissions_annual"
                                        " where financial_year = '2024/25'").fetchall()]
    out = publish_month(con, MAR, exports, council=COUNCIL, manifest_extra={}, published_at=T_MAR)

    text = every_published_text(out)
    for base in FEB_KPI_VALUES.values():
        for n in range(4):
            assert str(base + n) not in text and f"{base + n:,}" not in text
    assert len(annual) == 7
    for leak in [*map(str, annual), *(f"{n:,}" for n in annual), "7770001", "7,770,001", "666.5"]:
        assert leak not in text, leak

    trend = read_csv(out / "kpi_monthly.csv")
    feb = [r for r in trend if r["month"] == "2025-02-01"]
    assert len(feb) == 14
    for r in feb:  # the rows stay, as not published
        assert {r[c] for c in ("value", "target", "rag", "numerator", "denominator")} == {"[x]"}
    assert kpi_row(trend, JAN, "LTC_USERS", "18-64")["value"] == "2600"  # other months as published
    base = read_csv(out / "mps_03_client_base.csv")
    assert {r["people"] for r in base if r["financial_year"] == "2024/25"} == {"[x]"}
    assert {r["people"] for r in base if r["financial_year"] == "2023/24"} != {"[x]"}
    assert all("2025-02" in r["status"] for r in base if r["financial_year"] == "2024/25")
    left = manifest(out)["months_left_out"]
    assert [(e["month"], e["reason"]) for e in left] == [(FEB, "[cld.file_loaded] las_cld missing")]
    assert left[0]["rows_not_published"]["kpi_monthly.csv"] == 14
    assert left[0]["financial_years_not_published"] == ["2024/25"]
    assert "2025-02" in (out / "report.html").read_text(encoding="utf-8")


def test_a_blocked_month_that_was_published_is_shown_as_published(con, tmp_path):
    """Blocked later (a re-run found a failure) but published before: its pack stands, so later
    packs show its figures."""
    exports = tmp_path / "exports"
    publish_month(con, FEB, exports, council=COUNCIL, manifest_extra={}, published_at=T_JAN)
    con.execute("insert into audit.publications values (?, ?, 'published', ?, ?)",
                [COUNCIL, FEB, str(exports / FEB), T_JAN.replace(tzinfo=None)])
    con.execute("insert into audit.gate_decisions values (?, ?, true, ['[x] late failure'], ?)",
                [COUNCIL, FEB, T_MAR.replace(tzinfo=None)])
    out = publish_month(con, MAR, exports, council=COUNCIL, manifest_extra={}, published_at=T_MAR)
    assert manifest(out)["months_left_out"] == []
    assert "[x]" not in {kpi_row(read_csv(out / "kpi_monthly.csv"), FEB, "LTC_USERS", "18-64")["value"]}


# ---------------------------------------------------------------- versions
def test_republish_writes_a_new_version_beside_the_old_one(con, tmp_path):
    exports = tmp_path / "exports"
    first = publish_month(con, JAN, exports, council=COUNCIL, manifest_extra={}, published_at=T_JAN)
    before = digests(first)
    con.execute("update marts.care_ladder_monthly set spend = spend + 100 where month = '2025-01-01'"
                " and care_ladder_rung = 'Nursing' and age_band = 'All'")
    log_load(con, "las_cld_2025-01_corrected.csv", JAN, "2025-02-10 09:00")
    second = republish_month(con, JAN, exports, council=COUNCIL, reason="corrected January CLD extract",
                             manifest_extra={}, published_at=T_JAN + dt.timedelta(days=8))
    assert second == exports / "2025-01-v2"
    assert digests(first) == before  # the first publication is untouched, byte for byte
    m = manifest(second)
    assert m["version"] == 2
    assert m["reissue"] == {"version": 2, "reason": "corrected January CLD extract", "replaces": JAN}
    assert "reissue" not in manifest(first) and manifest(first)["version"] == 1
    changed = {(r["row"]["care_ladder_rung"], r["row"]["age_band"], r["column"]) for r in m["revisions"]}
    assert ("Nursing", "All", "spend") in changed
    assert all(r["published_in"]["version"] == 1 for r in m["revisions"])
    assert {f["file"] for r in m["revisions"] for f in r["changed_by"]} == {"las_cld_2025-01_corrected.csv"}
    ladder = {(r["care_ladder_rung"], r["age_band"]): r for r in read_csv(second / "mps_01_care_ladder.csv")}
    assert ladder[("Nursing", "All")]["revised"].startswith("[r] ") and "spend" in ladder[("Nursing", "All")]["revised"]
    assert "corrected January CLD extract" in (second / "report.html").read_text(encoding="utf-8")

    third = republish_month(con, JAN, exports, council=COUNCIL, reason="again", manifest_extra={})
    assert third.name == "2025-01-v3" and manifest(third)["reissue"]["replaces"] == "2025-01-v2"
    assert manifest(third)["revisions"] == []  # compared with the latest version (2), which it repeats
    assert digests(first) == before
    assert con.execute("select version, reason from audit.pack_versions where month = ? order by 1", [JAN]).fetchall() \
        == [(1, None), (2, "corrected January CLD extract"), (3, "again")]
    assert sorted(p.name for p in exports.iterdir()) == ["2025-01", "2025-01-v2", "2025-01-v3"]
    with pytest.raises(PackError):
        republish_month(con, FEB, exports, council=COUNCIL, reason="never published", manifest_extra={})
    with pytest.raises(PackError):
        republish_month(con, JAN, exports, council=COUNCIL, reason="  ", manifest_extra={})


def test_ascw_republish_rechecks_the_gate_holds_the_lock_and_refuses_a_blocked_month(
        tmp_path, monkeypatch, capsys):
    import orchestration.gates as gates
    from orchestration.cli import EXIT_BLOCKED, EXIT_BUSY, EXIT_OK, main
    from orchestration.defs.resources import warehouse_lock
    from orchestration.gates.results import CheckResult, record_results
    from orchestration.partitions_key import Part

    for var in ("ASCW_COUNCIL", "ASCW_MONTH"):
        monkeypatch.delenv(var, raising=False)
    warehouse, exports = tmp_path / "wh" / "warehouse.duckdb", tmp_path / "exports"
    warehouse.parent.mkdir()
    with duckdb.connect(str(warehouse)) as c:
        build_sample_marts(c)
        c.execute(AUDIT_DDL)
        c.execute("create schema raw")
        c.execute(LOAD_LOG_DDL)
        first = publish_month(c, JAN, exports, council=COUNCIL, manifest_extra={}, published_at=T_JAN)
        c.execute("insert into audit.publications values (?, ?, 'published', ?, ?)",
                  [COUNCIL, JAN, str(first), T_JAN.replace(tzinfo=None)])
        record_results(c, [CheckResult(name, "audit", "ERROR", True, "ok", month=JAN, council=COUNCIL)
                           for name in ("gates.source_checks.completed", "gates.dbt.completed")])
    before = digests(first)
    rechecked = []

    def reconciliation(con, part, config=None):  # the marts here have no council key: stand in for it
        rechecked.append(Part.of(*part))
        return [CheckResult("gates.reconciliation.completed", "marts", "ERROR", True, "ok", month=part.month,
                            council=part.council)]

    monkeypatch.setattr(gates, "run_reconciliation_checks", reconciliation)
    argv = ["republish", "--month", JAN, "--reason", "corrected extract", "--warehouse", str(warehouse),
            "--exports", str(exports)]
    with warehouse_lock(warehouse, False, "a refresh in this test"):
        assert main(argv) == EXIT_BUSY  # like a refresh: never beside another writer
    assert not (exports / "2025-01-v2").exists()

    assert main(argv) == EXIT_OK
    assert rechecked == [Part(COUNCIL, JAN)]
    assert manifest(exports / "2025-01-v2")["reissue"]["reason"] == "corrected extract"
    assert digests(first) == before

    with duckdb.connect(str(warehouse)) as c:  # the month now fails a blocking check
        record_results(c, [CheckResult("cld.file_loaded", "raw.las_cld", "ERROR", False, "las_cld rejected",
                                       month=JAN, council=COUNCIL)])
    capsys.readouterr()
    assert main(argv) == EXIT_BLOCKED
    assert "blocked" in capsys.readouterr().err
    assert sorted(p.name for p in exports.iterdir()) == ["2025-01", "2025-01-v2"]
    assert digests(first) == before
    with duckdb.connect(str(warehouse)) as c:
        assert c.execute("select blocked from audit.gate_decisions where month = ?", [JAN]).fetchone() == (True,)
    assert main([*argv[:1], "--month", "2025-02", *argv[3:]]) == 2  # never published: nothing to re-issue
