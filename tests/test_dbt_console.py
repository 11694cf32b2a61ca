"""dbt's console echo goes to the run folder, not the refresh's stdout (orchestration/dbt_console.py)."""
import io
from collections.abc import Iterator

import pytest

from orchestration.dbt_console import stdout_to


def _noisy(n: int) -> Iterator[int]:
    for i in range(n):
        print(f"dbt line {i}")
        yield i


def test_the_producer_prints_to_the_sink_the_consumer_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    sink = io.StringIO()
    got = []
    for event in stdout_to(sink, _noisy(3)):
        print(f"consumer saw {event}")
        got.append(event)
    assert got == [0, 1, 2]
    assert sink.getvalue() == "dbt line 0\ndbt line 1\ndbt line 2\n"
    out = capsys.readouterr().out
    assert "dbt line" not in out and out.count("consumer saw") == 3


def test_an_error_in_the_producer_reaches_the_consumer_and_stdout_is_restored(capsys: pytest.CaptureFixture[str]) -> None:
    def failing() -> Iterator[int]:
        yield 1
        raise RuntimeError("dbt failed")

    sink = io.StringIO()
    with pytest.raises(RuntimeError, match="dbt failed"):
        list(stdout_to(sink, failing()))
    print("after")
    assert capsys.readouterr().out == "after\n"
