"""Inline SVG charts written by hand (no JavaScript, no external files). Pure functions -> SVG text.

Values may be ``None`` (not applicable) or a marker string such as ``[c]`` (suppressed): such a
point draws no bar/segment and its label shows the marker.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape
from typing import Any

FONT = "font-family=\"Arial, Helvetica, 'Liberation Sans', sans-serif\""
INK, MUTED, GRID = "#1f2933", "#616e7c", "#d9dee4"


def num(value: Any) -> float | None:
    if value is None or isinstance(value, (str, bool)):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def nice_ceiling(value: float) -> float:
    """The smallest 'nice' axis maximum (1, 2, 2.5, 5 x 10^k) at or above value."""
    if value <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(value))
    for m in (1, 2, 4, 8, 10):
        if m * exp >= value - 1e-9:
            return m * exp
    return 10 * exp


def _fmt(value: float, decimals: int = 1, suffix: str = "") -> str:
    return f"{value:,.{decimals}f}{suffix}"


def _marker(value: Any) -> str:
    return value if isinstance(value, str) else "[z]"


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{escape(title)}" {FONT} font-size="12">'
            f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def _text(x: float, y: float, s: str, *, anchor: str = "start", size: int = 12, fill: str = INK,
          weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}" '
            f'font-weight="{weight}">{escape(s)}</text>')


def legend(items: Sequence[tuple[str, str]], x: float, y: float, *, right: float | None = None) -> list[str]:
    """Swatches and names in a row; with `right`, a name that would pass it starts a new row 18 px lower."""
    out, cx = [], x
    for name, color in items:
        step = 17 + 7.2 * len(name) + 18
        if right is not None and cx > x and cx + step > right:
            cx, y = x, y + 18
        out.append(f'<rect x="{cx:.1f}" y="{y - 10:.1f}" width="12" height="12" rx="2" fill="{color}"/>')
        out.append(_text(cx + 17, y, name, fill=INK))
        cx += step
    return out


def legend_rows(items: Sequence[tuple[str, str]], x: float, right: float) -> int:
    """How many rows `legend(items, x, y, right=right)` takes."""
    rows, cx = 1, x
    for name, _ in items:
        step = 17 + 7.2 * len(name) + 18
        if cx > x and cx + step > right:
            rows, cx = rows + 1, x
        cx += step
    return rows


def grouped_hbars(title: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[Any], str]], *,
                  suffix: str = "%", decimals: int = 1, max_value: float | None = None, width: int = 900,
                  label_width: int = 190) -> str:
    """Horizontal bars, one group per category and one bar per series (e.g. % spend vs % activity)."""
    bar_h, gap = 14, 12
    group_h = bar_h * len(series) + gap
    top, plot_w = 40, width - label_width - 80
    height = top + group_h * len(categories) + 30
    vals = [num(v) for _, values, _ in series for v in values]
    vmax = max_value or nice_ceiling(max([v for v in vals if v is not None] + [1.0]))
    body = legend([(n, c) for n, _, c in series], label_width, 18)
    for k in range(5):
        gx = label_width + plot_w * k / 4
        body.append(f'<line x1="{gx:.1f}" y1="{top - 6}" x2="{gx:.1f}" y2="{height - 24}" stroke="{GRID}"/>')
        body.append(_text(gx, height - 8, _fmt(vmax * k / 4, 0, suffix), anchor="middle", size=11, fill=MUTED))
    for i, cat in enumerate(categories):
        y0 = top + i * group_h
        body.append(_text(label_width - 8, y0 + bar_h * len(series) / 2 + 4, cat, anchor="end"))
        for s, (_, values, color) in enumerate(series):
            raw = values[i]
            v = num(raw)
            y = y0 + s * bar_h
            if v is not None:
                w = max(plot_w * v / vmax, 0)
                body.append(f'<rect x="{label_width}" y="{y:.1f}" width="{w:.1f}" height="{bar_h - 2}" fill="{color}"/>')
                body.append(_text(label_width + w + 4, y + bar_h - 4, _fmt(v, decimals, suffix), size=11))
            else:
                body.append(_text(label_width + 4, y + bar_h - 4, _marker(raw), size=11, fill=MUTED))
    return _svg(width, height, title, body)


def hbars_panels(title: str, categories: Sequence[str],
                 panels: Sequence[tuple[str, Sequence[Any], str, float, str, int, Sequence[tuple[float, str]]]], *,
                 width: int = 900, label_width: int = 190) -> str:
    """Side-by-side horizontal bar panels sharing categories.

    Each panel: (heading, values, color, max, suffix, decimals, reference lines [(value, label)])."""
    bar_h, gap, top = 18, 8, 62
    panel_w = (width - label_width - 20 * len(panels)) / len(panels)
    height = top + (bar_h + gap) * len(categories) + 30
    body: list[str] = []
    for i, cat in enumerate(categories):
        body.append(_text(label_width - 8, top + i * (bar_h + gap) + bar_h - 5, cat, anchor="end"))
    for p, (heading, values, color, vmax, suffix, decimals, refs) in enumerate(panels):
        x0 = label_width + p * (panel_w + 20)
        body.append(_text(x0, 18, heading, weight="bold"))
        body.append(f'<line x1="{x0}" y1="{top - 6}" x2="{x0}" y2="{height - 24}" stroke="{MUTED}"/>')
        bounds = [ref for ref, _ in refs] + [vmax]
        for k, (ref, ref_label) in enumerate(refs):
            rx = x0 + (panel_w - 50) * ref / vmax
            rx2 = x0 + (panel_w - 50) * bounds[k + 1] / vmax
            shade = ("#fff4dc", "#fde3e1")[min(k, 1)]
            body.append(f'<rect x="{rx:.1f}" y="{top - 34 + 12 * k}" width="{rx2 - rx:.1f}" '
                        f'height="{height - 24 - top + 34 - 12 * k}" '
                        f'fill="{shade}"/>')
            body.append(_text(rx + 3, top - 22 + 12 * k, ref_label, size=10, fill=MUTED))
        body.append(_text(x0, height - 8, _fmt(0, 0, suffix), size=11, fill=MUTED))
        body.append(_text(x0 + panel_w - 50, height - 8, _fmt(vmax, 0, suffix), anchor="middle", size=11, fill=MUTED))
        for i, raw in enumerate(values):
            v = num(raw)
            y = top + i * (bar_h + gap)
            if v is None:
                body.append(_text(x0 + 4, y + bar_h - 5, _marker(raw), size=11, fill=MUTED))
                continue
            w = (panel_w - 50) * min(v, vmax) / vmax
            body.append(f'<rect x="{x0}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}"/>')
            body.append(_text(x0 + w + 4, y + bar_h - 5, _fmt(v, decimals, suffix), size=11))
    return _svg(width, height, title, body)


def stacked_100(title: str, groups: Sequence[tuple[str, Sequence[tuple[str, Sequence[Any]]]]],
                segments: Sequence[tuple[str, str]], *, width: int = 900, label_width: int = 230) -> str:
    """100% stacked horizontal bars. groups: [(group heading, [(bar label, counts per segment)])]."""
    bar_h, gap, head_h, top = 20, 6, 24, 36
    n_bars = sum(len(bars) for _, bars in groups)
    height = top + n_bars * (bar_h + gap) + len(groups) * head_h + 10
    plot_w = width - label_width - 20
    body = legend(segments, label_width, 18)
    y = top
    for heading, bars in groups:
        body.append(_text(8, y + 16, heading, weight="bold"))
        y += head_h
        for label_, counts in bars:
            vals = [num(c) or 0.0 for c in counts]
            total = sum(vals)
            body.append(_text(label_width - 8, y + bar_h - 6, label_, anchor="end"))
            if total <= 0:
                body.append(_text(label_width + 4, y + bar_h - 6, "no rated locations", size=11, fill=MUTED))
            x = float(label_width)
            for (name, color), v in zip(segments, vals):
                if total <= 0 or v <= 0:
                    continue
                w = plot_w * v / total
                body.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}">'
                            f'<title>{escape(name)}: {v / total * 100:.1f}%</title></rect>')
                if w > 34:
                    body.append(_text(x + w / 2, y + bar_h - 6, f"{v / total * 100:.0f}%", anchor="middle", size=11,
                                      fill="#ffffff" if color.lower() not in ("#f5c242", "#ffd166") else INK))
                x += w
            y += bar_h + gap
    return _svg(width, height, title, body)


def line_chart(title: str, xs: Sequence[Any], series: Sequence[tuple[str, Sequence[Any], str]], *,
               width: int = 900, height: int = 320, y_suffix: str = "", y_prefix: str = "",
               end_labels: bool = True) -> str:
    """Lines over an ordered x axis (e.g. projection years, months), y from 0. A point that is not a
    number (a marker such as [c] or [x]) leaves a gap in its line. Without `end_labels` (many
    series) the legend alone names the lines."""
    left, right = 70, 130 if end_labels else 30
    rows = legend_rows([(n, c) for n, _, c in series], left, width - 10)
    top, bottom = 36 + 18 * (rows - 1), 36
    height += 18 * (rows - 1)
    plot_w, plot_h = width - left - right, height - top - bottom
    vals = [num(v) for _, values, _ in series for v in values]
    vmax = nice_ceiling(max([v for v in vals if v is not None] + [1.0]) * 1.05)
    body = legend([(n, c) for n, _, c in series], left, 18, right=width - 10)
    for k in range(5):
        gy = top + plot_h - plot_h * k / 4
        body.append(f'<line x1="{left}" y1="{gy:.1f}" x2="{left + plot_w}" y2="{gy:.1f}" stroke="{GRID}"/>')
        body.append(_text(left - 6, gy + 4, y_prefix + _fmt(vmax * k / 4, 0, y_suffix), anchor="end", size=11,
                          fill=MUTED))
    n = len(xs)

    def px(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    step = max(1, round(n / 10))
    for i, x in enumerate(xs):
        if i % step == 0:
            body.append(_text(px(i), top + plot_h + 18, str(x), anchor="middle", size=11, fill=MUTED))
    for name, values, color in series:
        pts = [(px(i), top + plot_h - plot_h * v / vmax) for i, raw in enumerate(values) if (v := num(raw)) is not None]
        if not pts:
            continue
        runs: list[list[tuple[float, float]]] = [[]]
        for i, raw in enumerate(values):
            v = num(raw)
            if v is None:
                runs.append([])
            else:
                runs[-1].append((px(i), top + plot_h - plot_h * v / vmax))
        for run in runs:
            if len(run) > 1:
                body.append(f'<polyline fill="none" stroke="{color}" stroke-width="2.5" '
                            f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in run)}"/>')
            elif run:
                body.append(f'<circle cx="{run[0][0]:.1f}" cy="{run[0][1]:.1f}" r="2.5" fill="{color}"/>')
        lx, ly = pts[-1]
        last = [num(v) for v in values if num(v) is not None][-1]
        body.append(f'<circle cx="{lx:.1f}" cy="{ly:.1f}" r="3.5" fill="{color}"/>')
        if end_labels:
            body.append(_text(lx + 8, ly + 4, f"{name}: {y_prefix}{last:,.0f}", size=11, fill=color, weight="bold"))
    return _svg(width, height, title, body)


def sparkline(values: Sequence[Any], *, width: int = 130, height: int = 30, color: str = "#1f4e79") -> str:
    """A small trend line; suppressed/missing points leave gaps; the last point is marked."""
    nums = [num(v) for v in values]
    present = [v for v in nums if v is not None]
    if not present:
        return _svg(width, height, "no trend available", [_text(2, height / 2 + 4, "no data", size=10, fill=MUTED)])
    lo, hi = min(present), max(present)
    span = (hi - lo) or 1.0
    n = len(nums)

    def pt(i: int, v: float) -> tuple[float, float]:
        x = 4 + (width - 8) * (i / (n - 1) if n > 1 else 0.5)
        return x, height - 4 - (height - 8) * (v - lo) / span

    body, run = [], []
    for i, v in enumerate(nums + [None]):
        if v is not None:
            run.append(pt(i, v))
            continue
        if len(run) > 1:
            body.append(f'<polyline fill="none" stroke="{color}" stroke-width="1.6" '
                        f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in run)}"/>')
        elif len(run) == 1:
            body.append(f'<circle cx="{run[0][0]:.1f}" cy="{run[0][1]:.1f}" r="1.6" fill="{color}"/>')
        run = []
    last_i = max(i for i, v in enumerate(nums) if v is not None)
    lx, ly = pt(last_i, nums[last_i])  # type: ignore[arg-type]
    body.append(f'<circle cx="{lx:.1f}" cy="{ly:.1f}" r="2.8" fill="{color}"/>')
    return _svg(width, height, "trend", body)
