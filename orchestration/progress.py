"""Stage-by-stage progress lines for people watching a refresh in a terminal."""
import sys
import time

_START = time.monotonic()


def progress(stage: str, message: str) -> None:
    print(f"[{time.monotonic() - _START:6.1f}s] {stage:<9} {message}", file=sys.stderr, flush=True)


def restart_clock() -> None:
    """Count from now: a refresh forked from a long-lived process (`ascw refresh-region`)
    times its stages from its own start, as a fresh `ascw refresh` does."""
    global _START
    _START = time.monotonic()
