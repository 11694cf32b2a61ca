"""The `ascw` console script's quick exit keeps the exit code, the output and the atexit handlers."""
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import atexit, sys
atexit.register(lambda: print("atexit handler ran", flush=True))
sys.argv = ["ascw", *sys.argv[1:]]
from orchestration.cli import entry_point
print("buffered line, not flushed yet", end="")
entry_point()
"""


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", SCRIPT, *args], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120)


def test_a_usage_error_exits_2_with_its_message_and_the_handlers_run(tmp_path: Path) -> None:
    done = _run("refresh", "--month", "2024-13", "--landing", str(tmp_path),
                "--warehouse", str(tmp_path / "w.duckdb"), "--exports", str(tmp_path / "x"))
    assert done.returncode == 2, done.stderr
    assert "2024-13" in done.stderr
    assert "buffered line, not flushed yet" in done.stdout
    assert "atexit handler ran" in done.stdout


def test_the_pyproject_console_script_is_the_quick_exit() -> None:
    text = (PROJECT_ROOT / "pyproject.toml").read_text()
    assert 'ascw = "orchestration.cli:entry_point"' in text
