"""xlsx bytes of published tables, laid out as a council publishes them (openpyxl).

Each table sheet: title row, period line, units, source note, suppression note, notes, then a bold
frozen header row with an autofilter over the data (numbers rounded as published, with £/0.0
number formats; dates as Excel dates; lot numbers as numbers; RAG cells filled red, amber or
green). Headers are readable labels (columns.LABELS); the CSVs keep the column names.
A Contents sheet comes first. Output is deterministic: fixed document times and zip entry times.
Every text cell is a string cell, never a formula or error cell, whatever the text (`typed_cell`).
"""
from __future__ import annotations

import copy
import datetime as dt
import io
import zipfile
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from orchestration.pack.rounding import NOT_APPLICABLE, NOT_PUBLISHED, NUMBER_FORMATS, csv_text, xlsx_value
from orchestration.pack.safe_cells import is_formula_like
from orchestration.pack.suppression import SUPPRESSED
from orchestration.pack.tables import NA_NOTE, SUPPRESSION_NOTE, PackContext, PublishedTable

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
TITLE_FONT = Font(name="Arial", size=14, bold=True)
BODY_FONT = Font(name="Arial", size=10)
NOTE_FONT = Font(name="Arial", size=10, italic=True, color="404040")
HEADER_FONT = Font(name="Arial", size=10, bold=True)
HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")
HEADER_BORDER = Border(bottom=Side(style="medium", color="1F3864"))
MIN_WIDTH, MAX_WIDTH = 10, 48
MAX_TEXT_WIDTH = 90  # a text column shows up to 90 characters (a KPI's name is up to ~80) before wrapping
WRAP_WIDTH = 60  # wider text (a definition) wraps in a column of this width
RIGHT = Alignment(horizontal="right")  # shared: openpyxl interns styles, so reuse is cheaper


BODY, BODY_RIGHT, BODY_WRAP = "Pack body", "Pack body, right", "Pack body, wrapped"
COMMENT_AUTHOR = "ascw published pack"
DATE_STYLE, MONTH_STYLE = "Pack date", "Pack month"
# RAG status cells (a column named `rag`): Excel's own Good/Neutral/Bad fills, readable in print.
RAG_FILLS: dict[str, tuple[str, str]] = {  # status -> (fill, font colour)
    "Red": ("FFC7CE", "9C0006"), "Amber": ("FFEB9C", "9C5700"), "Green": ("C6EFCE", "006100"),
}
RAG_COLUMNS = frozenset({"rag"})
# Codes that are whole numbers but text in the CSV contract's grain (`lot`): numbers in the xlsx.
NUMBER_CODE_COLUMNS = frozenset({"lot"})


def number_style(kind: str) -> str:
    return f"Pack {kind}"


class BodyStyles:
    """The data cells' styles as named styles of the workbook (Arial 10; numbers right-aligned
    in their published format): one style assignment per cell instead of three.

    `apply(cell, name)` is `cell.style = name`, with the style's array looked up once: openpyxl
    looks the name up in a list on every assignment, a third of writing a sheet's cells
    (docs/BENCHMARKS.md, 2026-12-08). Its last step is the same copy of the named style's array."""

    def __init__(self, wb: Workbook) -> None:
        styles = [
            NamedStyle(BODY, font=BODY_FONT),
            NamedStyle(BODY_RIGHT, font=BODY_FONT, alignment=RIGHT),
            NamedStyle(BODY_WRAP, font=BODY_FONT, alignment=Alignment(wrap_text=True, vertical="top")),
            *(NamedStyle(number_style(kind), font=BODY_FONT, alignment=RIGHT, number_format=fmt)
              for kind, fmt in NUMBER_FORMATS.items()),
            NamedStyle(number_style("code"), font=BODY_FONT, alignment=RIGHT, number_format="0"),
            NamedStyle(DATE_STYLE, font=BODY_FONT, alignment=RIGHT, number_format="yyyy-mm-dd"),
            NamedStyle(MONTH_STYLE, font=BODY_FONT, alignment=RIGHT, number_format="mmm yyyy"),
            *(NamedStyle(rag_style(status), font=Font(name="Arial", size=10, color=colour),
                         fill=PatternFill("solid", fgColor=fill)) for status, (fill, colour) in RAG_FILLS.items()),
        ]
        for style in styles:
            wb.add_named_style(style)
        self._arrays = {style.name: style.as_tuple() for style in styles}

    def apply(self, cell: Cell, name: str) -> None:
        cell._style = copy.copy(self._arrays[name])  # what openpyxl's NamedStyleDescriptor sets


def rag_style(status: str) -> str:
    return f"Pack RAG {status}"


def cell_value(raw: object, column: str, kind: str) -> tuple[object, str]:
    """A data cell's value and named style: the published value (`xlsx_value`), as an Excel date
    for a date (the CSV's ISO text otherwise), as a number for a number code (lot), filled for a RAG
    status."""
    value = xlsx_value(raw, kind)
    if kind == "date" and isinstance(raw, (dt.date, dt.datetime)) and isinstance(value, str):
        day = raw.date() if isinstance(raw, dt.datetime) and raw.time() == dt.time() else raw
        return day, MONTH_STYLE if column == "month" and getattr(day, "day", 0) == 1 else DATE_STYLE
    if column in NUMBER_CODE_COLUMNS and isinstance(value, str) and value.isdigit():
        return int(value), number_style("code")
    if column in RAG_COLUMNS and value in RAG_FILLS:
        return value, rag_style(str(value))
    return value, body_style(value, kind)


def body_style(value: object, kind: str) -> str:
    """A data cell's named style: its number format when it holds a number of a formatted kind;
    right-aligned when a number, suppressed or not applicable; else plain text."""
    if isinstance(value, (int, float)) and kind in NUMBER_FORMATS:
        return number_style(kind)
    if value in (SUPPRESSED, NOT_APPLICABLE, NOT_PUBLISHED) or kind not in ("text", "date"):
        return BODY_RIGHT
    return BODY


def typed_cell(cell: Cell) -> Cell:
    """Make a text cell inert: a string cell (openpyxl makes text starting with ``=`` a formula and
    ``#N/A`` an error cell), and formula-like text (`safe_cells.is_formula_like`) also gets Excel's
    quotePrefix, as Excel stores text typed after an apostrophe, so editing the cell keeps it text.
    The text itself is unchanged. Call it after the cell's style is set (a named style resets
    quotePrefix)."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if is_formula_like(cell.value):
            cell.quotePrefix = True
    return cell


def _meta_lines(table: PublishedTable, ctx: PackContext, council_name: str) -> list[str]:
    return [
        f"{council_name} ({ctx.council}) - published pack for {ctx.period_label}",
        f"Units: {table.units}",
        table.source,
        f"{SUPPRESSION_NOTE}; {NA_NOTE}",
        *table.notes,
    ]


def _write_table_sheet(ws: Worksheet, table: PublishedTable, ctx: PackContext, council_name: str,
                       styles: BodyStyles) -> None:
    ws["A1"] = table.title
    ws["A1"].font = TITLE_FONT
    typed_cell(ws["A1"])
    row = 2
    for line in _meta_lines(table, ctx, council_name):
        ws.cell(row=row, column=1, value=line).font = NOTE_FONT
        typed_cell(ws.cell(row=row, column=1))
        row += 1
    header_row = row + 1
    widths = [min(max(len(w) for w in c.label.split()) + 2, MAX_WIDTH) for c in table.columns]
    caps = [MAX_TEXT_WIDTH if c.kind == "text" else MAX_WIDTH for c in table.columns]
    wrapped: set[int] = set()
    for j, col in enumerate(table.columns, start=1):
        cell = ws.cell(row=header_row, column=j, value=col.label)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, HEADER_BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="bottom",
                                   horizontal="left" if col.kind in ("text", "date") else "right")
        typed_cell(cell)
        widths[j - 1] = max(widths[j - 1], min(len(col.label), 22) + 2)
    for i, data in enumerate(table.rows, start=header_row + 1):
        for j, col in enumerate(table.columns, start=1):
            kind = col.kind_for(data)
            value, style = cell_value(data.get(col.name), col.name, kind)
            shown = csv_text(data.get(col.name), kind)
            if style == BODY and len(shown) > MAX_TEXT_WIDTH:
                style = BODY_WRAP
                wrapped.add(j)
            cell = ws.cell(row=i, column=j, value=value)
            styles.apply(cell, style)
            typed_cell(cell)
            note = table.cell_notes.get((i - header_row - 1, col.name))
            if note:  # e.g. a revised figure: the number stays a number, the note says what was published
                cell.comment = Comment(note, COMMENT_AUTHOR, width=320, height=90)
            widths[j - 1] = max(widths[j - 1], min(len(shown) + (4 if kind == "money" else 2), caps[j - 1]))
    for j, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = WRAP_WIDTH if j in wrapped else max(width, MIN_WIDTH)
    ws.row_dimensions[header_row].height = 30
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1).coordinate
    last_row = header_row + max(len(table.rows), 1)  # a table without rows still filters its header
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(table.columns))}{last_row}"
    ws.sheet_view.zoomScale = 100


NO_CSV = {"kpi_definitions": "(no CSV: the definitions of the KPIs)"}


def _write_contents(ws: Worksheet, title: str, tables: Sequence[PublishedTable], ctx: PackContext,
                    council_name: str, notes: Sequence[str]) -> None:
    ws["A1"] = title
    ws["A1"].font = TITLE_FONT
    ws["A2"] = f"{council_name} ({ctx.council}) - published pack for {ctx.period_label}"
    ws["A2"].font = NOTE_FONT
    typed_cell(ws["A1"])
    typed_cell(ws["A2"])
    row = 3
    for line in (*notes, f"{SUPPRESSION_NOTE}; {NA_NOTE}"):
        ws.cell(row=row, column=1, value=line).font = NOTE_FONT
        typed_cell(ws.cell(row=row, column=1))
        row += 1
    row += 1
    for j, head in enumerate(("Sheet", "Table", "CSV file"), start=1):
        cell = ws.cell(row=row, column=j, value=head)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, HEADER_BORDER
        typed_cell(cell)
    header_row = row
    for t in tables:
        row += 1
        link = ws.cell(row=row, column=1, value=t.sheet)
        link.hyperlink = f"#'{t.sheet}'!A1"
        link.font = Font(name="Arial", size=10, color="1F4E79", underline="single")
        ws.cell(row=row, column=2, value=t.title).font = BODY_FONT
        ws.cell(row=row, column=3, value=t.filename or NO_CSV.get(t.id, "(this month's rows of kpi_monthly.csv)")).font = BODY_FONT
        for j in (1, 2, 3):
            typed_cell(ws.cell(row=row, column=j))
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 100
    ws.column_dimensions["C"].width = 40
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1).coordinate
    ws.auto_filter.ref = f"A{header_row}:C{max(row, header_row + 1)}"


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry times (so the same content gives the same bytes)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def workbook_bytes(title: str, tables: Sequence[PublishedTable], ctx: PackContext, *, council_name: str,
                   notes: Sequence[str] = ()) -> bytes:
    wb = Workbook()
    styles = BodyStyles(wb)
    contents = wb.active
    contents.title = "Contents"
    _write_contents(contents, title, tables, ctx, council_name, notes)
    for t in tables:
        _write_table_sheet(wb.create_sheet(t.sheet[:31]), t, ctx, council_name, styles)
    stamp = dt.datetime.combine(ctx.month_end, dt.time())
    wb.properties.creator = "ascw published pack"
    wb.properties.lastModifiedBy = "ascw published pack"
    wb.properties.title = title
    wb.properties.created = stamp
    wb.properties.modified = stamp
    buf = io.BytesIO()
    archive = zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()
    return normalise_zip(buf.getvalue())
