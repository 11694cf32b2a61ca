"""How report.html writes values and small tables (shared by report.py and its section modules)."""
from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape
from typing import Any

from orchestration.pack.rounding import published_value
from orchestration.pack.tables import PublishedTable


def display(value: Any, kind: str) -> str:
    """A value as people read it: thousands separators, £ and % signs; markers as published."""
    pub = published_value(value, kind)
    if isinstance(pub, str):
        return pub
    if kind == "money":
        return f"£{int(pub):,}"
    if kind == "pct":
        return f"{Decimal(pub):,.1f}%"
    if isinstance(pub, Decimal):
        return f"{pub:,}"
    if kind == "year":
        return str(pub)
    return f"{pub:,}"


def pv(value: Any, kind: str) -> Any:
    """The published (rounded) number for charting, so labels match the CSVs; markers pass through."""
    pub = published_value(value, kind)
    return float(pub) if isinstance(pub, (int, Decimal)) else pub


def month_label(value: Any) -> str:
    return value.strftime("%b %Y") if hasattr(value, "strftime") else str(value)


def find(tables: Sequence[PublishedTable], table_id: str) -> PublishedTable | None:
    return next((t for t in tables if t.id == table_id), None)


def empty(message: str) -> str:
    return f'<p class="note">{escape(message)}</p>'


def row_of(table: PublishedTable | None, **match: Any) -> dict[str, Any] | None:
    if table is None:
        return None
    return next((r for r in table.rows if all(r.get(k) == v for k, v in match.items())), None)


def html_table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool] | None = None,
               caption: str = "") -> str:
    """A plain table of already-formatted text (escaped here); `numeric` right-aligns columns."""
    numeric = numeric or [False] * len(headers)
    head = "".join(f'<th scope="col"{" class=n" if n else ""}>{escape(h)}</th>' for h, n in zip(headers, numeric))
    body = "".join("<tr>" + "".join(f'<td class="n">{escape(c)}</td>' if n else f"<td>{escape(c)}</td>"
                                    for c, n in zip(row, numeric)) + "</tr>" for row in rows)
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    return f'<table class="data">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def published_table(table: PublishedTable, columns: Sequence[str], rows: Sequence[dict[str, Any]] | None = None,
                    labels: dict[str, str] | None = None) -> str:
    """Columns of a published table as the CSV has them (markers kept), with the xlsx labels."""
    cols = [c for c in table.columns if c.name in columns]
    cols.sort(key=lambda c: list(columns).index(c.name))
    labels = labels or {}
    numeric = [c.kind not in ("text", "date", "flag") for c in cols]
    body = [[display(r.get(c.name), c.kind_for(r)) for c in cols] for r in (table.rows if rows is None else rows)]
    return html_table([labels.get(c.name, c.label) for c in cols], body, numeric)


def figures_behind(summary: str, headers: Sequence[str], rows: Sequence[Sequence[str]],
                   numeric: Sequence[bool] | None = None) -> str:
    """The text alternative of a chart: its figures as a table, folded under a summary line."""
    return (f'<details class="alt"><summary>{escape(summary)}</summary>'
            f"{html_table(headers, rows, numeric)}</details>")
