"""Several months published in turn (orchestration/pack/pipeline.py): each pack rendered in a worker
process while the next is read gives the packs and recorded figures that publishing them one after
another gives; a pack that cannot be written leaves the earlier ones published and records nothing."""
import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import pytest

from orchestration.pack import AlreadyPublished, publish_month
from orchestration.pack import publish as publish_module
from orchestration.pack.pipeline import PackRequest, Renderer, publish_in_turn
from orchestration.pack.sample_marts import COUNCIL, build_sample_marts

MONTHS = ("2025-01", "2025-02", "2025-03")
EXTRA = {"checks": []}


def stamp(month: str) -> dt.datetime:
    return dt.datetime.strptime(month, "%Y-%m").replace(day=5, tzinfo=dt.timezone.utc)


def warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    build_sample_marts(con)
    return con


def digests(exports: Path) -> dict[str, str]:
    return {str(p.relative_to(exports)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(exports.rglob("*")) if p.is_file()}


def recorded(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute("select * exclude (path) from audit.pack_versions order by all").fetchall() + con.execute(
        "select * from audit.published_figures order by all").fetchall()


def requests(exports: Path) -> list[PackRequest]:
    return [PackRequest(m, exports, COUNCIL, EXTRA, stamp(m)) for m in MONTHS]


def test_packs_published_in_turn_equal_packs_published_one_after_another(tmp_path):
    serial, piped = tmp_path / "serial", tmp_path / "piped"
    with warehouse(tmp_path / "a.duckdb") as con:
        for m in MONTHS:
            publish_month(con, m, serial, council=COUNCIL, manifest_extra=EXTRA, published_at=stamp(m))
        expected = recorded(con)
    with warehouse(tmp_path / "b.duckdb") as con:
        renderer = Renderer(len(MONTHS))
        outcomes = list(publish_in_turn(con, requests(piped), renderer))
        assert renderer.in_worker == len(MONTHS)  # rendered by the worker process, not here
        assert [(r.month, o) for r, o in outcomes] == [(m, piped / m) for m in MONTHS]
        assert recorded(con) == expected and len(expected) > 100
        assert digests(piped) == digests(serial) and len(digests(piped)) >= 3 * 15
        again = list(publish_in_turn(con, requests(piped)))  # never overwritten
        assert [type(o) for _, o in again] == [AlreadyPublished] * 3 and recorded(con) == expected


def test_a_pack_that_cannot_be_written_records_nothing_and_the_earlier_ones_stay(tmp_path, monkeypatch):
    real_write = publish_module._write

    def write(target: Path, files, manifest) -> None:
        if target.name == MONTHS[-1]:
            raise OSError(28, "No space left on device")
        real_write(target, files, manifest)

    monkeypatch.setattr(publish_module, "_write", write)
    exports = tmp_path / "exports"
    with warehouse(tmp_path / "w.duckdb") as con:
        outcomes = []
        with pytest.raises(OSError, match="No space"):
            for outcome in publish_in_turn(con, requests(exports)):
                outcomes.append(outcome)
        assert [r.month for r, _ in outcomes] == list(MONTHS[:-1])
        assert sorted(p.name for p in exports.iterdir()) == list(MONTHS[:-1])
        assert con.execute("select distinct month from audit.pack_versions order by 1").fetchall() == [
            (m,) for m in MONTHS[:-1]]
        assert con.execute("select count(*) from audit.published_figures where month = ?",
                           [MONTHS[-1]]).fetchone()[0] == 0
