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


def duplicate_event(f: Callable[[str], Path]) -> None:
    _edit_csv(f("las_cld"), lambda h, b: b + [list(b[0])])


def negative_cost(f: Callable[[str], Path]) -> None:
    def edit(h: list[str], b: list[list[str]]) -> list[list[str]]:
        r, u, w = h.index("Unit Rate"), h.index("Planned Units per Week"), h.index("Weekly Cost")
        b[0][r] = "-" + b[0][r].lstrip("-")
        b[0][w] = f"{float(b[0][r]) * float(b[0][u]):.2f}"
        return b
    _edit_csv(f("controcc_service_lines"), edit)


def unknown_code(f: Callable[[str], Path]) -> None:
    _edit_csv(f("las_cld"), _set("Event Type", "Telepathy"))


def unmapped_element(f: Callable[[str], Path]) -> None:
    _edit_csv(f("controcc_service_lines"), _set("Element Code", "ZZ999"))


def payments_do_not_reconcile(f: Callable[[str], Path]) -> None:
    def edit(h: list[str], b: list[list[str]]) -> list[list[str]]:
        a = h.index("Amount")
        for row in b:
            row[a] = f"{float(row[a]) * 3:.2f}"
        return b
    _edit_csv(f("controcc_payments"), edit)


def truncated_file(f: Callable[[str], Path]) -> None:
    p = f("controcc_payments")
    data = p.read_bytes()
    p.write_bytes(data[: len(data) - 40].rstrip(b"\n"))


def row_count_drop(f: Callable[[str], Path]) -> None:
    _edit_csv(f("controcc_service_lines"), lambda h, b: b[: int(len(b) * 0.4)])


DEFECTS = {
    wrong_header: ("controcc_service_lines", "Weekly Cost"),
    duplicate_event: ("las_cld", "Event Reference"),
    negative_cost: ("controcc_service_lines", "Unit Rate"),
    unknown_code: ("las_cld", "Event Type"),
    unmapped_element: ("controcc_service_lines", "Element Code"),
    payments_do_not_reconcile: ("controcc_payments", "Amount"),
    truncated_file: ("controcc_payments", ""),
    row_count_drop: ("controcc_service_lines", "row"),
}


@pytest.mark.parametrize("defect", list(DEFECTS), ids=lambda d: d.__name__)
def test_a_broken_month_is_blocked_and_nothing_published_changes(
    defect: Callable[[Callable[[str], Path]], None], published: Site, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    site = published.copy_to(tmp_path)
    defect(lambda kind: site.landing / MONTH / f"{kind}_{MONTH}.csv")
    before = tree_digest(site.exports)

    assert site.refresh("--month", MONTH) != 0

    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Stack Trace" not in err, err  # an outcome, not a crash
    file_kind, column = DEFECTS[defect]
    blocked_lines = [line for line in out.splitlines() if line.startswith(" ")]  # the reasons, indented
    assert any(file_kind in line and column in line for line in blocked_lines), out
    assert tree_digest(site.exports) == before, "a published pack changed"
    assert not (site.exports / MONTH).exists()
    con = duckdb.connect(str(site.warehouse), read_only=True)
    bad = con.execute(
        "select file, rows_read, rows_loaded, rows_rejected from raw._load_log "
        "where status <> 'missing' and rows_read <> rows_loaded + rows_rejected").fetchall()
    con.close()
    assert not bad, f"row accounting broken: {bad}"


def test_the_clean_month_then_publishes(published: Site, published_site: Site) -> None:
    # conftest's `published_site` is `published` with the clean MONTH refreshed (`refresh --month`)
    assert (published_site.exports / MONTH / "manifest.json").is_file()
    assert tree_digest(published_site.exports / PREV) == tree_digest(published.exports / PREV)
