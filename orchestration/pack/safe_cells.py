"""Published cells that a spreadsheet can never run as formulas (pure functions).

Text in the pack comes partly from third-party files (CQC location and provider names, ONS area
names, ...). A spreadsheet reads a CSV cell or a typed-in cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return as a formula (OWASP "CSV injection"): ``=HYPERLINK(...)`` in a
provider's name would become a live link in a commissioner's Excel.

- CSV has no cell types, so such text is written with a leading apostrophe (``'=1+1``), which
  Excel and LibreOffice show as text and never evaluate (`inert_text`).
- xlsx cells are typed: the writer keeps the text as it is, as a string cell (never openpyxl's
  formula or error cell) with Excel's own ``quotePrefix`` flag on formula-like text, which is how
  Excel itself stores text typed with a leading apostrophe (`xlsx_writer.typed_cell`).

Only *text* is touched: a number (``-12.5`` held as a number) is never a formula and is never
altered. The CSV rule is reversible (`original_text`): text that already starts with apostrophes
followed by a trigger character gets one more, so stripping one apostrophe from a cell that starts
with apostrophes then a trigger character always gives the source text back.
"""
from __future__ import annotations

from numbers import Number
from typing import Any

# OWASP's list: the characters a spreadsheet may take as the start of a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def is_formula_like(value: Any) -> bool:
    """True for text a spreadsheet could take as a formula: it starts with a trigger character."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def _needs_quote(text: str) -> bool:
    # text starting with apostrophes then a trigger gets one more apostrophe, so the rule can be undone
    return text.lstrip(QUOTE).startswith(FORMULA_TRIGGERS)


def inert_text(value: Any) -> Any:
    """The value as a CSV cell may hold it: formula-like text with a leading apostrophe.

    Anything that is not a ``str`` (numbers, dates, None) is returned unchanged."""
    if isinstance(value, str) and _needs_quote(value):
        return QUOTE + value
    return value


def is_number(value: Any) -> bool:
    """A mart number (int, float, Decimal; not a bool): published as a number, never neutralised."""
    return isinstance(value, Number) and not isinstance(value, bool)


def csv_cell(value: Any, text: str) -> str:
    """The CSV text of a cell whose mart value is `value` and whose published text is `text`:
    unchanged for a number (``-12.5`` stays ``-12.5``), else `inert_text`."""
    return text if is_number(value) else inert_text(text)


def original_text(value: Any) -> Any:
    """The inverse of `inert_text`: the source text of a published CSV text cell."""
    if isinstance(value, str) and value.startswith(QUOTE) and _needs_quote(value):
        return value[1:]
    return value
