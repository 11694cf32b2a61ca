"""The analyst path as README.md writes it (issue 30): `ascw sql` on the warehouse (read-only) and on
its Parquet copy, README's commands and queries run as written, every `examples/*.sql` run on both
and giving the same rows; and the headers of a refreshed pack's workbooks are readable labels.
On `published_site` (read-only: `ascw sql` opens the warehouse read-only)."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from orchestration.cli import main as ascw
from orchestration.pack.benchmark import LABELS as BENCHMARK_LABELS
from orchestration.pack.columns import LABELS

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.sql"))
MAY_BE_EMPTY = {"benchmark.sql"}  # no peer group in a warehouse of one council


def analyst_section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text[text.index("## For analysts"):text.index("\n## ", text.index("## For analysts") + 1)]


def readme_commands() -> list[str]:
    block = re.findall(r"```\n(.*?)```", analyst_section(), re.S)[0]
    return [re.split(r"\s{2,}#", line)[0].strip() for line in block.splitlines() if line.startswith("ascw ")]


def readme_queries() -> str:
    return "\n".join(re.findall(r"```sql\n(.*?)```", analyst_section(), re.S))


def sql_csv(capsys, site, *args: str) -> list[str]:
    """`ascw sql --csv` in this process: the header, then the rows sorted (ties may come in either order)."""
    capsys.readouterr()
    assert ascw(["sql", "--warehouse", str(site.warehouse), "--csv", *args]) == 0, capsys.readouterr().err
    lines = capsys.readouterr().out.splitlines()
    return lines[:1] + sorted(lines[1:])


def test_readme_shows_the_sql_shell_and_no_missing_duckdb_command():
    commands = readme_commands()
    assert any(c == "ascw sql" for c in commands) and any("--parquet" in c for c in commands)
    assert not re.search(r"^duckdb ", analyst_section(), re.M)
    assert "'warehouse/marts_parquet/" not in analyst_section()  # no path relative to the repository's root in SQL


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_example_runs_on_the_warehouse_and_on_parquet_alike(example, published_site, capsys):
    on_warehouse = sql_csv(capsys, published_site, str(example))
    on_parquet = sql_csv(capsys, published_site, "--parquet", str(example))
    assert on_warehouse == on_parquet
    assert on_warehouse[0].startswith("council_code,")
    assert len(on_warehouse) > 1 or example.name in MAY_BE_EMPTY


def test_readmes_queries_run_on_the_warehouse_and_on_parquet_alike(published_site, capsys):
    queries = readme_queries()
    assert queries.count("marts.") >= 3
    assert sql_csv(capsys, published_site, "-c", queries) == sql_csv(capsys, published_site, "--parquet", "-c", queries)


def test_readmes_commands_run_as_written_from_another_folder(published_site, tmp_path):
    """Each `ascw sql` line of README's block, by the shell, in a folder that is not the repository
    (with a copy of examples/ for the line that names one): SQL on standard input for the prompt."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
           "ASCW_WAREHOUSE": str(published_site.warehouse)}
    if not (bin_dir / "ascw").exists():  # not run from the project's environment: the module instead
        env["PATH"] = f"{tmp_path / 'bin'}{os.pathsep}{env['PATH']}"
        (tmp_path / "bin").mkdir()
        (tmp_path / "bin" / "ascw").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m orchestration.cli "$@"\n')
        (tmp_path / "bin" / "ascw").chmod(0o755)
    for command in readme_commands():
        done = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True,
                              input="select count(*) as kpi_rows from marts.kpi_monthly;\n", timeout=120)
        assert done.returncode == 0, (command, done.stderr)
        assert done.stdout.strip(), command
        if command in ("ascw sql", "ascw sql --parquet"):
            assert "kpi_rows" in done.stdout


def test_a_missing_parquet_copy_or_warehouse_is_named(tmp_path, capsys):
    assert ascw(["sql", "--warehouse", str(tmp_path / "none.duckdb"), "-c", "select 1"]) == 2
    assert "no warehouse at" in capsys.readouterr().err
    assert ascw(["sql", "--warehouse", str(tmp_path / "none.duckdb"), "--parquet", "-c", "select 1"]) == 2
    assert "no Parquet copy" in capsys.readouterr().err


def test_a_refreshed_packs_headers_are_readable_labels(published_site):
    readable = {*LABELS.values(), *BENCHMARK_LABELS.values(), "Revised [r]", "Sheet", "Table", "CSV file"}
    pack = sorted(p for p in published_site.exports.iterdir() if p.is_dir())[-1]
    for name in ("mps_tables.xlsx", "kpi_pack.xlsx"):
        for ws in openpyxl.load_workbook(pack / name, read_only=False).worksheets:
            header = [c.value for c in ws[int(ws.freeze_panes[1:]) - 1] if c.value is not None]
            assert ws.auto_filter.ref, (name, ws.title)
            assert not [h for h in header if h not in readable], (name, ws.title)
