"""CSV bytes of a published table: UTF-8 (no BOM), LF line ends, machine column names, published rounding.

Text that a spreadsheet could run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) is written
with a leading apostrophe; numbers never are (`safe_cells`). A field holding a CR is quoted, as one
holding a comma, quote or LF is (`csv_line`)."""
from __future__ import annotations

from collections.abc import Sequence

from orchestration.pack.rounding import csv_text
from orchestration.pack.safe_cells import csv_cell, inert_text
from orchestration.pack.tables import PublishedTable


SPECIAL = frozenset(',"\r\n')


def csv_field(text: str) -> str:
    if SPECIAL.isdisjoint(text):
        return text
    return '"' + text.replace('"', '""') + '"'


def csv_line(fields: Sequence[str]) -> str:
    """One record as `csv.writer(quoting=QUOTE_MINIMAL, lineterminator="\\n")` writes it, except that
    a field holding a CR is quoted too: Python 3.11's writer quotes only its line terminator's
    characters, and an unquoted CR ends the record in Excel, where the rest of the field (``=1`` of
    ``\\r=1``) would start a row of its own as a formula."""
    if len(fields) == 1 and fields[0] == "":
        return '""\n'
    return ",".join(csv_field(f) for f in fields) + "\n"


def table_csv(table: PublishedTable) -> bytes:
    lines = [csv_line([inert_text(c.name) for c in table.columns])]
    for row in table.rows:
        values = [row.get(c.name) for c in table.columns]
        lines.append(csv_line([csv_cell(v, csv_text(v, c.kind_for(row))) for v, c in zip(values, table.columns)]))
    return "".join(lines).encode("utf-8")
