"""Stream one sheet of an OpenDocument spreadsheet (.ods) to CSV, in constant memory.

CQC publishes "HSCA Active Locations" and "Latest ratings" as 20+ MB .ods files whose
``content.xml`` unpacks to hundreds of MB; loading them whole (pandas/odfpy) needs gigabytes.
Here ``content.xml`` is read straight out of the zip with `xml.etree.ElementTree.iterparse` and
every row is written and dropped as soon as it ends.

Cells: strings keep their text (``text:s`` spaces, tabs and line breaks restored, paragraphs
joined by a newline); numbers, percentages and currency give ``office:value`` (the full stored
number, never the displayed rounding); dates give ``office:date-value`` as ISO ``YYYY-MM-DD``
(with `` hh:mm:ss`` when the time is not midnight); booleans ``TRUE``/``FALSE``; merged
(covered) cells are blank.  ``number-columns-repeated`` / ``number-rows-repeated`` are expanded,
except trailing blank cells and blank rows (spreadsheets pad a sheet with a million of them).
Rows above the header (a title block) are skipped: the header is the first row whose first cell
is `header_first` (``Location ID`` for the CQC sheets).  In the CSV, the header is record 1.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element, iterparse

NS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
NS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
NS_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"

T_TABLE = f"{{{NS_TABLE}}}table"
T_ROW = f"{{{NS_TABLE}}}table-row"
T_CELL = f"{{{NS_TABLE}}}table-cell"
T_COVERED = f"{{{NS_TABLE}}}covered-table-cell"
A_NAME = f"{{{NS_TABLE}}}name"
A_COLS_REPEATED = f"{{{NS_TABLE}}}number-columns-repeated"
A_ROWS_REPEATED = f"{{{NS_TABLE}}}number-rows-repeated"
A_VALUE_TYPE = f"{{{NS_OFFICE}}}value-type"
A_VALUE = f"{{{NS_OFFICE}}}value"
A_DATE = f"{{{NS_OFFICE}}}date-value"
A_BOOL = f"{{{NS_OFFICE}}}boolean-value"
X_P = f"{{{NS_TEXT}}}p"
X_S = f"{{{NS_TEXT}}}s"
X_TAB = f"{{{NS_TEXT}}}tab"
X_BREAK = f"{{{NS_TEXT}}}line-break"
A_C = f"{{{NS_TEXT}}}c"

#: the sheet of each CQC file type's published .ods
CQC_SHEETS: dict[str, str] = {
    "cqc_hsca_active_locations": "HSCA_Active_Locations",
    "cqc_latest_ratings": "Locations",
}


class OdsError(ValueError):
    pass


def _text(el: Element) -> str:
    parts: list[str] = [el.text or ""]
    for child in el:
        if child.tag == X_S:
            parts.append(" " * int(child.get(A_C, "1")))
        elif child.tag == X_TAB:
            parts.append("\t")
        elif child.tag == X_BREAK:
            parts.append("\n")
        else:
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def cell_value(cell: Element) -> str:
    """The CSV text of one cell (see the module docstring)."""
    if cell.tag == T_COVERED:
        return ""
    kind = cell.get(A_VALUE_TYPE)
    if kind in ("float", "percentage", "currency") and cell.get(A_VALUE) is not None:
        return cell.get(A_VALUE, "")
    if kind == "date" and cell.get(A_DATE):
        value = cell.get(A_DATE, "")
        day, _, time = value.partition("T")
        time = time.split(".")[0]
        return day if time in ("", "00:00:00") else f"{day} {time}"
    if kind == "boolean" and cell.get(A_BOOL) is not None:
        return "TRUE" if cell.get(A_BOOL) == "true" else "FALSE"
    return "\n".join(_text(p) for p in cell if p.tag == X_P)


def _row_values(row: Element) -> list[str]:
    values: list[str] = []
    pending_blank = 0
    for cell in row:
        if cell.tag not in (T_CELL, T_COVERED):
            continue
        repeat = int(cell.get(A_COLS_REPEATED, "1"))
        value = cell_value(cell)
        if value == "":
            pending_blank += repeat
            continue
        values.extend([""] * pending_blank)
        pending_blank = 0
        values.extend([value] * repeat)
    return values


def iter_sheet_rows(path: Path, sheet: str) -> Iterator[list[str]]:
    """Non-blank rows of `sheet` (trailing blank cells dropped), streamed."""
    found = False
    with zipfile.ZipFile(path) as zf:
        try:
            stream = zf.open("content.xml")
        except KeyError:
            raise OdsError(
                f"{Path(path).name}: no content.xml (not an OpenDocument file)"
            ) from None
        with stream:
            stack: list[Element] = []
            in_sheet = False
            for event, el in iterparse(stream, events=("start", "end")):
                if event == "start":
                    stack.append(el)
                    if el.tag == T_TABLE:
                        in_sheet = el.get(A_NAME) == sheet
                        found = found or in_sheet
                    continue
                stack.pop()
                if el.tag == T_ROW:
                    values = _row_values(el) if in_sheet else []
                    if values:  # blank rows (however often repeated) are dropped
                        for _ in range(int(el.get(A_ROWS_REPEATED, "1"))):
                            yield list(values)
                    if stack:
                        stack[-1].remove(el)  # drop the parsed row: constant memory
                elif el.tag == T_TABLE:
                    if in_sheet:
                        return
                    if stack:
                        stack[-1].remove(el)
    if not found:
        raise OdsError(f"{Path(path).name}: no sheet named {sheet!r}")


def ods_to_csv(path: Path, sheet: str, out: Path, header_first: str = "Location ID") -> int:
    """Write `sheet` of `path` as a UTF-8 CSV from its header row on; returns data rows written."""
    rows = iter_sheet_rows(path, sheet)
    header: list[str] | None = None
    for row in rows:
        if row and row[0].strip() == header_first:
            header = row
            break
    if header is None:
        raise OdsError(
            f"{Path(path).name}: sheet {sheet!r} has no header row starting {header_first!r}"
        )
    width = len(header)
    n = 0
    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            if len(row) > width and any(row[width:]):
                raise OdsError(
                    f"{Path(path).name}: sheet row with {len(row)} cells under a "
                    f"{width}-column header"
                )
            writer.writerow((row + [""] * width)[:width])
            n += 1
    return n
