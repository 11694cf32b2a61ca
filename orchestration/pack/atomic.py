"""Atomic publication of a folder: write into a temporary sibling, fsync, rename in one step
(never replacing an existing folder)."""
from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path


class AlreadyPublished(Exception):
    """The month's folder exists: a published pack is never overwritten."""


def write_private(path: Path, text: str) -> None:
    """Write a file readable by its owner only (a DQ report names pseudonymised people; the
    oversight page judges providers), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(tmp, 0o600)
    tmp.replace(path)


def write_bytes_durable(path: Path, data: bytes) -> None:
    """Write a file and fsync it (an OSError such as ENOSPC propagates)."""
    with open(path, "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_AT_FDCWD = -100
_RENAME_NOREPLACE = 1


def rename_noreplace(src: Path, dst: Path) -> None:
    """Rename ``src`` to ``dst`` in one step, failing with FileExistsError if ``dst`` exists.

    Linux `renameat2(RENAME_NOREPLACE)` where the C library has it (so even an empty folder created
    at the last moment is not replaced); elsewhere an existence check followed by `os.rename`."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        renameat2 = None
    if renameat2 is not None:
        renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        if renameat2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_NOREPLACE) == 0:
            return
        err = ctypes.get_errno()
        if err == errno.EEXIST:
            raise FileExistsError(err, os.strerror(err), str(dst))
        if err not in (errno.ENOSYS, errno.EINVAL):  # EINVAL: file system without RENAME_NOREPLACE
            raise OSError(err, os.strerror(err), str(src))
    if dst.exists():
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(dst))
    os.rename(src, dst)


def temp_dir_for(target: Path) -> Path:
    return target.parent / f".tmp-{target.name}-{secrets.token_hex(4)}"


@contextlib.contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """Yield an empty temporary folder beside ``target``; on normal exit move it to ``target``.

    Never replaces an existing ``target`` (raises `AlreadyPublished`); on any error the temporary
    folder is removed and ``target`` is untouched."""
    if target.exists():
        raise AlreadyPublished(f"{target} already exists; a published pack is never overwritten")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_dir_for(target)
    tmp.mkdir()
    try:
        yield tmp
        fsync_dir(tmp)
        try:
            rename_noreplace(tmp, target)
        except OSError as exc:
            if target.exists():  # published meanwhile by another run
                raise AlreadyPublished(f"{target} already exists; a published pack is never overwritten") from exc
            raise
        fsync_dir(target.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def remove_stale_temp_dirs(exports_dir: Path) -> list[Path]:
    """Remove `.tmp-*` folders a killed refresh left behind (never a published month).

    Called at the start of a publish step; only one refresh writes to an exports folder at a time
    (the warehouse's single-writer lock serialises refreshes).
    """
    removed = []
    for p in exports_dir.glob(".tmp-*"):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed
