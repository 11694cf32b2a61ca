"""Issue 4's done-when: broken landing months are stopped, with a reason naming the file, column
and check; the previous month's pack is byte-for-byte unchanged; row accounting holds."""
import csv
import io
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from pipeline_helpers import WAITING_MONTHS, Site, tree_digest

pytestmark = pytest.mark.slow
PREV, MONTH = "2024-02", "2024-03"


@pytest.fixture(scope="module")
def published(waiting_site: Site) -> Site:
    """A council whose months up to PREV are published and whose MONTH is waiting (conftest)."""
    assert (PREV, MONTH) == WAITING_MONTHS[-2:]
    return waiting_site


def _edit_csv(path: Path, edit: Callable[[list[str], list[list[str]]], list[list[str]]]) -> None:
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    w.writerows(edit(header, body))
    path.write_text(out.getvalue(), encoding="utf-8")


def _set(column: str, value: str, n: int = 1) -> Callable[[list[str], list[list[str]]], list[list[str]]]:
    def edit(header: list[str], body: list[list[str]]) -> list[list[str]]:
        i = header.index(column)
        for row in body[:n]:
            row[i] = value
        return body
    return edit


def wrong_header(f: Callable[[str], Path]) -> None:
    p = f("controcc_service_lines")
    p.write_text(p.read_text(encoding="utf-8").replace("Weekly Cost", "Weekly Cst", 1), encoding="utf-8")


def unmapped_element(f: Callable[[str], Path]) -> None:
    _edit_csv(f("controcc_service_lines"), _set("Element Code", "ZZ999"))


def payments_do_not_reconcile(f: Callable[[str], Path]) -> None:
    def edit(h: list[str], b: list[list[str]]) -> list[list[str]]:
        a = h.index("Amount")
        for row in b:
            row[a] = f"{float(row[a]) * 3:.2f}"
        return b
    _edit_csv(f("controcc_payments"), edit)


# One defect of each kind end to end: a file the reader cannot take (a wrong header; a truncated
# file is tests/test_readers_csv_io.py's, an undecodable one test_hardening_pipeline.py's), then
# (below) a dbt test and a reconciliation in one month. Each row-level source check is
# tested on its own in test_gates_source.py (duplicate Event Reference, negative cost, unknown
# code, row drop) and end to end in test_hardening_pipeline.py.
DEFECTS = {
    wrong_header: ("controcc_service_lines", "Weekly Cost"),
}


def _blocked_naming(site: Site, capsys: pytest.CaptureFixture[str], *named: tuple[str, str]) -> None:
    """Refresh MONTH: blocked, each (file kind, column) named in a reason, nothing published
    changed, every row accounted for."""
    before = tree_digest(site.exports)

    assert site.refresh("--month", MONTH) != 0

    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Stack Trace" not in err, err  # an outcome, not a crash
    blocked_lines = [line for line in out.splitlines() if line.startswith(" ")]  # the reasons, indented
    for file_kind, column in named:
        assert any(file_kind in line and column in line for line in blocked_lines), out
    assert tree_digest(site.exports) == before, "a published pack changed"
    assert not (site.exports / MONTH).exists()
    con = duckdb.connect(str(site.warehouse), read_only=True)
    bad = con.execute(
        "select file, rows_read, rows_loaded, rows_rejected from raw._load_log "
        "where status <> 'missing' and rows_read <> rows_loaded + rows_rejected").fetchall()
    con.close()
    assert not bad, f"row accounting broken: {bad}"


@pytest.mark.extended  # file-level defects end to end: test_hardening_pipeline.py
@pytest.mark.parametrize("defect", list(DEFECTS), ids=lambda d: d.__name__)
def test_a_broken_month_is_blocked_and_nothing_published_changes(
    defect: Callable[[Callable[[str], Path]], None], published: Site, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    site = published.copy_to(tmp_path)
    defect(lambda kind: site.landing / MONTH / f"{kind}_{MONTH}.csv")
    _blocked_naming(site, capsys, DEFECTS[defect])


def test_a_month_failing_a_dbt_test_and_a_reconciliation_is_blocked_naming_both(
    published: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    """Defects the source checks pass and the build finds (one refresh, both after dbt): an
    element code no rung maps (dbt test) and payments three times the committed cost
    (reconciliation)."""
    site = published.copy_to(tmp_path)
    for defect in (unmapped_element, payments_do_not_reconcile):
        defect(lambda kind: site.landing / MONTH / f"{kind}_{MONTH}.csv")
    _blocked_naming(site, capsys, ("controcc_service_lines", "Element Code"), ("controcc_payments", "Amount"))


def test_the_clean_month_then_publishes(published: Site, published_site: Site) -> None:
    # conftest's `published_site` is `published` with the clean MONTH refreshed (`refresh --month`)
    assert (published_site.exports / MONTH / "manifest.json").is_file()
    assert tree_digest(published_site.exports / PREV) == tree_digest(published.exports / PREV)
