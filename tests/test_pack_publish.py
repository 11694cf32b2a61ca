"""publish_month end to end on a small hand-made `marts` schema (orchestration/pack/sample_marts.py)."""
import csv
import datetime as dt
import errno
import io
import json
import re
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest

from orchestration.pack import AlreadyPublished, PackError, atomic, publish_month
from orchestration.pack.manifest import sha256
from orchestration.pack.sample_marts import COUNCIL, build_sample_marts
from orchestration.pack.tables import TIER3_RUNGS, TIER3_TOTAL
from orchestration.pack.xlsx_writer import BODY, BODY_RIGHT, body_style

MONTH = "2025-03"
EXTRA = {
    "source_files": [{"file_type": "las_cld", "file": "las_cld_2025-03.csv", "sha256": "ab" * 32, "rows_read": 10}],
    "checks": [{"name": "cld_required_columns", "severity": "ERROR", "passed": True}],
}
MPS_CSVS = ["mps_01_care_ladder.csv", "mps_02_provider_concentration.csv", "mps_03_client_base.csv",
            "mps_04_older_people_service_type.csv", "mps_05_cqc_market.csv", "mps_06_cqc_market_changes.csv",
            "mps_07_demography.csv", "mps_08_population_projections.csv", "mps_09_care_home_admissions.csv",
            "mps_10_dps_lot_demand.csv"]
STAMP = dt.datetime(2025, 4, 2, 6, 0, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    with duckdb.connect(str(path)) as con:
        build_sample_marts(con)
    return path


@pytest.fixture()
def con(warehouse):
    c = duckdb.connect(str(warehouse), read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def pack(warehouse, tmp_path_factory) -> Path:
    exports = tmp_path_factory.mktemp("exports")
    with duckdb.connect(str(warehouse), read_only=True) as c:
        return publish_month(c, MONTH, exports, council=COUNCIL, manifest_extra=EXTRA, published_at=STAMP)


def read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_every_file_is_written(pack):
    names = {p.name for p in pack.iterdir()}
    assert pack.name == MONTH
    assert {"kpi_pack.xlsx", "kpi_monthly.csv", "mps_tables.xlsx", "report.html", "manifest.json", *MPS_CSVS} == names
    assert not [p for p in pack.parent.iterdir() if p.name.startswith(".tmp-")]


def test_workbooks_have_one_sheet_per_table_and_council_formatting(pack):
    mps = openpyxl.load_workbook(pack / "mps_tables.xlsx")
    assert mps.sheetnames[0] == "Contents" and len(mps.sheetnames) == 1 + len(MPS_CSVS)
    ws = mps["1 Care ladder"]
    assert ws["A1"].value.startswith("Table 1: The care ladder") and ws["A1"].font.bold
    texts = [ws.cell(row=r, column=1).value or "" for r in range(1, 12)]
    assert any(t.startswith("Units:") for t in texts) and any(t.startswith("Source:") for t in texts)
    assert any("[c] = suppressed (1-4 people" in t for t in texts)
    header_row = int(ws.freeze_panes[1:]) - 1
    header = [c.value for c in ws[header_row]]
    assert "Spend in month (£)" in header and "% of Tier 3 spend" in header
    spend = ws.cell(row=header_row + 1, column=header.index("Spend in month (£)") + 1)
    pct = ws.cell(row=header_row + 1, column=header.index("% of Tier 3 spend") + 1)
    assert spend.number_format == "£#,##0.00" and isinstance(spend.value, (int, float))
    assert pct.number_format == "0.0"
    assert all(ws.column_dimensions[c].width >= 10 for c in "ABCDEFGHIJ")
    kpi = openpyxl.load_workbook(pack / "kpi_pack.xlsx")
    assert kpi.sheetnames == ["Contents", "KPIs", "Trend", "Definitions"]
    assert kpi["KPIs"].freeze_panes is not None


def test_a_data_cells_style_follows_its_value_and_kind():
    assert body_style(1234.5, "money") == "Pack money" and body_style(7, "count") == "Pack count"
    assert body_style("[c]", "count") == BODY_RIGHT and body_style("[z]", "text") == BODY_RIGHT
    assert body_style("Nursing", "text") == BODY and body_style("2024-03-31", "date") == BODY


def test_care_ladder_primary_and_secondary_suppression(pack):
    rows = read_csv(pack / "mps_01_care_ladder.csv")
    cell = {(r["care_ladder_rung"], r["age_band"]): r for r in rows}
    # Extra Care Housing 18-64 has 3 people in the month: primary. Its 65+ count would give it away
    # by subtraction from the published All row, so it is suppressed too, and so is its share.
    assert cell[("Extra Care Housing", "18-64")]["service_users"] == "[c]"
    assert cell[("Extra Care Housing", "65+")]["service_users"] == "[c]"
    assert cell[("Extra Care Housing", "All")]["service_users"] not in ("[c]", "")
    assert cell[("Extra Care Housing", "18-64")]["pct_activity"] == "[c]"
    for col in ("service_users", "active_lines"):  # no equation is left with exactly one hidden cell
        for rung in {r["care_ladder_rung"] for r in rows}:
            group = [cell[(rung, b)][col] for b in ("18-64", "65+", "All") if (rung, b) in cell]
            assert group.count("[c]") != 1, (rung, col)
        for band in ("18-64", "65+", "All"):
            group = [cell[(r, band)][col] for r in (*TIER3_RUNGS, TIER3_TOTAL)]
            assert group.count("[c]") != 1, (band, col)
    published = [int(r["service_users"]) for r in rows if r["service_users"] != "[c]"]
    assert not [v for v in published if 1 <= v <= 4]


def test_annual_tables_and_kpis_are_suppressed(pack):
    base = {(r["financial_year"], r["client_category"]): r for r in read_csv(pack / "mps_03_client_base.csv")}
    assert base[("2024/25", "Physical Disability, Hearing & Vision")]["people"] == "[c]"
    assert base[("2024/25", "Physical Disability, Hearing & Vision")]["average_cost"] == "[c]"
    year = [r["people"] for (fy, cat), r in base.items() if fy == "2024/25" and cat != "Total"]
    assert year.count("[c]") == 2 and base[("2024/25", "Total")]["people"] == "2252"
    assert {fy for fy, _ in base} == {"2022/23", "2023/24", "2024/25"}
    adm = {(r["financial_year"], r["age_band"]): r for r in read_csv(pack / "mps_09_care_home_admissions.csv")}
    assert adm[("2023/24", "18-64")]["admissions"] == "[c]" and adm[("2023/24", "18-64")]["per_100k"] == "[c]"
    dps = read_csv(pack / "mps_10_dps_lot_demand.csv")
    assert [r["packages"] for r in dps if r["lot"] == "1"] == ["[c]"]
    kpis = {(r["month"], r["kpi_code"], r["age_band"]): r for r in read_csv(pack / "kpi_monthly.csv")}
    home = kpis[("2025-03-01", "LTC_AT_HOME", "18-64")]  # 97 of 100: 3 people not at home
    assert (home["numerator"], home["value"], home["rag"], home["denominator"]) == ("[c]", "[c]", "[c]", "100")
    contact = kpis[("2025-03-01", "CONTACT_TO_TIER3", "65+")]
    assert contact["numerator"] == "[c]" and contact["value"] == "[c]"
    assert kpis[("2025-02-01", "CONTACT_TO_TIER3", "65+")]["value"] == "7.5"
    assert kpis[("2025-03-01", "CQC_GOOD_OR_BETTER", "18-64")]["numerator"] == "3"  # locations: not people
    assert {m for m, _, _ in kpis} == {"2025-01-01", "2025-02-01", "2025-03-01"}


def test_published_rounding_in_csvs(pack):
    ladder = read_csv(pack / "mps_01_care_ladder.csv")
    for r in ladder:
        for col in ("pct_spend", "pct_activity"):
            assert r[col] in ("[c]", "[z]") or len(r[col].split(".")[1]) == 1
        assert r["spend"] == "[c]" or re.fullmatch(r"\d+\.\d{2}", r["spend"])  # pounds and pence
    conc = read_csv(pack / "mps_02_provider_concentration.csv")
    assert "largest_supplier_id" not in conc[0]
    assert {r["single_supplier_dependency"] for r in conc} <= {"Yes", "No", "[c]", "[z]"}  # [z]: Tier 2, single provider


def test_direct_payment_recipients_are_people_in_the_concentration_table(pack):
    conc = {r["care_ladder_rung"]: r for r in read_csv(pack / "mps_02_provider_concentration.csv")}
    # The sample's Direct Payments market has 1 supplier: a person, whose share of the market
    # (and so the shares, HHI and dependency flag) must not be published; the spend is money.
    dp = conc["Direct Payments"]
    assert [dp[c] for c in ("providers", "top5_share_pct", "hhi", "largest_supplier_share_pct",
                            "single_supplier_dependency")] == ["[c]"] * 5
    assert dp["providers_in_area"] == "0"  # zero people is published
    assert dp["spend"] != "[c]"
    # Other markets with 1-4 providers (3 Adult Placement carers) are organisations: published.
    assert conc["Adult Placement"]["providers"] == "3" and conc["Adult Placement"]["hhi"] != "[c]"


def test_a_market_of_fewer_than_two_providers_says_single_provider(pack):
    conc = {r["care_ladder_rung"]: r for r in read_csv(pack / "mps_02_provider_concentration.csv")}
    # The mart's Reablement market: 1 provider, HHI 10,000 and null shares; published as one story.
    reablement = conc["Reablement"]
    assert [reablement[c] for c in ("top5_share_pct", "hhi", "largest_supplier_share_pct",
                                    "single_supplier_dependency")] == ["[z]"] * 4
    assert reablement["providers"] == "1" and reablement["market_note"].startswith("Single provider")
    assert conc["Short Term Care"]["hhi"] == "2320" and "Tier 2" in conc["Short Term Care"]["market_note"]
    assert "recipients" in conc["Direct Payments"]["market_note"]
    assert conc["Nursing"]["market_note"] == "" and conc["Nursing"]["hhi"] == "1000"


def test_kpis_say_which_direction_is_better(pack):
    kpis = read_csv(pack / "kpi_monthly.csv")
    header = list(kpis[0])
    assert header[:11] == ["month", "kpi_code", "kpi", "age_band", "value", "unit", "target", "rag", "numerator",
                           "denominator", "direction"]
    by_code = {r["kpi_code"]: r["direction"] for r in kpis}
    assert by_code["LTC_USERS"] == "Lower is better" and by_code["FEEL_SAFE"] == "Higher is better"


def test_manifest_contents(pack):
    manifest = json.loads((pack / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["period"] == MONTH and manifest["council"] == COUNCIL
    assert manifest["published_at"] == "2025-04-02T06:00:00Z"
    assert manifest["source_files"] == EXTRA["source_files"] and manifest["checks"] == EXTRA["checks"]
    assert {"python", "duckdb", "dbt-core", "dagster", "great_expectations", "pandas"} <= set(manifest["tool_versions"])
    files = {f["name"]: f for f in manifest["files"]}
    assert set(files) == {p.name for p in pack.iterdir()} - {"manifest.json"}
    for name, entry in files.items():
        assert entry["sha256"] == sha256((pack / name).read_bytes())
    supp = {(s["table"], s["column"]): s for s in manifest["suppression"]}
    assert supp[("mps_01_care_ladder.csv", "service_users")]["cells_suppressed"] >= 2
    assert supp[("mps_01_care_ladder.csv", "service_users")]["secondary"] >= 1


def test_no_person_level_data_or_internal_mart_is_published(pack):
    blobs = []
    for p in pack.iterdir():
        if p.suffix == ".xlsx":
            with zipfile.ZipFile(p) as z:
                blobs += [z.read(n).decode("utf-8", "replace") for n in z.namelist()]
        else:
            blobs.append(p.read_text(encoding="utf-8"))
    text = "\n".join(blobs)
    for secret in ("a9f3c2e1d4b5", "987654", "person_id", "SUP0026", "high_cost"):
        assert secret not in text


def test_same_marts_give_identical_files(warehouse, tmp_path, con):
    a = publish_month(con, MONTH, tmp_path / "a", council=COUNCIL, manifest_extra=EXTRA, published_at=STAMP)
    b = publish_month(con, MONTH, tmp_path / "b", council=COUNCIL, manifest_extra=EXTRA,
                      published_at=STAMP + dt.timedelta(days=3))
    sa, sb = snapshot(a), snapshot(b)
    assert sa.keys() == sb.keys()
    for name in sa:
        if name != "manifest.json":
            assert sa[name] == sb[name], name
    ma, mb = json.loads(sa["manifest.json"]), json.loads(sb["manifest.json"])
    assert ma.pop("published_at") != mb.pop("published_at")
    assert ma == mb


def test_an_existing_month_is_never_overwritten(warehouse, tmp_path, con):
    first = publish_month(con, MONTH, tmp_path, council=COUNCIL, manifest_extra=EXTRA, published_at=STAMP)
    before = snapshot(first)
    with pytest.raises(AlreadyPublished):
        publish_month(con, MONTH, tmp_path, council=COUNCIL, manifest_extra={"checks": ["different"]})
    assert snapshot(first) == before
    assert [p.name for p in tmp_path.iterdir()] == [MONTH]
    (tmp_path / "2025-02").mkdir()  # even an empty folder is never replaced
    with pytest.raises(AlreadyPublished):
        publish_month(con, "2025-02", tmp_path, council=COUNCIL, manifest_extra=EXTRA)
    assert list((tmp_path / "2025-02").iterdir()) == []


def test_disk_full_mid_write_leaves_nothing_behind(warehouse, tmp_path, con, monkeypatch):
    earlier = publish_month(con, "2025-02", tmp_path, council=COUNCIL, manifest_extra=EXTRA, published_at=STAMP)
    before = snapshot(earlier)
    real = atomic.write_bytes_durable
    calls = []

    def failing(path, data):
        calls.append(path)
        if len(calls) == 4:
            real(path, data[: len(data) // 2])  # a half-written file, then the disk is full
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path, data)

    monkeypatch.setattr(atomic, "write_bytes_durable", failing)
    with pytest.raises(OSError) as exc:
        publish_month(con, MONTH, tmp_path, council=COUNCIL, manifest_extra=EXTRA)
    assert exc.value.errno == errno.ENOSPC and len(calls) == 4
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2025-02"]  # no month folder, no .tmp- folder
    assert snapshot(earlier) == before


def test_bad_month_and_missing_marts(tmp_path, con):
    with pytest.raises(PackError):
        publish_month(con, "2025-13", tmp_path, council=COUNCIL, manifest_extra={})
    with duckdb.connect() as empty:
        empty.execute("create schema marts")
        with pytest.raises(PackError):
            publish_month(empty, MONTH, tmp_path, council=COUNCIL, manifest_extra={})
    assert list(tmp_path.iterdir()) == []


def test_a_month_without_rows_still_publishes_headers(warehouse, tmp_path, con):
    out = publish_month(con, "2024-12", tmp_path, council=COUNCIL, manifest_extra=EXTRA, published_at=STAMP)
    header = (out / "mps_01_care_ladder.csv").read_text(encoding="utf-8").splitlines()
    assert header == ["care_ladder_rung,tier,age_band,service_users,active_lines,weekly_cost,spend,pct_spend,"
                      "pct_activity,weekly_hours,revised"]  # revised: the revisions policy's [r] column
    assert "<svg" in (out / "report.html").read_text(encoding="utf-8")


def test_rename_noreplace_never_replaces_even_an_empty_folder(tmp_path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    (src / "f").write_text("x")
    dst.mkdir()
    with pytest.raises(FileExistsError):
        atomic.rename_noreplace(src, dst)
    assert (src / "f").exists() and list(dst.iterdir()) == []
    dst.rmdir()
    atomic.rename_noreplace(src, dst)
    assert (dst / "f").read_text() == "x" and not src.exists()


def test_a_month_published_while_staging_raises_already_published(tmp_path):
    target = tmp_path / MONTH
    with pytest.raises(AlreadyPublished):
        with atomic.staged_folder(target) as tmp:
            (tmp / "a.csv").write_text("x")
            target.mkdir()  # another run won the race
    assert [p.name for p in tmp_path.iterdir()] == [MONTH] and list(target.iterdir()) == []


def test_financial_years_are_those_ended_by_the_period(tmp_path, con):
    out = publish_month(con, "2025-01", tmp_path, council=COUNCIL, manifest_extra=EXTRA, published_at=STAMP)
    base = read_csv(out / "mps_03_client_base.csv")
    assert sorted({r["financial_year"] for r in base}) == ["2022/23", "2023/24"]  # 2024/25 ends after Jan 2025
    assert {r["status"] for r in base if r["financial_year"] == "2022/23"} == {"Part year (9 of 12 months loaded)"}
    assert {r["status"] for r in base if r["financial_year"] == "2023/24"} == {"Final"}
    assert "months_loaded" not in base[0]
    admissions = read_csv(out / "mps_09_care_home_admissions.csv")
    assert {r["financial_year"]: r["status"] for r in admissions} == {
        "2022/23": "Part year (9 of 12 months loaded)", "2023/24": "Final"}
