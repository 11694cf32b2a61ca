"""Helpers for the end-to-end tests: a generated landing directory and a refresh through `ascw`."""
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from orchestration.cli import main as ascw

# The council that the end-to-end modules start from (conftest's `waiting_site`: test_pipeline_e2e,
# test_pipeline_gates_block, test_hardening_pipeline): generated with seed 7 for these months,
# every month but the last published, the last one's folder in the landing and not loaded.
WAITING_MONTHS = ("2024-01", "2024-02", "2024-03")


@dataclass(frozen=True)
class Site:
    landing: Path
    warehouse: Path
    exports: Path

    def refresh(self, *which: str) -> int:
        return ascw(["refresh", *which, "--landing", str(self.landing), "--warehouse", str(self.warehouse),
                     "--exports", str(self.exports)])

    def copy_to(self, dest: Path) -> "Site":
        shutil.copytree(self.landing, dest / "landing")
        shutil.copytree(self.exports, dest / "exports")
        (dest / "warehouse").mkdir()
        shutil.copymode(self.warehouse.parent, dest / "warehouse")  # as `cp -a` of the folder would
        shutil.copy2(self.warehouse, dest / "warehouse" / self.warehouse.name)
        for folder in ("dq_reports", "oversight"):  # the warehouse's DQ reports and oversight pages go with it
            if (self.warehouse.parent / folder).is_dir():
                shutil.copytree(self.warehouse.parent / folder, dest / "warehouse" / folder)
        # The warehouse's saved dbt parse is not copied: dbt would not reuse it, as the profile
        # written beside the copy names another path (dbt's partial parse hashes the connection).
        return Site(dest / "landing", dest / "warehouse" / self.warehouse.name, dest / "exports")


def generate(out: Path, months: int, end_month: str = "2024-03", seed: int = 7) -> None:
    from sources.generator.cli import main as gen

    gen(["--out", str(out), "--months", str(months), "--seed", str(seed), "--end-month", end_month])


def tree_digest(folder: Path) -> dict[str, str]:
    """relative path -> SHA-256 of every file under the folder."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


def mart_digests(warehouse: Path, council: str | None = None) -> dict[str, str]:
    """mart name -> order-independent digest of its rows without `council_code` (only `council`'s
    rows when given): equal digests, equal marts."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        columns: dict[str, list[str]] = {}
        for table, column in con.execute(
            "select table_name, column_name from information_schema.columns"
            " where table_catalog = current_database() and table_schema = 'marts'"
            " order by table_name, ordinal_position"
        ).fetchall():
            columns.setdefault(table, []).append(column)
        digests = {}
        for table, cols in columns.items():
            keep = ", ".join(f'"{c}"' for c in cols if c != "council_code")
            where = f" where council_code = '{council}'" if council and "council_code" in cols else ""
            row = con.execute(
                f'select count(*), coalesce(sum(hash(t)), 0)::varchar from (select {keep} from marts."{table}"{where}) t'
            ).fetchone()
            digests[table] = f"{row[0]} rows, {row[1]}"
        return digests
    finally:
        con.close()
