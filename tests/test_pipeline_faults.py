"""A refresh killed during dbt, then rerun on a disk that fills up while the pack is written.

Its own module so that it is handed to a worker late (tests/conftest.py's LONGEST_FIRST): it
compares the rerun with `published_site`, which the other worker builds meanwhile, instead of
waiting for it. The other faults (an analyst's read-only session, bad extracts) are in
test_hardening_pipeline.py.
"""
from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from orchestration.pack import atomic
from orchestration.settings import PROJECT_ROOT
from pipeline_helpers import WAITING_MONTHS, Site, mart_digests, tree_digest
from process_helpers import live_in_group, wait_for

pytestmark = pytest.mark.slow
PREV, MONTH = WAITING_MONTHS[-2:]


@pytest.fixture(scope="module")
def published(waiting_site: Site) -> Site:
    """Every month up to PREV published; MONTH's folder in the landing, not loaded (conftest)."""
    return waiting_site


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("DAGSTER_HOME", None)  # the instance beside the warehouse, as the in-process refreshes
    return env



def test_a_refresh_killed_during_dbt_then_rerun_on_a_full_disk_leaves_every_pack_whole(
    published: Site, published_site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The monthly refresh of MONTH killed while dbt rebuilds the marts of a warehouse that has
    them, then run again on a disk that fills up while the pack is written: the rerun's marts
    equal those of the uninterrupted refresh (`published_site`: the same site with MONTH refreshed
    once), the disk error is one line, and no pack is half-written (the kill's leftover temporary
    folder is cleared too) or changed. Last in the module: `published_site` is built meanwhile by
    the other worker."""
    site = published.copy_to(tmp_path)
    before = tree_digest(site.exports)
    cmd = [
        sys.executable, "-m", "orchestration.cli", "refresh", "--month", MONTH, "--landing", str(site.landing),
        "--warehouse", str(site.warehouse), "--exports", str(site.exports),
    ]
    proc = subprocess.Popen(
        cmd, cwd=PROJECT_ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True, start_new_session=True,
    )
    watchdog = threading.Timer(600, lambda: os.killpg(proc.pid, signal.SIGKILL))
    watchdog.start()
    seen: list[str] = []
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            seen.append(line)
            if "dbt build" in line and "dbt " in line:
                time.sleep(3)  # let dbt write part of the warehouse
                break
        else:
            pytest.fail("the refresh ended before dbt started:\n" + "".join(seen[-20:]))
        os.killpg(proc.pid, signal.SIGKILL)  # the refresh and its dbt child, as a crash would
        assert proc.wait(timeout=60) == -signal.SIGKILL
        # Only the refresh itself is waited for above; its dbt child (a grandchild, holding the
        # warehouse's lock) is killed too but may still be exiting. Rerunning before it has gone
        # gets "open in another process" (exit 3, tested below), not a rerun after a crash.
        wait_for(lambda: not live_in_group(proc.pid), "the killed refresh's processes to exit")
    finally:
        watchdog.cancel()
        if proc.stderr is not None:
            proc.stderr.close()
    assert not (site.exports / MONTH).exists(), "killed before publishing, yet published"
    # and what a kill during publishing leaves: a half-written temporary pack folder
    stale = site.exports / f".tmp-{MONTH}-0badc0de"
    stale.mkdir(parents=True)
    (stale / "kpi_pack.xlsx").write_bytes(b"PK\x03\x04 half written")

    real_write = atomic.write_bytes_durable
    attempts: list[Path] = []

    def disk_full_for_month(path: Path, data: bytes) -> None:
        if path.parent.name.startswith(f".tmp-{MONTH}-"):
            attempts.append(path)
            if len(attempts) >= 2:  # one file already written: a half-written pack exists
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real_write(path, data)

    monkeypatch.setattr(atomic, "write_bytes_durable", disk_full_for_month)

    assert site.refresh("--month", MONTH) != 0

    err = capsys.readouterr().err
    assert len(attempts) == 2, "the publish step never reached the disk"
    assert os.strerror(errno.ENOSPC) in err
    assert not (site.exports / MONTH).exists()
    assert not list(site.exports.glob(".tmp-*")), "temporary publish folder left behind"
    assert tree_digest(site.exports) == before
    # Publishing once space is freed is a rerun like the one above (its pack: published_site's).
    assert mart_digests(site.warehouse) == mart_digests(published_site.warehouse)
