"""dbt without its ~4 s of imports per invocation: a fork server that has imported dbt once.

Every `dbt build` dagster-dbt starts is a new Python process that spends ~4 s (measured on the
2-core build machine: `python -c "import dbt.cli.main, dbt.adapters.duckdb, ..."`) importing dbt,
agate, protobuf and the DuckDB adapter before it reads the project: 15-20% of a council's
monthly refresh, paid again by every council of a region run and every refresh in the tests.

So a refresh (or a region run, or a test session) starts one server process early:

    serve(socket)      binds a Unix socket (mode 0600, in a private folder), imports dbt, then
                       for each request forks a child that runs `dbt <args>` with the caller's
                       stdin/stdout/stderr, environment and working folder, as the `dbt` script
                       would, and reports its exit code.
    launch()           the `ascw-dbt` command dagster-dbt runs instead of `dbt`: it hands its
                       arguments, environment, folder and file descriptors to the server named by
                       ASCW_DBT_FORKSERVER and exits with the run's exit code. SIGINT/SIGTERM/
                       SIGHUP are passed on to the run. With no server (the variable unset, or
                       the socket gone) it simply becomes `dbt` (exec), so the command always
                       works, only slower.

What a run sees is what `dbt` would (but for one thing: a saved partial parse is not thrown away
because the warehouse file moved, see `parse_keyed_on_database_not_file`): a fresh child per run
(no dbt state outlives a run: the server never invokes dbt itself, it only imports it), the caller's environment replacing the
server's, the caller's descriptors as 0/1/2. The server dies with the process that started it
(Linux PR_SET_PDEATHSIG), and a run dies with the server or with a launcher that vanishes, so a
killed refresh leaves no dbt holding the warehouse (the runs also share the refresh's process
group, so `kill -- -<pgid>` reaches them).

This module imports only the standard library at load time: `ascw-dbt` starts in ~50 ms.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ENV = "ASCW_DBT_FORKSERVER"
LAUNCHER = "ascw-dbt"
FOLDER_PREFIX = "ascw-dbt-"  # the private folder (0700) each server's socket lives in
SOCKET_NAME = "dbt.sock"
STALE_AFTER_S = 60.0  # a socket younger than this may be a server between bind and listen
# What `dbt build/test/seed/parse` imports before it touches the project (found with
# `python -X importtime`): importing them here is the whole point of the server.
PRELOAD = (
    "dbt.cli.main",
    "dbt.adapters.duckdb",
    "dbt.adapters.duckdb.impl",
    "dbt.task.build",
    "dbt.task.run",
    "dbt.task.test",
    "dbt.task.seed",
    "dbt.parser.manifest",
    "dbt.compilation",
    "agate",
    "duckdb",
)
NO_STATUS = 1  # exit code when a run ends without reporting one (killed by a signal)
_INT = struct.Struct("!i")


def _recv_exact(conn: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def _die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Linux: send this process `sig` when its parent exits (best effort elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, sig)  # PR_SET_PDEATHSIG


# --- the caller's side ----------------------------------------------------------------------

def encode_request(args: list[str], env: dict[str, str], cwd: str) -> bytes:
    return json.dumps({"args": args, "env": env, "cwd": cwd}).encode()


def decode_request(data: bytes) -> tuple[list[str], dict[str, str], str]:
    req = json.loads(data)
    return list(req["args"]), dict(req["env"]), str(req["cwd"])


def real_dbt() -> str:
    """The `dbt` script beside this interpreter, else the one on PATH."""
    beside = Path(sys.executable).with_name("dbt")
    return str(beside) if beside.exists() else (shutil.which("dbt") or "dbt")


def launcher_path() -> str:
    """`ascw-dbt` beside this interpreter (the venv's), else the name for PATH to resolve."""
    beside = Path(sys.executable).with_name(LAUNCHER)
    return str(beside) if beside.exists() else LAUNCHER


def launch(argv: list[str] | None = None) -> None:
    """`ascw-dbt <dbt args>`: run dbt through the fork server, else become dbt."""
    args = list(sys.argv[1:] if argv is None else argv)
    path = os.environ.get(ENV)
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        if not path:
            raise OSError("no fork server")
        conn.connect(path)
        request = encode_request(args, dict(os.environ), os.getcwd())
        socket.send_fds(conn, [_INT.pack(len(request))], [0, 1, 2])
        conn.sendall(request)
        pid = _INT.unpack(_recv_exact(conn, 4))[0]
    except (OSError, EOFError):
        conn.close()
        dbt = real_dbt()
        os.execv(dbt, [dbt, *args])  # no server: this process becomes dbt

    def forward(signum: int, _frame: object) -> None:
        with contextlib.suppress(OSError):
            os.kill(pid, signum)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, forward)
    try:
        code = _INT.unpack(_recv_exact(conn, 4))[0]
    except (EOFError, ConnectionError):
        sys.stderr.write(f"ascw-dbt: the dbt run (pid {pid}) ended without an exit status (killed?)\n")
        code = NO_STATUS
    sys.exit(code)


# --- the server's side ----------------------------------------------------------------------

def _run_dbt(conn: socket.socket, fds: list[int], args: list[str], env: dict[str, str], cwd: str) -> int:
    """In the forked child: become `dbt <args>` for this request and return its exit code."""
    for target, fd in enumerate(fds[:3]):  # received descriptors are >= 3: 0-2 are open here
        if fd != target:
            os.dup2(fd, target)
            os.close(fd)
    # Sys.std* wrap fds 0-2, now the caller's; recreate them so buffering follows the new files.
    sys.stdin = open(0, closefd=False)  # noqa: SIM115
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    sys.argv = ["dbt", *args]

    def watch_launcher() -> None:  # the caller gone (killed): stop, do not hold the warehouse
        with contextlib.suppress(OSError):
            conn.recv(1)
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch_launcher, daemon=True).start()
    from dbt.cli.main import cli

    try:
        cli.main(args=args, prog_name="dbt")
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 -- printed as dbt's own crash would be
        import traceback

        traceback.print_exc()
        code = 1
    return code


def _child(listener: socket.socket, conn: socket.socket, fds: list[int], request: bytes) -> None:
    listener.close()
    for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    _die_with_parent()  # the server gone (its refresh ended or was killed): stop too
    code = 1
    try:
        conn.sendall(_INT.pack(os.getpid()))
        args, env, cwd = decode_request(request)
        code = _run_dbt(conn, fds, args, env, cwd)
    finally:
        with contextlib.suppress(Exception):
            import atexit

            atexit._run_exitfuncs()  # what a normal exit runs (multiprocessing's semaphores)
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        with contextlib.suppress(OSError):
            conn.sendall(_INT.pack(code))
        os._exit(code)


def parse_keyed_on_database_not_file() -> None:
    """Let a saved partial parse serve a warehouse file at another path.

    dbt parses the whole project again (~5 s) whenever the profile's connection details differ
    from those of the run that saved the parse, and for DuckDB they include the warehouse file's
    path: a copied or moved warehouse, and every refresh of a copy in the tests, paid a full parse.
    Nothing a parse produces depends on the path: no model or macro reads `target.path`
    (tests/test_dbt_forkserver.py checks), and the database name the path implies (the file's
    stem) is its own key and still compared. So, in the runs this server forks, the path is
    left out of the comparison; everything else dbt compares (project files, vars, env vars,
    other connection details, dbt version) is unchanged."""
    from dbt.adapters.duckdb.credentials import DuckDBCredentials

    keys = DuckDBCredentials._connection_keys

    def connection_keys_but_path(self: DuckDBCredentials) -> tuple[str, ...]:
        return tuple(k for k in keys(self) if k != "path")

    DuckDBCredentials._connection_keys = connection_keys_but_path  # type: ignore[method-assign]


def reap_runs(_signum: int = signal.SIGCHLD, _frame: object = None) -> None:
    """Wait for every run that has ended (a SIGCHLD handler; never blocks)."""
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:  # no children left
            return
        if pid == 0:  # the others still running
            return


def _remove_and_exit(path: str) -> None:
    """Remove the server's socket, and its folder when `running` made it, then exit at once."""
    socket_file = Path(path)
    with contextlib.suppress(OSError):
        socket_file.unlink()
    if socket_file.parent.name.startswith(FOLDER_PREFIX):
        with contextlib.suppress(OSError):
            socket_file.parent.rmdir()  # empty now; anything else left in it is not ours to remove
    os._exit(0)


def serve(path: str) -> None:
    """The server: listen first (callers queue while dbt imports), import dbt, fork per request.
    Terminated (by its caller, or by the kernel when its caller dies, even by SIGKILL), it removes
    its socket and the private folder `running` made for it, so a killed refresh leaves no
    `ascw-dbt-*` folder behind."""
    signal.signal(signal.SIGTERM, lambda _signum, _frame: _remove_and_exit(path))
    _die_with_parent(signal.SIGTERM)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        listener.bind(path)
    finally:
        os.umask(old)
    listener.listen(64)
    # Runs are reaped as they end, so that their CPU time counts in this server's (and, once the
    # server is waited for, in the refresh's) children's rusage: with SIGCHLD ignored the kernel
    # reaped them and discarded it, and the benchmark's CPU figures missed every dbt run.
    signal.signal(signal.SIGCHLD, reap_runs)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C reaches the runs, not the server
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    parse_keyed_on_database_not_file()
    while True:
        conn, _ = listener.accept()
        fds: list[int] = []
        try:
            head, fds, _flags, _addr = socket.recv_fds(conn, 4, 3)
            head += _recv_exact(conn, 4 - len(head))
            request = _recv_exact(conn, _INT.unpack(head)[0])
            if len(fds) == 3 and os.fork() == 0:
                _child(listener, conn, fds, request)
        except (OSError, EOFError):
            pass  # a caller that went away mid-request: drop it
        finally:  # the run has its own copies; the server keeps none
            for fd in fds:
                os.close(fd)
            conn.close()


@dataclass(frozen=True)
class ForkServer:
    path: str
    pid: int | None  # None: started by someone else (an enclosing refresh or test session)


def remove_stale_folders(tmp: Path | None = None) -> list[Path]:
    """Remove the folders of servers that died without cleaning up (SIGKILLed with their caller's
    whole process group, as the killed-refresh test and a crash do): this user's `ascw-dbt-*`
    folders whose socket, older than a minute, refuses connections. Returns those removed."""
    removed = []
    for folder in Path(tmp or tempfile.gettempdir()).glob(FOLDER_PREFIX + "*"):
        sock = folder / SOCKET_NAME
        try:
            info = sock.stat()
            if info.st_uid != os.getuid() or time.time() - info.st_mtime < STALE_AFTER_S:
                continue
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
                probe.settimeout(1.0)
                probe.connect(str(sock))
            continue  # a live server
        except ConnectionRefusedError:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        except OSError:  # no socket (yet), not ours, or busy: leave it
            continue
    return removed


@contextlib.contextmanager
def running() -> Iterator[ForkServer | None]:
    """Start a server for the duration of the block (unless one is already set in the
    environment) and point ASCW_DBT_FORKSERVER at it. On platforms without Unix sockets or
    descriptor passing it yields None and dbt runs as usual."""
    if os.environ.get(ENV) and Path(os.environ[ENV]).exists():
        yield ForkServer(os.environ[ENV], None)
        return
    if not hasattr(socket, "send_fds") or not hasattr(os, "fork"):
        yield None
        return
    remove_stale_folders()
    folder = Path(tempfile.mkdtemp(prefix=FOLDER_PREFIX))  # 0700: only this user reaches the socket
    path = str(folder / SOCKET_NAME)
    proc = subprocess.Popen([sys.executable, "-m", "orchestration.dbt_forkserver", path],
                            stdin=subprocess.DEVNULL)
    before = os.environ.get(ENV)
    os.environ[ENV] = path
    try:
        yield ForkServer(path, proc.pid)
    finally:
        if before is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = before
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    serve(sys.argv[1])
