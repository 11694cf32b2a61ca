"""dbt docs: the project's overview page, and every mart tagged published or internal (issue 30).

Reads the manifest the session's `dbt_manifest` fixture parsed; no build."""
import json
from pathlib import Path

from orchestration.pack.publish import REQUIRED_MARTS
from orchestration.pack.tables import MPS_TABLES

# The marts the pack is written from (tables.py, kpis.py, benchmark.py).
PACK_MARTS = {mart for mart, _ in MPS_TABLES} | set(REQUIRED_MARTS) | {"benchmark_monthly"}


def _marts(manifest: dict) -> dict[str, dict]:
    return {n["name"]: n for n in manifest["nodes"].values()
            if n["resource_type"] == "model" and n["config"].get("schema") == "marts"}


def test_overview_page_replaces_dbts_generic_home_page(dbt_manifest: Path) -> None:
    manifest = json.loads(dbt_manifest.read_text())
    overview = [d for d in manifest["docs"].values() if d["name"] == "__overview__" and d["package_name"] == "ascw"]
    assert len(overview) == 1, "dbt_project/models/overview.md defines {% docs __overview__ %}"
    text = overview[0]["block_contents"]
    for layer in ("Staging", "Intermediate", "Marts", "Published", "Internal"):
        assert layer in text
    for name in _marts(manifest):  # every mart is listed on the page, as published or internal
        assert f"`{name}`" in text, name


def test_every_mart_is_tagged_published_or_internal_and_the_pack_reads_only_published_ones(dbt_manifest: Path) -> None:
    marts = _marts(json.loads(dbt_manifest.read_text()))
    assert PACK_MARTS <= set(marts)
    for name, node in marts.items():
        tags, published = set(node["tags"]), node["config"]["meta"].get("published")
        assert published in (True, False), f"{name}: meta.published not set"
        assert tags & {"published", "internal"} == ({"published"} if published else {"internal"}), name
        if not published:
            assert node["description"].startswith("INTERNAL, NOT PUBLISHED"), name
        assert published == (name in PACK_MARTS), name
