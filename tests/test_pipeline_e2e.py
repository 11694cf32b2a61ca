"""End to end through `ascw refresh`: a generated council, every month published, a second
refresh changes nothing, and nothing personal leaves the warehouse."""
import csv
import datetime as dt
import json
import re
from html import unescape
from pathlib import Path

import duckdb
import openpyxl
import pytest

from pipeline_helpers import WAITING_MONTHS, Site

pytestmark = pytest.mark.slow
MONTHS = list(WAITING_MONTHS)


@pytest.fixture(scope="module")
def site(published_site: Site, tmp_path_factory: pytest.TempPathFactory) -> Site:
    """A copy of conftest's council with every month published (the months before the last by
    `refresh --all` on a new warehouse, the last by `refresh --month`): this module writes dbt docs
    beside it."""
    return published_site.copy_to(tmp_path_factory.mktemp("e2e"))


def test_every_month_is_published_with_the_whole_pack(site: Site) -> None:
    assert sorted(p.name for p in site.exports.iterdir() if p.is_dir()) == MONTHS
    for m in MONTHS:
        pack = site.exports / m
        for name in ("kpi_pack.xlsx", "kpi_monthly.csv", "mps_tables.xlsx", "report.html", "manifest.json"):
            assert (pack / name).is_file(), f"{m}/{name} missing"
        manifest = json.loads((pack / "manifest.json").read_text())
        assert m in json.dumps(manifest)
        assert not list(site.exports.glob(".tmp*")), "temporary publish folders left behind"


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="chromium not installed")
def test_the_demo_s_report_shows_every_section_in_a_browser(published_site: Site, tmp_path: Path) -> None:
    """The last month's report.html of the demo council, drawn by headless Chromium: every section
    of the report's registry (report_sections.SECTIONS) is on the page with its heading, the trends
    cover every month published, and the page is not blank."""
    from ui_helpers import report_sections_seen

    from orchestration.pack import report_sections

    report = published_site.exports / MONTHS[-1] / "report.html"
    png = tmp_path / "report.png"
    seen = report_sections_seen(report, tmp_path, png)
    assert seen == [s.id for s in report_sections.SECTIONS] + ["revisions", "files"]
    assert png.stat().st_size > 30_000
    html = report.read_text(encoding="utf-8")
    first, last = (dt.date.fromisoformat(f"{m}-01").strftime("%b %Y") for m in (MONTHS[0], MONTHS[-1]))
    assert f"Tier 3 service users by rung, {first} to {last}" in html
    assert html.count("How to read this:") == len(report_sections.SECTIONS)
    assert "Higher is better" in html and "Lower is better" in html
    # England's admissions rate beside the council's, same financial year (the demo's illustrative
    # reference/national_comparators.csv: ASCOF 2C 2023/24 = 570)
    admissions = unescape(html[html.index('<section id="admissions"'):])
    admissions = admissions[:admissions.index("</section>")]
    assert "65+ (ASCOF 2C), 2023/24: the council " in admissions and ", England 570.0." in admissions
    assert "England: the council's reference/national_comparators.csv" in admissions


def test_the_refresh_s_dbt_console_and_log_go_to_its_run_folder(published_site: Site) -> None:
    """stdout is the summary; dbt's console and a log of warnings and errors (not every statement at
    debug level, ~5 MB a build) are in the run's folder beside the warehouse (the refresh of the
    last month that built `published_site`). A second refresh of a published month is a rerun:
    test_hardening_pipeline's killed refresh, rerun, gives the uninterrupted run's marts; the pack
    of a month already published is never rewritten (test_pack_publish)."""
    runs = published_site.warehouse.parent / "dbt"
    consoles = sorted(runs.glob("run-*/dbt_console.log"), key=lambda p: p.stat().st_mtime)
    assert consoles, "no dbt run folder beside the warehouse"
    assert "Running with dbt" in consoles[-1].read_text(encoding="utf-8")
    dbt_log = (consoles[-1].parent / "dbt.log").read_text(encoding="utf-8")
    assert "SQL status" not in dbt_log and "SQLQueryStatus" not in dbt_log


def _published_text(exports: Path) -> str:
    chunks: list[str] = []
    for p in sorted(exports.rglob("*")):
        if p.suffix in (".csv", ".json", ".html"):
            chunks.append(p.read_text(encoding="utf-8"))
        elif p.suffix == ".xlsx":
            wb = openpyxl.load_workbook(p, read_only=True)
            for ws in wb.worksheets:
                for row in ws.iter_rows(values_only=True):
                    chunks.append(" ".join("" if v is None else str(v) for v in row))
    return "\n".join(chunks)


def _published_csv_columns(exports: Path) -> dict[str, set[str]]:
    """'file:column' -> the set of values published in that column, over every CSV."""
    out: dict[str, set[str]] = {}
    for p in sorted(exports.rglob("*.csv")):
        with p.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                for k, v in row.items():
                    out.setdefault(f"{p.name}:{k}", set()).add(v)
    return out


def _occurring(values: set[str], text: str) -> set[str]:
    """The values that occur anywhere in `text` (as `v in text` would say, one pass per length
    instead of one scan of the text per value: 20,000 postcodes against 1 MB took ~40 s)."""
    found: set[str] = set()
    for n in {len(v) for v in values}:
        windows = {text[i:i + n] for i in range(len(text) - n + 1)}
        found |= {v for v in values if len(v) == n} & windows
    return found


def test_occurring_finds_exactly_the_substrings() -> None:
    text = "a SW1A1AA b 1943-05-17c"
    found = _occurring({"SW1A1AA", "1943-05-17", "BS12AB", "c", "1943-05-18"}, text)
    assert found == {"SW1A1AA", "1943-05-17", "c"}
    assert _occurring(set(), text) == set() and _occurring({"longer than the text itself"}, "short") == set()


def test_no_person_identifier_date_of_birth_or_postcode_is_published(site: Site) -> None:
    text = _published_text(site.exports)
    people: dict[str, set[str]] = {"id": set(), "nhs": set(), "dob": set(), "postcode": set()}
    for f in site.landing.glob("*/las_cld_*.csv"):
        with f.open(encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                people["id"].add(row["LA Person Unique Identifier"])
                people["nhs"].add(row["NHS Number"].replace(" ", ""))
                if row["Date of Birth"] < "2005":  # people's, never a reporting month
                    people["dob"].add(row["Date of Birth"])
                people["postcode"].add(row["Postcode"])
    con = duckdb.connect(str(site.warehouse), read_only=True)
    hashed = {r[0] for r in con.execute('select distinct "LA Person Unique Identifier" from raw.las_cld').fetchall()}
    con.close()
    # Text-shaped identifiers (NHS numbers, full postcodes, dates of birth, hashes) must not occur
    # anywhere; person ids are plain numbers here, so no published column may hold them.
    compact = re.sub(r"\s+", "", text)
    for kind in ("nhs", "postcode", "dob"):
        leaked = _occurring({re.sub(r"\s+", "", v) for v in people[kind]} - {""}, compact)
        assert not leaked, f"published files contain person {kind}s, e.g. {sorted(leaked)[:3]}"
    assert not {h for h in hashed if h in text}, "published files contain pseudonymised person ids"
    # A published column of person ids would be made of them; a count column can match a few by
    # chance (populations of a million are 7-digit numbers, as the demo's person ids are).
    for column, values in _published_csv_columns(site.exports).items():
        ids = values & people["id"]
        assert len(ids) < 3 or len(ids) < 0.1 * len(values), f"{column} holds person identifiers: {sorted(ids)[:3]}"


def test_no_clear_identifier_is_stored_in_the_warehouse(site: Site) -> None:
    ids = set()
    for f in site.landing.glob("*/las_cld_*.csv"):
        with f.open(encoding="utf-8-sig", newline="") as fh:
            ids |= {r["LA Person Unique Identifier"] for r in csv.DictReader(fh)}
    con = duckdb.connect(str(site.warehouse), read_only=True)
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE'").fetchall()
    sample = sorted(ids)[:50]
    for schema, table in tables:
        cols = [r[0] for r in con.execute(
            "select column_name from information_schema.columns where table_schema=? and table_name=? "
            "and data_type = 'VARCHAR'", [schema, table]).fetchall()]
        for c in cols:
            hit = con.execute(
                f'select count(*) from "{schema}"."{table}" where "{c}" in (select unnest(?::varchar[]))', [sample]
            ).fetchone()[0]
            assert hit == 0, f"clear person id stored in {schema}.{table}.{c}"
    con.close()


def test_dbt_docs_catalogue_describes_every_mart(site: Site) -> None:
    from orchestration.cli import main as ascw

    assert ascw(["docs", "--warehouse", str(site.warehouse)]) == 0
    html = (site.warehouse.parent / "dbt_docs" / "index.html").read_text(encoding="utf-8")
    for mart in ("care_ladder_monthly", "provider_concentration_monthly", "kpi_monthly", "pct_activity", "hhi"):
        assert mart in html


def test_the_refresh_s_history_is_in_the_warehouse_s_dagster_instance(waiting_site: Site) -> None:
    """`ascw refresh --all` of two months (conftest's waiting_site) recorded its run in the
    persistent instance beside the warehouse: both council-months materialized for every monthly
    asset of the job, the reference files and the Parquet marts once, with the checks of each
    council-month, as `make dev` shows them."""
    import dagster as dg

    from orchestration.defs.publication import GATE_KEY, GATE_CHECKS, PACK_KEY

    home = waiting_site.warehouse.parent / "dagster"
    assert (home / "dagster.yaml").is_file()
    instance = dg.DagsterInstance.from_config(str(home))
    partitions = {f"E06000023|{m}" for m in MONTHS[:-1]}
    assert set(instance.get_dynamic_partitions("councils")) == {"E06000023"}
    assert set(instance.get_dynamic_partitions("months")) == set(MONTHS[:-1])
    [run] = instance.get_runs(filters=dg.RunsFilter(job_name="monthly_refresh"))
    assert run.status == dg.DagsterRunStatus.SUCCESS
    from orchestration.definitions import defs

    graph = defs.get_repository_def().asset_graph
    for key in graph.get_all_asset_keys():
        if not graph.get(key).is_materializable:
            continue  # dbt's sources on audit tables
        if graph.get(key).partitions_def is None:
            assert instance.get_latest_materialization_event(key) is not None, key
        else:
            assert set(instance.get_materialized_partitions(key)) == partitions, key
    checks = [dg.AssetCheckKey(GATE_KEY, name) for name in GATE_CHECKS]
    checks.append(dg.AssetCheckKey(dg.AssetKey(["raw", "las_cld"]), "source_checks"))
    for check in checks:
        records = instance.event_log_storage.get_asset_check_execution_history(check, limit=10)
        evaluated = {r.event.asset_check_evaluation.partition: r.status.value for r in records}
        assert evaluated == {p: "SUCCEEDED" for p in partitions}, check
    assert set(instance.get_materialized_partitions(PACK_KEY)) == partitions


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="chromium not installed")
def test_the_dagster_ui_on_the_warehouse_s_instance_shows_the_refresh_s_history(
        waiting_site: Site, tmp_path: Path) -> None:
    """What `make dev` opens after a refresh: the UI on the warehouse's own instance, every
    council-month of the refresh materialized (README's screenshot is this page, kept with
    ASCW_UI_SCREENSHOT=docs/img/dagster_ui_after_refresh.png)."""
    import os
    import shutil

    from ui_helpers import dagster_ui, page

    home = tmp_path / "dagster"
    shutil.copytree(waiting_site.warehouse.parent / "dagster", home)  # the UI may write to its instance
    png = tmp_path / "ui.png"
    with dagster_ui(home, waiting_site.landing, waiting_site.warehouse, waiting_site.exports) as url:
        dom = page(f"{url}/assets/audit/publication_gate?view=partitions", tmp_path / "profile", png)
    assert f"Materialized ({len(MONTHS) - 1})" in dom and "Missing (0)" in dom, dom[-3000:]
    assert "E06000023" in dom and all(m in dom for m in MONTHS[:-1])
    assert "Join the Dagster community" not in dom  # the instance's dagster.yaml turns the prompt off
    assert png.stat().st_size > 30_000
    if os.environ.get("ASCW_UI_SCREENSHOT"):
        shutil.copy(png, os.environ["ASCW_UI_SCREENSHOT"])


def test_the_warehouse_and_the_data_quality_reports_are_readable_by_their_owner_only(waiting_site: Site) -> None:
    """They hold person-level rows (pseudonymised) and example rows of failing checks. The
    warehouse's folder was created by the refresh (conftest's `waiting_site`)."""
    import stat

    def mode(p: Path) -> int:
        return stat.S_IMODE(p.stat().st_mode)

    assert mode(waiting_site.warehouse) == 0o600
    assert mode(waiting_site.warehouse.parent) == 0o700
    reports = sorted((waiting_site.warehouse.parent / "dq_reports").rglob("*.html"))
    assert [p.stem for p in reports] == MONTHS[:-1]
    assert {mode(p) for p in reports} == {0o600}


def test_the_oversight_page_is_beside_the_dq_reports_owner_only_and_never_exported(published_site: Site) -> None:
    """Issue 28: the internal market-oversight register of each council-month (the refresh's
    publication step writes it) is in `<warehouse dir>/oversight/<council>/YYYY-MM.html`, 0600,
    lists every provider of marts.provider_risk_monthly in rank order, and is nowhere in exports."""
    import stat

    council = json.loads((published_site.exports / MONTHS[-1] / "manifest.json").read_text())["council"]
    pages = sorted((published_site.warehouse.parent / "oversight").rglob("*.html"))
    assert [(p.parent.name, p.stem) for p in pages] == [(council, m) for m in MONTHS]
    assert {stat.S_IMODE(p.stat().st_mode) for p in pages} == {0o600}
    with duckdb.connect(str(published_site.warehouse), read_only=True) as con:
        keys = [r[0] for r in con.execute(
            "select provider_key from marts.provider_risk_monthly where month = ? order by rank",
            [MONTHS[-1] + "-01"]).fetchall()]
    page = pages[-1].read_text(encoding="utf-8")
    assert keys and "INTERNAL - not published" in page
    cells = [page.index(f"<td>{k}</td>") for k in keys]
    assert cells == sorted(cells)  # the ranked register, every provider
    exported = [p for p in published_site.exports.rglob("*") if p.is_file()]
    assert not [p for p in exported if "oversight" in p.name.lower() or "provider_risk" in p.name.lower()]
    assert not [p for p in exported if p.suffix in (".html", ".csv", ".json")
                and ("Market oversight" in p.read_text(encoding="utf-8", errors="replace")
                     or "provider_risk" in p.read_text(encoding="utf-8", errors="replace"))]


def test_each_manifest_lists_every_source_file_with_sha256_and_rows_loaded_and_rejected(published_site: Site) -> None:
    """Issue 28: `source_files` of each published manifest names every file of the council-month
    (with the reference files in force): its SHA-256 is the landing file's, rows_loaded the raw rows
    from it, rows_rejected the lines raw._rejects holds for it."""
    import hashlib

    with duckdb.connect(str(published_site.warehouse), read_only=True) as con:
        for m in MONTHS:
            manifest = json.loads((published_site.exports / m / "manifest.json").read_text())
            listed = {f["file"]: f for f in manifest["source_files"]}
            month_files = {p.name for p in (published_site.landing / m).iterdir() if p.is_file()}
            assert month_files <= set(listed), month_files - set(listed)
            for name in month_files:
                entry = listed[name]
                assert entry["sha256"] == hashlib.sha256((published_site.landing / m / name).read_bytes()).hexdigest()
                raw = con.execute(f'select count(*) from raw."{entry["file_type"]}" where _file = ?', [name]).fetchone()[0]
                rejected = con.execute("select count(distinct line) from raw._rejects where file = ?", [name]).fetchone()[0]
                assert (entry["rows_loaded"], entry["rows_rejected"]) == (raw, rejected), name
