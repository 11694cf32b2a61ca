"""A warehouse of the earlier one-council layout is brought to the council-keyed layout in place."""
from pathlib import Path

import duckdb

from orchestration.decisions import read_outcomes
from orchestration.gates.results import load_results
from orchestration.partitions_key import Part
from orchestration.warehouse_upgrade import needs_upgrade, upgrade_to_council_key
from sources.contracts import FILE_TYPES, raw_ddl

OLD_DECISIONS = """
create schema if not exists audit;
create table audit.gate_decisions (month varchar primary key, blocked boolean, reasons varchar[], decided_at timestamp);
create table audit.publications (month varchar primary key, status varchar, path varchar, published_at timestamp);
create table audit.check_results (month date, name varchar, target varchar, severity varchar, passed boolean,
  skipped boolean, message varchar, file varchar, "column" varchar, examples json, observed json, recorded_at timestamp);
create table audit.reference_check_results (file_type varchar, fingerprint varchar, results json, computed_at timestamp);
"""


def _old_warehouse(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute("create schema raw")
    for ft in FILE_TYPES.values():  # the raw tables of the earlier layout: no `_council`
        con.execute(raw_ddl(ft).replace('  "_council" VARCHAR,\n', ""))
    con.execute('insert into raw.las_cld ("LA Code", "Event Reference", _month) values '
                "('E06000022', 'E1', date '2024-03-01'), ('E06000022', 'E2', date '2024-03-01')")
    con.execute("create table raw._load_log (load_id varchar, file_type varchar, month date, file varchar, path varchar,"
                " sha256 varchar, rows_read bigint, rows_loaded bigint, rows_rejected bigint, status varchar,"
                " message varchar, loaded_at timestamp)")
    con.execute(OLD_DECISIONS)
    con.execute("insert into audit.gate_decisions values ('2024-03', false, [], now())")
    con.execute("insert into audit.publications values ('2024-03', 'published', '/x/2024-03', now())")
    con.execute("insert into audit.check_results values (date '2024-03-01', 'a', 'raw.x', 'ERROR', true, false,"
                " 'm', null, null, '[]', '{}', now())")
    con.close()


def test_an_old_warehouse_is_upgraded_once_with_its_own_council(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    _old_warehouse(path)
    con = duckdb.connect(str(path))
    assert needs_upgrade(con)
    assert "E06000022" in upgrade_to_council_key(con)
    assert not needs_upgrade(con) and upgrade_to_council_key(con) is None
    assert con.execute("select distinct _council from raw.las_cld").fetchall() == [("E06000022",)]
    assert con.execute("select count(*) from raw.controcc_payments").fetchone()[0] == 0
    part = Part("E06000022", "2024-03")
    assert [r.name for r in load_results(con, part)] == ["a"]
    assert con.execute("select council_code, status from audit.publications").fetchall() == [("E06000022", "published")]
    assert con.execute("select count(*) from duckdb_tables() where table_name = 'reference_check_results'").fetchone()[0] == 0
    assert list(read_outcomes(con, [part], __import__("datetime").datetime(2000, 1, 1))) == [part]
    con.close()


def test_a_new_warehouse_needs_no_upgrade(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "new.duckdb"))
    assert not needs_upgrade(con) and upgrade_to_council_key(con, "E06000023") is None
