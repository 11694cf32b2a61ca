"""Issue 6 (hardening), end to end through `ascw refresh` on the generated council of conftest's
`waiting_site`: every month up to PREV is published; MONTH is then damaged in a copy of the site
and refreshed.

Bad input blocks MONTH with a printed reason, publishes nothing and keeps every row accounted
for; personal data never reaches the warehouse in clear; an analyst's read-only session makes
the refresh exit 3 changing nothing (a killed refresh and a full disk: test_pipeline_faults.py)."""

from __future__ import annotations

import csv
import hashlib
import io
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from pipeline_helpers import WAITING_MONTHS, Site, tree_digest

pytestmark = pytest.mark.slow
PREV, MONTH = "2024-02", "2024-03"
CLIENT_NAMES = ("Margaret Thistlewood", "Bartholomew Quince", "Ngozi Adebayo-Fairweather")


@pytest.fixture(scope="module")
def published(waiting_site: Site) -> Site:
    """Every month up to PREV published; MONTH's folder in the landing, not loaded (conftest)."""
    assert (PREV, MONTH) == WAITING_MONTHS[-2:]
    return waiting_site


# --- helpers --------------------------------------------------------------------------------------
def _file(site: Site, kind: str, month: str = MONTH) -> Path:
    return site.landing / month / f"{kind}_{month}.csv"


def _edit_csv(path: Path, edit: Callable[[list[str], list[list[str]]], None]) -> None:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    edit(rows[0], rows[1:])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _unbalanced_loads(warehouse: Path) -> list[tuple]:
    return _query(
        warehouse,
        "select file, rows_read, rows_loaded, rows_rejected from raw._load_log"
        " where rows_read <> rows_loaded + rows_rejected",
    )


def _reasons(out: str) -> list[str]:
    """The summary's reasons of a blocked month (indented under it)."""
    return [line.strip() for line in out.splitlines() if line.startswith(" ") and line.strip()]


def _refresh_blocked(site: Site, capsys: pytest.CaptureFixture[str]) -> str:
    """Refresh MONTH: it must be blocked, nothing published may change; returns stdout."""
    before = tree_digest(site.exports)
    assert site.refresh("--month", MONTH) != 0
    out = capsys.readouterr().out
    assert f"{MONTH}   blocked" in out, out
    assert tree_digest(site.exports) == before, "a published pack changed"
    assert not (site.exports / MONTH).exists()
    assert not list(site.exports.glob(".tmp-*"))
    assert not _unbalanced_loads(site.warehouse), "rows_read != rows_loaded + rows_rejected"
    # blocked at whatever stage (here often before dbt could run): its data-quality report exists
    report = site.warehouse.parent / "dq_reports" / "E06000023" / f"{MONTH}.html"
    assert report.is_file() and "Blocked" in report.read_text(encoding="utf-8"), out
    return out


def _failed_checks(site: Site, name_like: str) -> list[tuple]:
    return _query(
        site.warehouse,
        "select name, file, \"column\", message from audit.check_results"
        " where month = ? and not passed and severity = 'ERROR' and name like ?",
        [f"{MONTH}-01", name_like],
    )


# --- bad input that blocks the month --------------------------------------------------------------
def test_three_file_level_defects_each_block_the_month_named_with_their_file(
    published: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Three file-level defects in one month, one per file (one refresh): a service lines file in
    Windows-1252, named with the byte and line; a payments file that is last month's copied, named
    as a duplicate; a CLD file of another council, named with its LA Code."""
    site = published.copy_to(tmp_path)
    path = _file(site, "controcc_service_lines")

    def pound(h: list[str], body: list[list[str]]) -> None:
        body[4][h.index("Supplier Name")] = "£ Care Ltd"

    def other_council(h: list[str], body: list[list[str]]) -> None:
        for row in body:
            row[h.index("LA Code")] = "E06000022"

    _edit_csv(path, pound)
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    payments = _file(site, "controcc_payments")
    payments.write_bytes(_file(site, "controcc_payments", PREV).read_bytes())
    _edit_csv(_file(site, "las_cld"), other_council)

    out = _refresh_blocked(site, capsys)

    reasons = _reasons(out)
    assert any(path.name in r and "0xA3" in r and "line 6" in r and "byte" in r for r in reasons), out
    assert any(payments.name in r and "duplicate file" in r and f"controcc_payments_{PREV}.csv" in r
               for r in reasons), out
    assert any(f"las_cld_{MONTH}.csv" in r and "'LA Code'" in r and "E06000022" in r for r in reasons), out


def test_a_gap_in_the_months_found_is_named_and_the_months_either_side_are_refreshed_apart(
    published: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A new warehouse, a landing holding the first month and MONTH but not PREV: `--all` refreshes
    # the months found as two Dagster runs (one per contiguous range) and names the gap. Each month
    # lacks its payments file, so both runs stop at their source checks, before dbt: a month folder
    # missing a file is blocked, the missing file named as the cause.
    landing = tmp_path / "landing"
    for part in published.landing.iterdir():
        if part.name != PREV:
            shutil.copytree(part, landing / part.name)
    first = WAITING_MONTHS[0]
    assert sorted(p.name for p in landing.iterdir() if p.name[:1].isdigit()) == [first, MONTH]
    for m in (first, MONTH):
        (landing / m / f"controcc_payments_{m}.csv").unlink()
    site = Site(landing, tmp_path / "warehouse" / "ascw.duckdb", tmp_path / "exports")

    assert site.refresh("--all") != 0

    captured = capsys.readouterr()
    assert f"no month folder in {landing} for {PREV}" in captured.err
    for m in (first, MONTH):
        assert f"{m}   blocked" in captured.out, captured.out
        assert any(f"controcc_payments_{m}.csv" in r and "missing" in r for r in _reasons(captured.out)), captured.out
    # the missing file is each month's cause, told first; the knock-on failures (no payments to
    # reconcile, a row count dropped to zero) are told after it
    causes = [line.strip() for line in captured.out.splitlines() if line.strip().startswith("- cause: ")]
    assert len(causes) == 2 and all("controcc_payments_" in c and "missing" in c for c in causes), captured.out
    assert "what to do:" in captured.out and "more failing check(s), most likely consequences" in captured.out
    assert PREV not in captured.out.split("Month", 1)[-1], "a month without a folder was refreshed"
    assert not list(site.exports.glob("20*"))


def test_a_person_under_18_and_a_line_ending_before_it_starts_each_fail_their_gate(
    published: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two row-level defects in two files of one month (one refresh): each check fails on its own
    file, row and column, and the summary names both."""
    site = published.copy_to(tmp_path)

    def child(h: list[str], body: list[list[str]]) -> None:
        body[0][h.index("Date of Birth")] = "2015-06-01"

    def backwards(h: list[str], body: list[list[str]]) -> None:
        year, month = MONTH.split("-")  # both in MONTH, the end ten days before the start
        body[0][h.index("Start Date")] = f"20/{month}/{year}"
        body[0][h.index("End Date")] = f"10/{month}/{year}"

    _edit_csv(_file(site, "las_cld"), child)
    _edit_csv(_file(site, "controcc_service_lines"), backwards)

    out = _refresh_blocked(site, capsys)

    failed = _failed_checks(site, "las_cld.%adult_age%")
    assert failed and failed[0][2] == "Date of Birth", failed
    assert any(f"las_cld_{MONTH}.csv" in r and "'Date of Birth'" in r for r in _reasons(out)), out
    failed = _failed_checks(site, "controcc_service_lines.%end_not_before_start%")
    assert failed and failed[0][2] == "End Date", failed
    assert any(
        f"controcc_service_lines_{MONTH}.csv" in r and "'End Date'" in r for r in _reasons(out)
    ), out


# --- row-level oddities and personal data through the whole pipeline ------------------------------
@pytest.fixture(scope="module")
def oddities(published: Site, tmp_path_factory: pytest.TempPathFactory) -> tuple[Site, int, dict]:
    """MONTH with Excel-mangled amounts, an ISO date in ContrOCC and a `Client Name` column in
    the CLD, refreshed to the end; returns the site, the exit code and what was changed."""
    site = published.copy_to(tmp_path_factory.mktemp("oddities"))
    changed: dict = {}

    def excel(h: list[str], body: list[list[str]]) -> None:
        a = h.index("Amount")
        big = next(i for i, r in enumerate(body) if float(r[a]) >= 1000)
        changed["normalised"] = (big + 2, body[big][a])
        body[big][a] = f"£{float(body[big][a]):,.2f}"
        sci = next(i for i, r in enumerate(body) if i != big)
        changed["scientific"] = sci + 2
        body[sci][a] = "1.2E+05"

    def iso_date(h: list[str], body: list[list[str]]) -> None:
        s, ev, el = h.index("Start Date"), h.index("Event Reference"), h.index("Element Code")
        refs = [r[ev] for r in body]
        # a long-term care home line, the only one funding its CLD event
        i = next(
            i for i, r in enumerate(body)
            if r[ev] and refs.count(r[ev]) == 1 and r[el].startswith(("NUR", "RES"))
        )
        changed["iso_date"] = i + 2
        d, m, y = body[i][s].split("/")
        body[i][s] = f"{y}-{m}-{d}"

    def client_name(h: list[str], body: list[list[str]]) -> None:
        h.append("Client Name")
        for i, row in enumerate(body):
            row.append(CLIENT_NAMES[i % len(CLIENT_NAMES)])

    _edit_csv(_file(site, "controcc_payments"), excel)
    _edit_csv(_file(site, "controcc_service_lines"), iso_date)
    _edit_csv(_file(site, "las_cld"), client_name)
    return site, site.refresh("--month", MONTH), changed


def test_excel_numbers_and_wrong_dates_are_normalised_or_rejected_and_every_row_counted(
    oddities: tuple[Site, int, dict],
) -> None:
    site, _, changed = oddities
    assert not _unbalanced_loads(site.warehouse)
    line, amount = changed["normalised"]
    assert _query(
        site.warehouse,
        'select cast("Amount" as varchar) from raw.controcc_payments'
        " where _month = ? and _line = ?",
        [f"{MONTH}-01", line],
    ) == [(f"{float(amount):.2f}",)]
    rejects = _query(
        site.warehouse,
        'select file_type, line, "column", check_name from raw._rejects where month = ?'
        " and check_name like 'decode_%' order by 1",
        [f"{MONTH}-01"],
    )
    assert rejects == [
        ("controcc_payments", changed["scientific"], "Amount", "decode_money"),
        ("controcc_service_lines", changed["iso_date"], "Start Date", "decode_date_dmy"),
    ]
    logged = dict(
        (ft, (read, loaded, rejected))
        for ft, read, loaded, rejected in _query(
            site.warehouse,
            "select file_type, rows_read, rows_loaded, rows_rejected from raw._load_log"
            " where month = ? and file_type like 'controcc%'",
            [f"{MONTH}-01"],
        )
    )
    for ft in ("controcc_payments", "controcc_service_lines"):
        read, loaded, rejected = logged[ft]
        assert rejected == 1 and read == loaded + 1
        in_file = len(list(csv.reader(io.StringIO(_file(site, ft).read_text("utf-8"))))) - 1
        assert read == in_file


def test_a_client_name_column_never_reaches_the_warehouse_in_clear(
    oddities: tuple[Site, int, dict],
) -> None:
    site, _, _ = oddities
    con = duckdb.connect(str(site.warehouse), read_only=True)
    try:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns"
            " where table_schema not in ('information_schema', 'pg_catalog')"
            " and (data_type in ('VARCHAR', 'JSON') or data_type like '%VARCHAR[]'"
            " or data_type like 'STRUCT%' or data_type like 'MAP%')"
        ).fetchall()
        pattern = "|".join(w for n in CLIENT_NAMES for w in n.split())
        for schema, table, column in columns:
            hit = con.execute(
                f'select count(*) from "{schema}"."{table}"'
                f' where regexp_matches(cast("{column}" as varchar), ?)',
                [pattern],
            ).fetchone()[0]
            assert hit == 0, f"a client name is stored in clear in {schema}.{table}.{column}"
        keys = con.execute(
            "select distinct unnest(json_keys(_extra)) from raw.las_cld where _month = ?",
            [f"{MONTH}-01"],
        ).fetchall()
        assert keys == [("Client Name",)]
    finally:
        con.close()
    for report in site.warehouse.parent.rglob("*.html"):  # the data-quality reports beside it
        text = report.read_text(encoding="utf-8")
        assert not [n for n in CLIENT_NAMES if n.split()[-1] in text], report


def test_a_rejected_row_is_not_silently_lost_it_blocks_the_month_naming_file_line_and_column(
    oddities: tuple[Site, int, dict],
) -> None:
    """A file with rows that break the contract is not published from: the good rows stay
    loaded and the bad ones in raw._rejects, and the month is blocked naming each file's first
    rejected line and column (the figures would otherwise silently miss those rows)."""
    site, rc, changed = oddities
    assert rc != 0
    assert not (site.exports / MONTH).exists() and not list(site.exports.glob(".tmp-*"))
    failed = {name: (file, column, message) for name, file, column, message in _failed_checks(site, "%.rows_rejected")}
    assert set(failed) == {"controcc_payments.rows_rejected", "controcc_service_lines.rows_rejected"}
    file, column, message = failed["controcc_payments.rows_rejected"]
    assert (file, column) == (f"controcc_payments_{MONTH}.csv", "Amount")
    assert f"line {changed['scientific']}, column 'Amount'" in message
    file, column, message = failed["controcc_service_lines.rows_rejected"]
    assert (file, column) == (f"controcc_service_lines_{MONTH}.csv", "Start Date")
    assert f"line {changed['iso_date']}, column 'Start Date'" in message


# --- faults ---------------------------------------------------------------------------------------
def test_an_analysts_read_only_session_makes_the_refresh_exit_3_and_change_nothing(
    published: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = published.copy_to(tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True);"
         " print('ready', flush=True); time.sleep(600)", str(site.warehouse)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        before_wh = hashlib.sha256(site.warehouse.read_bytes()).hexdigest()
        before_exports = tree_digest(site.exports)

        rc = site.refresh("--month", MONTH)

        err = capsys.readouterr().err
        assert rc == 3, err
        assert "is open in another process" in err and str(site.warehouse) in err
        assert "marts_parquet" in err  # tells the analyst what to use instead
        assert hashlib.sha256(site.warehouse.read_bytes()).hexdigest() == before_wh
        assert tree_digest(site.exports) == before_exports
    finally:
        holder.kill()
        holder.wait()
