"""The pack's revisions policy (issue 27), as official statistics handle revisions.

1. **What was published is kept.** Every cell of every *tracked* table a pack publishes (`TRACKED`:
   the KPI trend, whose rows the KPIs sheet repeats for the month, and the monthly and
   financial-year MPS tables) is recorded in `audit.published_figures`, one row per council, pack
   month, version, table, row and column, holding the text exactly as the CSV publishes it
   (`[c]`, `[z]` and `[x]` included). Each published version of a pack has a row in
   `audit.pack_versions`. Both are written in the transaction that `publish.publish_month` commits
   only once the pack's folder has been renamed into place.
2. **A later pack shows the revised figure, marked [r].** A tracked cell whose text differs from
   the text *first published for that row* (the earliest pack month that published it, in that
   pack's latest version; never an `[x]`) is shown with its current value. Its row's `revised`
   column holds `[r]` and the revised columns; in the xlsx the cell carries a comment with the
   figure first published; `manifest.json` (`revisions`) and report.html list every one, with the
   files loaded since that publication for the row's period (`raw._load_log`), which restated it.
3. **A blocked month is never used.** A council-month that its gate blocked (`audit.gate_decisions`)
   and that was never published (no `audit.publications` or `audit.pack_versions` row) has every
   figure of its rows replaced by `[x]` (the keys stay), and so has every financial-year row whose
   year includes it (the annual marts add the year up in SQL, so the pack cannot take the month
   out). `manifest.json` (`months_left_out`) lists those months, why, and the rows left out.

The pack's own month is compared too, which is what a re-issued version (`ascw republish`) needs:
its figures against the version it replaces.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from orchestration.pack.rounding import NOT_PUBLISHED, REVISED, csv_text
from orchestration.pack.tables import Column, PackContext, PublishedTable

REVISED_COLUMN = "revised"
REVISED_LABEL = "Revised [r]"
# Tables whose rows are about a period (a month, or a financial year) that a later pack, or a
# re-issued one, shows again.
TRACKED = ("kpi_monthly", "kpi_month", "care_ladder", "provider_concentration", "client_base",
           "older_people_service_type", "cqc_market", "care_home_admissions", "dps_lot_demand")
# The KPIs sheet holds the Trend's rows of the period: recorded once, as the Trend's.
RECORDED_AS = {"kpi_month": "kpi_monthly"}
# Row keys where the table's columns are known; other tables: their text columns (below).
KEYS = {
    "kpi_monthly": ("month", "kpi_code", "age_band"),
    "kpi_month": ("month", "kpi_code", "age_band"),
    "care_ladder": ("care_ladder_rung", "age_band"),
    "provider_concentration": ("care_ladder_rung",),
    "client_base": ("financial_year", "client_category"),
    "care_home_admissions": ("financial_year", "age_band"),
    "cqc_market": ("service_type", "area_code"),
}
LABEL_COLUMNS = frozenset({"kpi", "unit", "area_name", "direction", "market_note"})  # descriptive text: neither a key nor a figure
NOT_KEYS = LABEL_COLUMNS | {"rag", "status", REVISED_COLUMN}
VERSION_RE = re.compile(r"^(\d{4}-\d{2})(?:-v([1-9]\d*))?$")

REVISED_NOTE = (
    "Revised [r]: the columns of the row whose figure differs from the one first published for its period; "
    "the current figure is shown. The figure first published and the files loaded since that changed it are "
    "listed in manifest.json (revisions) and report.html, and in a comment on each revised cell.")

DDL = """
create schema if not exists audit;
create table if not exists audit.published_figures (
  council_code varchar not null, month varchar not null, version integer not null,
  table_id varchar not null, row_period varchar, row_key varchar not null, "column" varchar not null,
  value_text varchar, published_at timestamp not null
);
create table if not exists audit.pack_versions (
  council_code varchar not null, month varchar not null, version integer not null, path varchar,
  reason varchar, replaces varchar, published_at timestamp not null, figures bigint,
  primary key (council_code, month, version)
);
"""


# ---------------------------------------------------------------- versions
def version_folder(month: str, version: int) -> str:
    """`YYYY-MM` for the first publication (the folder `ascw refresh` has always written), then
    `YYYY-MM-v2`, `YYYY-MM-v3`, ... beside it for re-issues."""
    if version < 1:
        raise ValueError(f"a pack's version is 1 or more, got {version}")
    return month if version == 1 else f"{month}-v{version}"


def versions_in(folder: Path, month: str) -> list[int]:
    """The versions of `month` published in `folder` (its `YYYY-MM` and `YYYY-MM-vN` folders)."""
    found = []
    for p in Path(folder).glob(f"{month}*"):
        m = VERSION_RE.match(p.name)
        if m and m.group(1) == month and p.is_dir():
            found.append(int(m.group(2) or 1))
    return sorted(found)


# ---------------------------------------------------------------- reading the warehouse
def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute("select count(*) from duckdb_tables() where database_name = current_database() "
                            "and schema_name = ? and table_name = ?", [schema, table]).fetchone()[0])


def is_read_only(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("select current_setting('access_mode')").fetchone()[0] == "read_only"


def blocked_months(con: duckdb.DuckDBPyConnection, council: str, up_to: str) -> dict[str, str]:
    """month -> why, for the council's months up to `up_to` that the gate blocked and that were
    never published."""
    if not _has_table(con, "audit", "gate_decisions"):
        return {}
    published = []
    if _has_table(con, "audit", "publications"):
        published.append("select month from audit.publications where council_code = $c"
                         " and status in ('published', 'already published')")
    if _has_table(con, "audit", "pack_versions"):
        published.append("select month from audit.pack_versions where council_code = $c")
    unpublished = f" and month not in ({' union '.join(published)})" if published else ""
    rows = con.execute(
        f"select month, reasons from audit.gate_decisions where council_code = $c and blocked and month <= $m"
        f"{unpublished} order by month", {"c": council, "m": up_to}).fetchall()
    return {m: (list(reasons or []) or ["blocked by its publication gate"])[0][:300] for m, reasons in rows}


@dataclass(frozen=True)
class Published:
    """A figure as first published: its text, the pack (month, version) that published it, and the
    last time a pack published that same text for the cell (a later change came after it)."""
    text: str
    month: str
    version: int
    published_at: dt.datetime
    unrevised_until: dt.datetime


def first_published(con: duckdb.DuckDBPyConnection, council: str, *, besides: tuple[str, int]
                    ) -> dict[tuple[str, str, str, str], Published]:
    """(table, row period, row key, column) -> the figure first published for it: the earliest pack
    month that published a figure for the cell (not `[x]`, nor a status saying it was not
    published), in that month's latest version; `besides` (the pack being built) left out."""
    if not _has_table(con, "audit", "published_figures"):
        return {}
    rows = con.execute(
        """
        with shown as (
          select table_id, row_period, row_key, "column", value_text, month, version, published_at
          from audit.published_figures
          where council_code = ? and not contains(coalesce(value_text, ''), ?) and not (month = ? and version = ?)
        ),
        firsts as (
          select * from shown
          qualify row_number() over (partition by table_id, row_period, row_key, "column"
                                     order by month, version desc) = 1
        )
        select f.table_id, f.row_period, f.row_key, f."column", f.value_text, f.month, f.version, f.published_at,
               max(s.published_at)
        from firsts f join shown s using (table_id, row_period, row_key, "column", value_text)
        group by all
        """, [council, NOT_PUBLISHED, *besides]).fetchall()
    return {(t, p, k, c): Published(v if v is not None else "", m, ver, at, last)
            for t, p, k, c, v, m, ver, at, last in rows}


@dataclass(frozen=True)
class Load:
    file: str
    file_type: str
    month: str | None
    loaded_at: dt.datetime
    sha256: str | None

    def entry(self) -> dict[str, Any]:
        return {"file": self.file, "file_type": self.file_type, "month": self.month,
                "loaded_at": _utc(self.loaded_at), "sha256": self.sha256}


def loads(con: duckdb.DuckDBPyConnection, council: str) -> list[Load]:
    """The council's loaded files (raw._load_log, loaded_at in UTC), oldest first."""
    if not _has_table(con, "raw", "_load_log"):
        return []
    rows = con.execute(
        "select file, file_type, strftime(month, '%Y-%m'), loaded_at, sha256 from raw._load_log"
        " where council_code = ? and status = 'loaded' order by loaded_at, file_type, file", [council]).fetchall()
    return [Load(*r) for r in rows]


def changed_by(all_loads: Sequence[Load], ref: Published, period: str) -> list[Load]:
    """The files that restated a figure: of each file (type, month, name) of the row's period or
    later, or of the reference files, its latest load when that came after the last pack that
    published the figure unrevised and holds other content (SHA-256) than the load in force then.
    The marts keep the latest version of every record, so a later month's extract (or a corrected
    file for the month) restates earlier months; a file loaded again unchanged restates nothing."""
    first = period_months(period)[0]
    by_file: dict[tuple[str, str | None, str], list[Load]] = {}
    for ld in all_loads:  # oldest first
        if ld.month is None or ld.month >= first:
            by_file.setdefault((ld.file_type, ld.month, ld.file), []).append(ld)
    out = []
    for history in by_file.values():
        now = history[-1]
        then = [ld for ld in history if ld.loaded_at <= ref.unrevised_until]
        if now.loaded_at > ref.unrevised_until and (not then or then[-1].sha256 != now.sha256):
            out.append(now)
    return sorted(out, key=lambda ld: (ld.loaded_at, ld.file_type, ld.file))


# ---------------------------------------------------------------- rows and cells
def _utc(stamp: dt.datetime | None) -> str | None:
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ") if stamp else None


def naive_utc(stamp: dt.datetime) -> dt.datetime:
    return stamp.astimezone(dt.timezone.utc).replace(tzinfo=None) if stamp.tzinfo else stamp


def key_columns(table: PublishedTable) -> list[str]:
    names = [c.name for c in table.columns]
    if table.id in KEYS:
        return [k for k in KEYS[table.id] if k in names]
    return [c.name for c in table.columns if c.kind in ("text", "date") and c.name not in NOT_KEYS]


def figure_columns(table: PublishedTable) -> list[str]:
    keys = set(key_columns(table))
    return [c.name for c in table.columns if c.name not in keys and c.name not in LABEL_COLUMNS
            and c.name != REVISED_COLUMN]


def cell_text(table: PublishedTable, row: Mapping[str, Any], column: str) -> str:
    col = next(c for c in table.columns if c.name == column)
    return csv_text(row.get(column), col.kind_for(row))


def row_key(table: PublishedTable, row: Mapping[str, Any], keys: Sequence[str]) -> str:
    return json.dumps({k: cell_text(table, row, k) for k in keys}, ensure_ascii=False, separators=(",", ":"))


def row_period(row: Mapping[str, Any], ctx: PackContext) -> str:
    """The period a row is about: its month (`YYYY-MM`), its financial year (`YYYY/YY`), or the
    pack's month for the monthly tables that hold only that month."""
    month = row.get("month")
    if isinstance(month, (dt.date, dt.datetime)):
        return month.strftime("%Y-%m")
    if row.get("financial_year") is not None:
        return str(row["financial_year"])
    return ctx.period


def period_months(period: str) -> list[str]:
    """The months (`YYYY-MM`) of a period: a month, or a financial year (April to March)."""
    if re.fullmatch(r"\d{4}/\d{2}", period):
        start = int(period[:4])
        return [f"{start + (m < 4)}-{m:02d}" for m in (*range(4, 13), 1, 2, 3)]
    return [period[:7]]


def tracked(tables: Iterable[PublishedTable]) -> list[PublishedTable]:
    return [t for t in tables if t.id in TRACKED]


# ---------------------------------------------------------------- 3. blocked months: [x]
def mark_not_published(con: duckdb.DuckDBPyConnection, ctx: PackContext,
                       tables: Iterable[PublishedTable]) -> list[dict[str, Any]]:
    """Replace by `[x]` every figure of the tracked rows about a blocked, never-published month
    (and of the financial years that include one); the manifest's `months_left_out`."""
    blocked = blocked_months(con, ctx.council, ctx.period)
    if not blocked:
        return []
    left: dict[str, dict[str, Any]] = {m: {"month": m, "reason": why, "rows_not_published": {},
                                           "financial_years_not_published": []} for m, why in blocked.items()}
    for table in tracked(tables):
        figures = figure_columns(table)
        masked_months: set[str] = set()
        for row in table.rows:
            period = row_period(row, ctx)
            hit = sorted(m for m in period_months(period) if m in blocked)
            if not hit:
                continue
            for c in figures:
                row[c] = NOT_PUBLISHED
            if "status" in row:
                row["status"] = f"Not published [x]: includes {' and '.join(hit)} (blocked from publication)"
            where = table.filename or f"kpi_pack.xlsx, sheet {table.sheet}"
            for m in hit:
                counts = left[m]["rows_not_published"]
                counts[where] = counts.get(where, 0) + 1
                if "/" in period and period not in left[m]["financial_years_not_published"]:
                    left[m]["financial_years_not_published"].append(period)
            masked_months.update(hit)
        if masked_months:
            table.notes.append(
                f"[x] = not published: {', '.join(sorted(masked_months))} was blocked from publication and never "
                "published, so no figure of it is shown, nor of a financial year that includes it.")
    return list(left.values())


def is_not_published(row: Mapping[str, Any], figures: Sequence[str]) -> bool:
    """A row left out (`mark_not_published`): its figures are `[x]` (its status says why)."""
    return any(row.get(c) == NOT_PUBLISHED for c in figures)


# ---------------------------------------------------------------- 2. revised figures: [r]
def mark_revisions(con: duckdb.DuckDBPyConnection, ctx: PackContext, tables: Iterable[PublishedTable], *,
                   version: int) -> list[dict[str, Any]]:
    """Add the `revised` column to every tracked table, mark each row whose figures differ from
    those first published (`[r]` and the columns), and return the manifest's `revisions`."""
    refs = first_published(con, ctx.council, besides=(ctx.period, version))
    all_loads = loads(con, ctx.council) if refs else []
    out: list[dict[str, Any]] = []
    for table in tracked(tables):
        table.columns.append(Column(REVISED_COLUMN, "text", REVISED_LABEL))
        table.notes.append(REVISED_NOTE)
        recorded_as = RECORDED_AS.get(table.id, table.id)
        keys, figures = key_columns(table), figure_columns(table)
        for i, row in enumerate(table.rows):
            row[REVISED_COLUMN] = ""
            if not refs or is_not_published(row, figures):
                continue
            rk = row_key(table, row, keys)
            period = row_period(row, ctx)
            changed = []
            for c in figures:
                ref = refs.get((recorded_as, period, rk, c))
                now = cell_text(table, row, c)
                if ref is None or ref.text == now or now == NOT_PUBLISHED:
                    continue
                changed.append(c)
                files = changed_by(all_loads, ref, period)
                in_pack = ref.month + (f" (version {ref.version})" if ref.version > 1 else "")
                table.cell_notes[(i, c)] = (
                    f"Revised [r]: first published as {ref.text} in the {in_pack} pack. "
                    + (f"Changed by: {', '.join(f.file for f in files)}." if files else
                       "No file of this period or later changed since (a change to the models)."))
                if table.id != recorded_as:
                    continue  # listed once, as the table that records it
                out.append({
                    "period": period, "table": table.id, "file": table.filename or None, "sheet": table.sheet,
                    "row": {k: cell_text(table, row, k) for k in keys}, "column": c,
                    "published": ref.text, "revised": now,
                    "published_in": {"month": ref.month, "version": ref.version,
                                     "published_at": _utc(ref.published_at)},
                    "last_published_unrevised_at": _utc(ref.unrevised_until),
                    "why": why(files), "changed_by": [f.entry() for f in files],
                })
            if changed:
                row[REVISED_COLUMN] = f"{REVISED} {'; '.join(changed)}"
    return out


def why(files: Sequence[Load]) -> str:
    if not files:
        return ("No file of this period or later has changed since the figure was last published unrevised: a "
                "change to the warehouse's models (or a file of an earlier month) restated it.")
    return "Restated by the file(s) loaded, with new content, since the figure was last published unrevised: " + "; ".join(
        f"{f.file} ({f.file_type}, {f.month or 'reference'}, loaded {_utc(f.loaded_at)})" for f in files) + "."


# ---------------------------------------------------------------- 1. what was published
def figures_of(ctx: PackContext, tables: Iterable[PublishedTable]) -> list[tuple[str, str, str, str, str]]:
    """(table, row period, row key, column, text) of every tracked cell, as published."""
    out = []
    for table in tracked(tables):
        if table.id in RECORDED_AS:
            continue
        keys, figures = key_columns(table), figure_columns(table)
        for row in table.rows:
            rk, period = row_key(table, row, keys), row_period(row, ctx)
            out += [(table.id, period, rk, c, cell_text(table, row, c)) for c in figures]
    return out


def record(con: duckdb.DuckDBPyConnection, ctx: PackContext, tables: Iterable[PublishedTable], *, version: int,
           published_at: dt.datetime, path: Path, reason: str | None = None, replaces: str | None = None) -> int:
    """Write what the pack publishes into audit.published_figures and audit.pack_versions (the
    caller holds the transaction). Returns the number of figures."""
    con.execute(DDL)
    stamp = naive_utc(published_at)
    figures = figures_of(ctx, tables)
    key = [ctx.council, ctx.period, version]
    con.execute("delete from audit.published_figures where council_code = ? and month = ? and version = ?", key)
    con.execute("delete from audit.pack_versions where council_code = ? and month = ? and version = ?", key)
    columns = list(zip(*figures)) if figures else [(), (), (), (), ()]
    con.execute(
        'insert into audit.published_figures (council_code, month, version, published_at, table_id, row_period,'
        ' row_key, "column", value_text) select ?, ?, ?, ?, unnest(?::varchar[]), unnest(?::varchar[]),'
        ' unnest(?::varchar[]), unnest(?::varchar[]), unnest(?::varchar[])',
        [*key, stamp, *[list(c) for c in columns]])
    con.execute("insert into audit.pack_versions values (?, ?, ?, ?, ?, ?, ?, ?)",
                [*key, str(path), reason, replaces, stamp, len(figures)])
    return len(figures)
