"""The internal market-oversight page (orchestration/oversight.py) from marts.provider_risk_monthly.
The mart's flags, score and rank are dbt unit tests with hand-computed values
(dbt_project/models/marts/oversight/_provider_risk_unit_tests.yml, run by test_dbt_unit_tests.py);
that the refresh writes the page beside the DQ reports and never in exports/ is
tests/test_pipeline_e2e.py."""
import stat
from pathlib import Path

import duckdb

from orchestration.pack.atomic import write_private
from orchestration.oversight import oversight_path, register_rows, render_oversight_html, risk_weights


def _warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("""create table marts.provider_risk_monthly (council_code varchar, month date, provider_key varchar,
        provider_name varchar, cqc_provider_id varchar, locations bigint, council_weekly_spend decimal(18,2),
        council_service_users bigint, largest_market_share_pct double, largest_market varchar, flags varchar,
        risk_score integer, rank bigint)""")
    con.executemany("insert into marts.provider_risk_monthly values (?,?,?,?,?,?,?,?,?,?,?,?,?)", [
        ["E06000023", "2025-04-01", "S2", "Quiet Care Ltd", None, 0, 1500.5, 3, None, None, "", 0, 2],
        ["E06000023", "2025-04-01", "S1", "<script>alert(1)</script> & Sons", "1-101", 2, 12345.67, 9, 40.0,
         "Home Care", "current rating: 1-1 Inadequate; holds 40.0% of the Home Care market", 5, 1],
        ["E06000022", "2025-04-01", "S9", "Other Council's Provider", None, 0, 1.0, 1, None, None, "", 0, 1],
    ])
    return con


def test_the_page_lists_the_council_month_s_register_in_rank_order_escaped() -> None:
    con = _warehouse()
    rows = register_rows(con, "E06000023", "2025-04")
    assert [r["provider_key"] for r in rows] == ["S1", "S2"]
    html = render_oversight_html(rows, "E06000023", "2025-04")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Sons" in html
    assert html.index("&lt;script&gt;") < html.index("Quiet Care Ltd")  # rank 1 first
    assert "£12,345.67" in html and "40.0%" in html and "holds 40.0% of the Home Care market" in html
    assert "Other Council" not in html
    assert "2 providers, 1 flagged" in html and "INTERNAL - not published" in html
    for flag, weight in risk_weights().items():
        assert f"<b>{flag}</b> (weight {weight})" in html
    assert render_oversight_html(rows, "E06000023", "2025-04") == html  # deterministic


def test_a_warehouse_without_the_mart_gets_a_page_saying_so_and_the_page_is_owner_only(tmp_path: Path) -> None:
    con = duckdb.connect()
    assert register_rows(con, "E06000023", "2025-04") is None
    html = render_oversight_html(None, "E06000023", "2025-04", blocked=True)
    assert "could not be built" in html and "blocked by its gate" in html
    path = oversight_path(tmp_path, "E06000023", "2025-04")
    assert path == tmp_path / "oversight" / "E06000023" / "2025-04.html"
    write_private(path, html)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
