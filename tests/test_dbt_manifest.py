"""The refresh parses the dbt project again exactly when a file dbt reads changed since the
manifest Dagster uses was written (a stale manifest fails the build on an unknown node)."""
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.dbt_manifest import ensure_manifest, manifest_is_current, project_digest


@dataclass
class FakeProject:
    project_dir: Path
    parses: list[str] = field(default_factory=list)

    @property
    def manifest_path(self) -> Path:
        return self.project_dir / "target" / "manifest.json"

    def prepare(self, project: "FakeProject") -> None:
        self.parses.append("parse")
        self.manifest_path.write_text("{}")


def _project(tmp_path: Path) -> FakeProject:
    (tmp_path / "models" / "marts").mkdir(parents=True)
    (tmp_path / "dbt_project.yml").write_text("name: x\n")
    (tmp_path / "models" / "marts" / "m.sql").write_text("select 1\n")
    return FakeProject(tmp_path)


def test_parses_when_missing_then_only_after_a_model_changes(tmp_path: Path) -> None:
    p = _project(tmp_path)
    assert ensure_manifest(p, p.prepare) and p.parses == ["parse"]
    assert not ensure_manifest(p, p.prepare) and p.parses == ["parse"]
    (tmp_path / "models" / "marts" / "m.yml").write_text("models: []\n")  # a new file
    assert ensure_manifest(p, p.prepare) and len(p.parses) == 2
    (tmp_path / "models" / "marts" / "m.sql").write_text("select 2\n")  # an edit
    assert ensure_manifest(p, p.prepare) and len(p.parses) == 3
    assert manifest_is_current(tmp_path, p.manifest_path)


def test_target_and_logs_do_not_count_and_a_manifest_without_digest_is_stale(tmp_path: Path) -> None:
    p = _project(tmp_path)
    before = project_digest(tmp_path)
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "run_results.json").write_text("{}")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "dbt.log").write_text("x")
    assert project_digest(tmp_path) == before
    p.manifest_path.write_text("{}")  # an old manifest, written before digests existed
    assert not manifest_is_current(tmp_path, p.manifest_path)
    assert ensure_manifest(p, p.prepare)


def test_the_digest_follows_names_as_well_as_bytes(tmp_path: Path) -> None:
    _project(tmp_path)
    before = project_digest(tmp_path)
    (tmp_path / "models" / "marts" / "m.sql").rename(tmp_path / "models" / "marts" / "n.sql")
    assert project_digest(tmp_path) != before


def test_the_demo_saves_a_parse_the_warehouses_first_dbt_command_keeps(tmp_path: Path, dbt_manifest: Path) -> None:
    """`ascw demo` parses beside the generator with the new warehouse's profile and saves that
    parse as the warehouse's (`ensure_manifest_for`): its first dbt command then parses nothing
    again (a parse made with another profile is discarded: ~9 s of the demo's dbt build)."""
    import subprocess

    from orchestration.dbt_manifest import PROJECT, dbt_executable, ensure_manifest_for
    from orchestration.dbt_target import PARTIAL_PARSE, run_target_path
    from orchestration.defs.resources import dbt_project

    # the demo's parse needs no dagster-dbt: its light project names the files Dagster's does
    assert (PROJECT.project_dir, PROJECT.manifest_path) == (dbt_project.project_dir, dbt_project.manifest_path)

    warehouse = tmp_path / "wh" / "ascw.duckdb"
    assert ensure_manifest_for(PROJECT, warehouse)  # the manifest is current: a parse for the warehouse alone
    saved = warehouse.parent / "dbt" / PARTIAL_PARSE
    assert saved.is_file() and not list(saved.parent.glob(".parse-*"))
    assert not ensure_manifest_for(PROJECT, warehouse)  # saved already: nothing to do
    target = run_target_path(saved.parent, "first-build")  # as the refresh's dbt build starts
    out = subprocess.run([dbt_executable(), "parse", "--profiles-dir", str(saved.parent), "--target-path", str(target)],
                         cwd=dbt_project.project_dir, capture_output=True, text=True, check=True).stdout
    assert "Running with dbt" in out and "Unable to do partial parsing" not in out, out
