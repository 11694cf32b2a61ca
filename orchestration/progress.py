"""Stage-by-stage progress lines for people watching a refresh in a terminal."""
import sys
import time

_START = time.monotonic()


def progress(stage: str, message: str) -> None:
    print(f"[{time.monotonic() - _START:6.1f}s] {stage:<9} {message}", file=sys.stderr, flush=True)
