"""The dbt fork server (orchestration/dbt_forkserver.py): `ascw-dbt` through it behaves as `dbt`
(output, exit code, the caller's environment and folder), the run is a child of the server, a
run dies with its launcher, and without a server `ascw-dbt` is plain dbt."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from orchestration import dbt_forkserver as fs
from process_helpers import children_of, is_gone, wait_for

PROJECT = Path(__file__).resolve().parent.parent / "dbt_project"


@pytest.fixture(scope="module")
def server() -> fs.ForkServer:
    """A server of this module's own (not the session's), so its pid is known."""
    saved = os.environ.pop(fs.ENV, None)
    try:
        with fs.running() as started:
            assert started is not None and started.pid is not None
            wait_for(lambda: Path(started.path).exists(), "the server's socket")
            yield started
    finally:
        if saved is not None:
            os.environ[fs.ENV] = saved


def _run(args: list[str], socket_path: str | None, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if k != fs.ENV}
    full.update(env)
    if socket_path:
        full[fs.ENV] = socket_path
    return subprocess.run([fs.launcher_path(), *args], cwd=cwd, env=full, capture_output=True, text=True,
                          timeout=120)



def test_request_round_trip() -> None:
    data = fs.encode_request(["build", "--select", "a b"], {"X": "£1"}, "/tmp/x")
    assert fs.decode_request(data) == (["build", "--select", "a b"], {"X": "£1"}, "/tmp/x")


def test_through_the_server_output_and_exit_codes_are_dbts(server: fs.ForkServer, tmp_path: Path) -> None:
    direct = subprocess.run([fs.real_dbt(), "--version"], capture_output=True, text=True, timeout=120)
    forked = _run(["--version"], server.path, tmp_path)
    assert forked.returncode == direct.returncode == 0
    assert "installed: " in forked.stdout and forked.stdout.splitlines()[:2] == direct.stdout.splitlines()[:2]
    bad = _run(["--no-such-option"], server.path, tmp_path)
    assert bad.returncode == 2 and "No such option" in bad.stderr


def test_the_run_gets_the_callers_environment_and_folder(server: fs.ForkServer, tmp_path: Path) -> None:
    # `dbt debug --config-dir` prints the profiles folder: DBT_PROFILES_DIR from the caller's
    # environment, else the caller's working folder when it holds a profiles.yml.
    given = tmp_path / "given"
    given.mkdir()
    run = _run(["debug", "--config-dir"], server.path, tmp_path, DBT_PROFILES_DIR=str(given))
    assert run.returncode == 0 and str(given) in run.stdout, run.stdout + run.stderr
    here = tmp_path / "here"
    here.mkdir()
    (here / "profiles.yml").write_text("x:\n  target: dev\n  outputs: {dev: {type: duckdb}}\n")
    run = _run(["debug", "--config-dir"], server.path, here)
    assert run.returncode == 0 and str(here) in run.stdout, run.stdout + run.stderr


def test_without_a_server_ascw_dbt_is_plain_dbt(tmp_path: Path) -> None:
    for path in (None, str(tmp_path / "gone.sock")):
        run = _run(["--version"], path, tmp_path)
        assert run.returncode == 0 and "installed: " in run.stdout, run.stderr


def test_a_run_is_the_servers_child_and_dies_with_its_launcher(server: fs.ForkServer, tmp_path: Path) -> None:
    """A full parse of the project takes seconds: long enough to find the run and kill its caller."""
    before = set(children_of(server.pid))
    env = {k: v for k, v in os.environ.items() if k != fs.ENV}
    env.update({fs.ENV: server.path, "ASCW_WAREHOUSE": str(tmp_path / "wh.duckdb")})
    launcher = subprocess.Popen(
        [fs.launcher_path(), "parse", "--no-partial-parse", "--profiles-dir", ".",
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: set(children_of(server.pid)) - before, "the run forked by the server")
        (run_pid,) = set(children_of(server.pid)) - before
        os.kill(launcher.pid, signal.SIGKILL)  # the caller vanishes, as in a killed refresh
        assert launcher.wait(timeout=30) == -signal.SIGKILL, "the run had ended before its launcher was killed"
        wait_for(lambda: is_gone(run_pid), "the orphaned dbt run to stop", timeout=30)
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()


def _parse(server: fs.ForkServer, warehouse: Path, target: Path) -> str:
    done = _run(["parse", "--project-dir", str(PROJECT), "--profiles-dir", str(PROJECT), "--target-path",
                 str(target), "--log-path", str(target), "--log-format-file", "text"],
                server.path, PROJECT, ASCW_WAREHOUSE=str(warehouse))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return (target / "dbt.log").read_text()


def test_a_saved_parse_serves_the_warehouse_file_at_another_path(server: fs.ForkServer, tmp_path: Path) -> None:
    first = tmp_path / "first"
    _parse(server, tmp_path / "a" / "ascw.duckdb", first)
    moved = tmp_path / "moved"
    moved.mkdir()
    (moved / "partial_parse.msgpack").write_bytes((first / "partial_parse.msgpack").read_bytes())
    log = _parse(server, tmp_path / "b" / "ascw.duckdb", moved)
    assert "profile has changed" not in log and "Partial parsing enabled" in log
    # The database name the file implies is still compared: another name parses again.
    other = tmp_path / "other"
    other.mkdir()
    (other / "partial_parse.msgpack").write_bytes((first / "partial_parse.msgpack").read_bytes())
    assert "profile has changed" in _parse(server, tmp_path / "c" / "elsewhere.duckdb", other)


def test_no_part_of_the_dbt_project_reads_the_warehouse_path() -> None:
    # What lets a parse be reused at another path (parse_keyed_on_database_not_file).
    files = [p for p in PROJECT.rglob("*") if p.suffix in (".sql", ".yml", ".yaml", ".md")
             and "target" not in p.relative_to(PROJECT).parts[:1] and p.name != "profiles.yml"]
    assert len(files) > 40
    assert not [p for p in files if "target.path" in p.read_text(encoding="utf-8")]


def test_the_server_reaps_its_runs_so_their_cpu_time_is_counted() -> None:
    """With SIGCHLD ignored the kernel reaped runs and dropped their CPU time from every parent's
    rusage (the benchmark's CPU figures missed dbt); the server now waits for them."""
    def children_cpu() -> float:
        t = os.times()
        return t.children_user + t.children_system

    before = children_cpu()
    pid = os.fork()
    if pid == 0:  # a run: ~0.3 s of CPU, then exit
        end = time.process_time() + 0.3
        while time.process_time() < end:
            pass
        os._exit(0)
    wait_for(lambda: is_gone(pid), "the run to end")
    fs.reap_runs()
    assert children_cpu() - before >= 0.25
    fs.reap_runs()  # nothing left: returns at once


def test_a_killed_caller_leaves_no_server_or_socket_folder_behind(tmp_path: Path) -> None:
    """A refresh killed by SIGKILL never runs `running`'s cleanup: the server, told by the kernel
    that its caller died, removes its socket and private folder itself (they piled up in /tmp)."""
    script = ("import os, sys, time\n"
              "from orchestration import dbt_forkserver as fs\n"
              "os.environ.pop(fs.ENV, None)\n"
              "with fs.running() as server:\n"
              "    print(server.path, server.pid, flush=True)\n"
              "    time.sleep(600)\n")
    caller = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                              cwd=PROJECT.parent)
    try:
        path, pid = caller.stdout.readline().split()
        socket_file = Path(path)
        assert socket_file.parent.name.startswith(fs.FOLDER_PREFIX)
        wait_for(socket_file.exists, "the server's socket")
        caller.kill()
        caller.wait(timeout=30)
        wait_for(lambda: is_gone(int(pid)), "the server to stop", timeout=30)
        wait_for(lambda: not socket_file.parent.exists(), "the server's folder to go", timeout=30)
    finally:
        if caller.poll() is None:
            caller.kill()
            caller.wait()


def test_a_server_killed_with_its_caller_leaves_a_folder_the_next_start_removes() -> None:
    """Killed with its caller's whole process group (SIGKILL to every process), the server cannot
    clean up: the next server's start removes this user's folders whose socket, older than a
    minute, refuses connections, and leaves a live server's, a young one's and one without a socket."""
    with tempfile.TemporaryDirectory(prefix="fs") as short:  # a Unix socket's path: 107 bytes at most
        _check_stale_folder_removal(Path(short))


def _check_stale_folder_removal(tmp_path: Path) -> None:
    def folder_with_socket(name: str, listening: bool, age_s: float) -> tuple[Path, socket.socket]:
        folder = tmp_path / f"{fs.FOLDER_PREFIX}{name}"
        folder.mkdir()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(str(folder / fs.SOCKET_NAME))
        if listening:
            sock.listen(1)
        past = time.time() - age_s
        os.utime(folder / fs.SOCKET_NAME, (past, past))
        return folder, sock

    dead, dead_sock = folder_with_socket("dead", listening=False, age_s=3600)
    live, live_sock = folder_with_socket("live", listening=True, age_s=3600)
    young, young_sock = folder_with_socket("young", listening=False, age_s=0)
    empty = tmp_path / f"{fs.FOLDER_PREFIX}empty"
    empty.mkdir()
    try:
        assert fs.remove_stale_folders(tmp_path) == [dead]
        assert not dead.exists() and live.exists() and young.exists() and empty.exists()
    finally:
        for sock in (dead_sock, live_sock, young_sock):
            sock.close()
