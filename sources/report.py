"""What a load returns: `SourceFileError` (a file rejected as a whole) and `LoadReport`.

Nothing in here touches DuckDB; the loader builds these and writes the same facts to
``raw._load_log`` / ``raw._rejects``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

Status = Literal["loaded", "rejected", "missing", "absent", "unchanged"]

#: ``raw._rejects.check_name`` values the loader writes (the gates write their own rows, with
#: other check names; a reload replaces only the loader's rows)
LOADER_CHECK_NAMES: tuple[str, ...] = (
    "file_empty",
    "file_encoding",
    "file_header",
    "file_structure",
    "file_month",
    "file_council",
    "file_duplicate",
    "pseudonymisation_key",
    "not_null",
    "postcode_outward",
    "identifier_characters",  # decode.identifier_rules
    *(
        f"decode_{kind}"
        for kind in ("date_iso", "date_dmy", "date_cqc", "money", "number", "integer", "flag")
    ),
)

#: statuses that mean "the raw table holds what the landing file says"
OK_STATUSES: frozenset[str] = frozenset({"loaded", "unchanged", "absent"})


class SourceFileError(Exception):
    """A landing file that breaks the contract and is rejected as a whole.

    ``line`` is the record number in the file (header = 1; see sources/README.md for how
    embedded newlines count), ``byte`` the 0-based byte offset when known, ``column`` the
    published column name (or a description such as ``"header field 3"``).  ``reason`` and the
    message never contain the value of a personal column; ``value`` is what goes to
    ``raw._rejects.value`` and is already pseudonymised when the column is personal.
    """

    def __init__(
        self,
        file: str,
        line: int | None,
        column: str | None,
        reason: str,
        *,
        check: str = "file_structure",
        value: str | None = None,
        byte: int | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
        self.check = check
        self.value = value
        self.byte = byte
        super().__init__(self.message)

    @property
    def message(self) -> str:
        where = [f"line {self.line}" if self.line is not None else "line ?"]
        if self.byte is not None:
            where.append(f"byte {self.byte}")
        col = f"column {self.column!r}" if self.column else "column -"
        return f"{self.file}: {', '.join(where)}, {col}: {self.reason}"

    def __reduce__(self):  # picklable (Dagster may ship it between processes)
        return (
            _rebuild_error,
            (self.file, self.line, self.column, self.reason, self.check, self.value, self.byte),
        )


def _rebuild_error(file, line, column, reason, check, value, byte) -> SourceFileError:
    return SourceFileError(file, line, column, reason, check=check, value=value, byte=byte)


@dataclass(frozen=True)
class FileLoad:
    """The outcome for one landing file (one row of ``raw._load_log``)."""

    file_type: str
    file: str
    sha256: str | None
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    status: Status
    message: str = ""
    month: str | None = None  # YYYY-MM, None for reference files
    load_id: str | None = None
    error: SourceFileError | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.rows_read != self.rows_loaded + self.rows_rejected:
            raise AssertionError(
                f"{self.file}: rows_read {self.rows_read} != rows_loaded {self.rows_loaded}"
                f" + rows_rejected {self.rows_rejected}"
            )

    @property
    def ok(self) -> bool:
        return self.status in OK_STATUSES


@dataclass
class LoadReport:
    """Per-file outcomes of one `load_month` / `load_reference` call."""

    files: list[FileLoad] = field(default_factory=list)

    def __iter__(self) -> Iterator[FileLoad]:
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)

    def add(self, item: FileLoad) -> FileLoad:
        self.files.append(item)
        return item

    @property
    def ok(self) -> bool:
        """True when no file was rejected or missing (row rejects do not count here)."""
        return all(f.ok for f in self.files)

    def by_type(self, file_type: str) -> list[FileLoad]:
        return [f for f in self.files if f.file_type == file_type]

    def get(self, file_type: str) -> FileLoad:
        found = self.by_type(file_type)
        if len(found) != 1:
            raise KeyError(f"{len(found)} results for file type {file_type!r}")
        return found[0]

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)

    def summary(self) -> str:
        return "\n".join(
            f"{f.status:9} {f.file_type:26} {f.file}: read {f.rows_read}, loaded {f.rows_loaded},"
            f" rejected {f.rows_rejected}{' - ' + f.message if f.message else ''}"
            for f in self.files
        )
