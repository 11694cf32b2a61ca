"""The month's data-quality report (self-contained HTML) and its summary for the manifest.

Examples only ever carry what the checks put in them: file, line, pseudonymised identifiers
(hashed person ids, event/agreement/payment ids) and the offending value; dates of birth, NHS
numbers and postcodes never reach them (see ``suites.SENSITIVE_COLUMNS``).
"""
from __future__ import annotations

from collections import Counter
from html import escape
from typing import Any

from orchestration.gates.results import CheckResult, cause_rank
from orchestration.gates.suites import SENSITIVE_COLUMNS
from orchestration.months import month_label
from orchestration.partitions_key import Part

# Readable at 1,400 px and narrower (issue 30): the checks table has fixed column widths and every
# cell wraps (long check names and file names included), and a failure's example rows scroll inside
# their own box instead of widening the page, so the reason (Detail) is always on screen.
_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1b1b1b}
h1{font-size:1.5rem} h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;font-size:.88rem;margin:.5rem 0}
table.checks{table-layout:fixed}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f2f2f2}
.PASS{color:#176d2c;font-weight:600} .SKIPPED{color:#666}
.FAIL-ERROR{color:#fff;background:#b00020;font-weight:600} .FAIL-WARN{color:#000;background:#ffd54f;font-weight:600}
.banner{padding:.8rem 1rem;border-radius:4px;font-weight:600}
.blocked{background:#fde0e0;border:1px solid #b00020} .ok{background:#e3f4e6;border:1px solid #176d2c}
ol.reasons li{margin:.4rem 0;overflow-wrap:anywhere}
details{margin:.2rem 0} code{font-size:.85rem;overflow-wrap:anywhere}
.examples{overflow-x:auto;max-width:100%}
.examples table{width:auto;min-width:100%}
.examples td{overflow-wrap:normal;white-space:nowrap}
"""


def _css_class(r: CheckResult) -> str:
    if r.skipped:
        return "SKIPPED"
    return "PASS" if r.passed else f"FAIL-{r.severity}"


def _safe_examples(r: CheckResult, limit: int) -> list[dict[str, Any]]:
    return [{k: v for k, v in ex.items() if k not in SENSITIVE_COLUMNS} for ex in r.examples[:limit]]


def _examples_table(examples: list[dict[str, Any]]) -> str:
    if not examples:
        return ""
    cols: list[str] = []
    for ex in examples:
        cols += [k for k in ex if k not in cols]
    head = "".join(f"<th>{escape(str(c))}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape('' if ex.get(c) is None else str(ex.get(c)))}</td>" for c in cols) + "</tr>"
        for ex in examples
    )
    return f'<div class="examples"><table><tr>{head}</tr>{body}</table></div>'


def summary_for_manifest(results: list[CheckResult]) -> dict[str, Any]:
    """JSON-able summary: counts, whether the month is blocked, and one line per check."""
    failed = [r for r in results if not r.passed and not r.skipped]
    months = sorted({r.month for r in results if r.month})
    return {
        "month": months[0] if len(months) == 1 else months,
        "checks": len(results),
        "passed": sum(r.passed and not r.skipped for r in results),
        "skipped": sum(r.skipped for r in results),
        "failed_error": sum(r.severity == "ERROR" for r in failed),
        "failed_warn": sum(r.severity == "WARN" for r in failed),
        "blocked": any(r.blocking for r in results),
        "results": [
            {
                "name": r.name,
                "severity": r.severity,
                "status": r.status,
                "passed": r.passed,
                "skipped": r.skipped,
                "file": r.file,
                "column": r.column,
                "message": r.message,
            }
            for r in sorted(results, key=_order)
        ],
    }


def _order(r: CheckResult) -> tuple[int, tuple[int, str]]:
    """Blocking failures first, root cause first (results.cause_rank), then warnings, skipped, passed."""
    rank = 0 if r.blocking else 1 if (not r.passed and not r.skipped) else 2 if r.skipped else 3
    return rank, cause_rank(r) if r.blocking else (0, r.name)


def _reasons(results: list[CheckResult]) -> str:
    """The month's blocking reasons, root cause first, above everything else."""
    blocking = sorted((r for r in results if r.blocking), key=cause_rank)
    if not blocking:
        return ""
    items = "".join(
        f"<li><strong>{escape(r.message)}</strong><br><code>{escape(r.name)}</code>"
        + (f" &middot; {escape(r.file)}" if r.file else "") + (f" &middot; {escape(r.column)}" if r.column else "")
        + "</li>" for r in blocking)
    return f'<h2>Why it is blocked</h2><ol class="reasons">{items}</ol>'


def render_report_html(results: list[CheckResult], part: Part, max_examples: int = 5) -> str:
    """Self-contained HTML: a verdict, then every check (failures first) with up to
    ``max_examples`` offending rows for each failure.  Deterministic: the same results give the
    same bytes (no timestamps), so a republished pack does not change needlessly."""
    label = f"{part.council} {month_label(part.month)}"
    s = summary_for_manifest(results)
    verdict = (
        f'<p class="banner blocked">Blocked: {s["failed_error"]} blocking check(s) failed; '
        f"the {label} pack will not be published.</p>"
        if s["blocked"]
        else f'<p class="banner ok">No blocking failures: {label} may be published'
        + (f' ({s["failed_warn"]} warning(s) below).' if s["failed_warn"] else ".")
        + "</p>"
    )
    by_file: Counter[str] = Counter(r.file or "-" for r in results if not r.passed and not r.skipped)
    rows = []
    for r in sorted(results, key=_order):
        detail = ""
        if not r.passed and not r.skipped and r.examples:
            detail = (
                f"<details><summary>{min(len(r.examples), max_examples)} example row(s)</summary>"
                f"{_examples_table(_safe_examples(r, max_examples))}</details>"
            )
        rows.append(
            f'<tr><td class="{_css_class(r)}">{escape(r.status)}</td><td><code>{escape(r.name)}</code></td>'
            f"<td>{escape(r.file or '')}</td><td>{escape(r.column or '')}</td>"
            f'<td class="detail">{escape(r.message)}{detail}</td></tr>'
        )
    failing_files = "".join(f"<li>{escape(f)}: {n} failed check(s)</li>" for f, n in by_file.most_common())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Data-quality report {escape(label)}</title>
<style>{_CSS}</style></head><body>
<h1>Data-quality report: {escape(label)}</h1>
{verdict}
{_reasons(results)}
<p>{s["checks"]} checks: {s["passed"]} passed, {s["failed_error"]} failed (ERROR), {s["failed_warn"]} failed (WARN),
{s["skipped"]} skipped.</p>
{f"<h2>Files with failures</h2><ul>{failing_files}</ul>" if failing_files else ""}
<h2>Checks</h2>
<table class="checks"><colgroup><col style="width:8rem"><col style="width:24%"><col style="width:16%">
<col style="width:10%"><col></colgroup>
<tr><th>Result</th><th>Check</th><th>File</th><th>Column</th><th>Detail</th></tr>
{''.join(rows)}
</table>
<p>Examples show file, line and pseudonymised identifiers only (keyed hashes of person ids);
dates of birth, NHS numbers and postcodes are never shown. Failing rows are listed in full in
<code>raw._rejects</code>.</p>
</body></html>
"""
