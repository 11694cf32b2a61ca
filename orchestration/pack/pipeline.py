"""Publish several council-months in turn, each pack rendered in a worker process while the
next one is read from the warehouse.

A pack's publication is read (DuckDB queries: `prepare_pack`), render (the workbooks, CSVs and
report: pure Python on the pack, ~70% of the time) and write (`complete`). One after another
they leave a core idle on a backfill; here a worker process renders pack N while this process
reads pack N+1 (docs/BENCHMARKS.md, 2026-12-08: the demo's 13 packs).

The order of what each pack sees is kept: pack N's figures are recorded (`start_recording`, in
its transaction) before pack N+1 is read on the same connection, so N+1's revision marks
(revisions.py) compare against N as they would one after another, and N's transaction is
committed only once its folder is in place (`complete`); the next pack's figures are recorded
after that. A worker that cannot run (or dies) leaves the rendering to this process.
"""
from __future__ import annotations

import datetime as dt
import multiprocessing
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from orchestration.pack.atomic import AlreadyPublished
from orchestration.pack.publish import (
    Pack, PreparedPack, abandon, complete, prepare_pack, render_files, start_recording,
)


@dataclass(frozen=True)
class PackRequest:
    month: str
    exports_dir: Path
    council: str
    manifest_extra: Mapping[str, Any]
    published_at: dt.datetime | None = None  # None: when it is published


Outcome = Path | AlreadyPublished


class Renderer:
    """`render_files` in one worker process (spawned: a fork would copy DuckDB's threads), or here
    when there is a single pack or the worker is unavailable."""

    def __init__(self, packs: int) -> None:
        self.in_worker = 0  # packs the worker rendered
        self._pool: ProcessPoolExecutor | None = None
        if packs > 1:
            try:
                self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
                self._pool.submit(_warm)  # its imports (openpyxl, the report) while the first pack is read
            except (OSError, RuntimeError):
                self._pool = None

    def submit(self, pack: Pack) -> Future[dict[str, bytes]] | dict[str, bytes]:
        if self._pool is not None:
            try:
                return self._pool.submit(render_files, pack)
            except (BrokenProcessPool, RuntimeError):
                self._pool = None
        return render_files(pack)

    def result(self, pending: Future[dict[str, bytes]] | dict[str, bytes], pack: Pack) -> dict[str, bytes]:
        if isinstance(pending, dict):
            return pending
        try:
            files = pending.result()
        except BrokenProcessPool:  # the worker died (killed, out of memory): render here instead
            self._pool = None
            return render_files(pack)
        self.in_worker += 1
        return files

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


def _warm() -> None:
    """Nothing: the worker has imported this module, and with it the renderers."""


def publish_in_turn(con: duckdb.DuckDBPyConnection, requests: Sequence[PackRequest],
                    renderer: Renderer | None = None) -> Iterator[tuple[PackRequest, Outcome]]:
    """Publish each request's month (`publish_month`'s rules: never overwritten, all or nothing),
    yielding its outcome in order: the pack's folder, or AlreadyPublished. Each outcome is yielded
    after its pack is committed and before the next pack's figures are recorded."""
    renderer = renderer or Renderer(len(requests))
    pending: tuple[PackRequest, PreparedPack, Future[dict[str, bytes]] | dict[str, bytes]] | None = None
    try:
        for request in requests:
            try:  # read inside the pending pack's transaction: its figures count as published
                prepared = prepare_pack(con, request.month, request.exports_dir, council=request.council,
                                        manifest_extra=request.manifest_extra, published_at=request.published_at)
            except Exception as exc:
                if pending is not None:  # the earlier pack is published first, as one after another
                    done, pending = pending, None
                    yield _finish(con, renderer, *done)
                if not isinstance(exc, AlreadyPublished):
                    raise
                yield request, exc
                continue
            if pending is not None:
                done, pending = pending, None
                yield _finish(con, renderer, *done)
            start_recording(con, prepared)
            try:
                rendering = renderer.submit(prepared.pack)
            except BaseException:
                abandon(con, prepared)
                raise
            pending = (request, prepared, rendering)
        if pending is not None:
            done, pending = pending, None
            yield _finish(con, renderer, *done)
    finally:
        if pending is not None:  # stopped (interrupted, or by the consumer) before the pack was written
            abandon(con, pending[1])
        renderer.close()


def _finish(con: duckdb.DuckDBPyConnection, renderer: Renderer, request: PackRequest, prepared: PreparedPack,
            rendering: Future[dict[str, bytes]] | dict[str, bytes]) -> tuple[PackRequest, Outcome]:
    try:
        files = renderer.result(rendering, prepared.pack)
    except BaseException:
        abandon(con, prepared)
        raise
    return request, complete(con, prepared, files)
