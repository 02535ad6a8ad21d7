"""Charts drawn on the server as SVG: bars (stacked or side by side) and lines, nothing that runs in the browser.

The UI's policy allows no script and no inline style, so colours and sizes are SVG presentation attributes.
Every drawn value is one element of class ``mark`` carrying ``data-series``, ``data-category`` and
``data-value`` (and a ``<title>`` a browser shows on hover): the table under a chart and its CSV list the
same marks, and the tests compare them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#8C6D31", "#F0E442")
INK, GRID = "#444444", "#dddddd"
WIDTH, PLOT_H, LEFT, RIGHT, TOP, BOTTOM = 760, 220, 64, 14, 14, 30
LEGEND_COL, LEGEND_ROW = 186, 18


@dataclass
class Line:
    key: str
    label: str
    values: list[float | int | None]  # one per category; None: nothing drawn
    counts: list[int] | None = None  # reports behind each value (shown on hover)


def color(n: int) -> str:
    return PALETTE[n % len(PALETTE)]


def fmt(v: float | int) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return f"{v:,}" if isinstance(v, int) else f"{v:,.2f}".rstrip("0").rstrip(".")


def _attr(v: float | int) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v)


def nice_ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    """Round tick values covering lo..hi (0 included)."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    if hi == lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    t = start
    while t < hi + step * 0.999:
        ticks.append(round(t, 10))
        t += step
    return ticks


class _Frame:
    def __init__(self, categories: list[str], lo: float, hi: float, legend_items: int) -> None:
        self.categories = categories
        self.ticks = nice_ticks(lo, hi)
        self.lo, self.hi = self.ticks[0], self.ticks[-1]
        self.plot_w = WIDTH - LEFT - RIGHT
        per_row = max(1, (WIDTH - LEFT) // LEGEND_COL)
        self.legend_rows = -(-legend_items // per_row) if legend_items else 0
        self.per_row = per_row
        self.height = TOP + PLOT_H + BOTTOM + self.legend_rows * LEGEND_ROW + 6

    def y(self, v: float) -> float:
        return TOP + PLOT_H - (v - self.lo) / (self.hi - self.lo) * PLOT_H

    def band(self) -> float:
        return self.plot_w / max(1, len(self.categories))

    def x(self, i: int) -> float:
        return LEFT + self.band() * (i + 0.5)

    def axes(self) -> list[str]:
        out = ['<g class="axis">']
        for t in self.ticks:
            y = self.y(t)
            out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
            out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="{INK}">'
                       f'{escape(fmt(t))}</text>')
        out.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{self.y(0):.1f}" y2="{self.y(0):.1f}" stroke="{INK}"/>')
        step = max(1, math.ceil(len(self.categories) * 42 / self.plot_w))  # keep labels apart
        for i, c in enumerate(self.categories):
            if i % step == 0:
                out.append(f'<text x="{self.x(i):.1f}" y="{TOP + PLOT_H + 18}" text-anchor="middle" font-size="11" '
                           f'fill="{INK}">{escape(c)}</text>')
        out.append("</g>")
        return out

    def legend(self, lines: list[Line]) -> list[str]:
        out = ['<g class="legend">']
        for n, line in enumerate(lines):
            col, row = n % self.per_row, n // self.per_row
            x, y = LEFT + col * LEGEND_COL, TOP + PLOT_H + BOTTOM + row * LEGEND_ROW
            out.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{color(n)}"/>'
                       f'<text x="{x + 16}" y="{y + 10}" font-size="11" fill="{INK}">{escape(line.label)}</text>')
        out.append("</g>")
        return out


def _mark_title(line: Line, category: str, i: int, v: float | int) -> str:
    n = line.counts[i] if line.counts else None
    return escape(f"{line.label} · {category}: {fmt(v)}" + (f" ({n} report{'s' if n != 1 else ''})" if n is not None else ""))


def _svg(chart_id: str, title: str, frame: _Frame, body: list[str]) -> Markup:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="chart-{escape(chart_id)}" '
            f'viewBox="0 0 {WIDTH} {frame.height:.0f}" width="100%" role="img" '
            f'aria-labelledby="chart-{escape(chart_id)}-title" font-family="sans-serif">'
            f'<title id="chart-{escape(chart_id)}-title">{escape(title)}</title>')
    return Markup(head + "".join(body) + "</svg>")


def _empty(chart_id: str, title: str) -> Markup:
    frame = _Frame(["—"], 0, 1, 0)
    body = frame.axes() + [f'<text x="{WIDTH / 2}" y="{TOP + PLOT_H / 2}" text-anchor="middle" font-size="13" '
                           f'fill="{INK}" class="no-data">no figures for this selection</text>']
    return _svg(chart_id, title, frame, body)


def bar_chart(chart_id: str, title: str, categories: list[str], lines: list[Line], stacked: bool = True) -> Markup:
    """Bars per category: one per series side by side, or stacked (negative values below the axis)."""
    values = [v for line in lines for v in line.values if v is not None]
    if not values:
        return _empty(chart_id, title)
    if stacked:
        ups = [sum(max(0, line.values[i] or 0) for line in lines) for i in range(len(categories))]
        downs = [sum(min(0, line.values[i] or 0) for line in lines) for i in range(len(categories))]
        frame = _Frame(categories, min(downs), max(ups), len(lines))
    else:
        frame = _Frame(categories, min(values), max(values), len(lines))
    band = frame.band()
    width = band * 0.72
    body = frame.axes() + ['<g class="marks">']
    for i, category in enumerate(categories):
        up = down = 0.0
        for n, line in enumerate(lines):
            v = line.values[i]
            if v is None:
                continue
            if stacked:
                x, w = frame.x(i) - width / 2, width
                if v >= 0:
                    y0, y1 = frame.y(up + v), frame.y(up)
                    up += v
                else:
                    y0, y1 = frame.y(down), frame.y(down + v)
                    down += v
            else:
                w = width / len(lines)
                x = frame.x(i) - width / 2 + n * w
                y0, y1 = (frame.y(v), frame.y(0)) if v >= 0 else (frame.y(0), frame.y(v))
            body.append(f'<rect class="mark" data-series="{escape(line.key)}" data-category="{escape(category)}" '
                        f'data-value="{_attr(v)}" x="{x:.2f}" y="{y0:.2f}" width="{max(w - 1, 1):.2f}" '
                        f'height="{max(y1 - y0, 0):.2f}" fill="{color(n)}"><title>{_mark_title(line, category, i, v)}'
                        f'</title></rect>')
    body.append("</g>")
    return _svg(chart_id, title, frame, body + frame.legend(lines))


def line_chart(chart_id: str, title: str, categories: list[str], lines: list[Line]) -> Markup:
    """A line per series over the categories (years); a missing value breaks the line, a point marks each value."""
    values = [v for line in lines for v in line.values if v is not None]
    if not values:
        return _empty(chart_id, title)
    frame = _Frame(categories, min(values), max(values), len(lines))
    body = frame.axes() + ['<g class="marks">']
    for n, line in enumerate(lines):
        run: list[str] = []
        for i, v in enumerate(line.values + [None]):
            if v is not None:
                run.append(f"{frame.x(i):.2f},{frame.y(v):.2f}")
                continue
            if len(run) > 1:
                body.append(f'<polyline points="{" ".join(run)}" fill="none" stroke="{color(n)}" stroke-width="2"/>')
            run = []
        for i, v in enumerate(line.values):
            if v is None:
                continue
            body.append(f'<circle class="mark" data-series="{escape(line.key)}" data-category="{escape(categories[i])}" '
                        f'data-value="{_attr(v)}" cx="{frame.x(i):.2f}" cy="{frame.y(v):.2f}" r="4" fill="{color(n)}">'
                        f'<title>{_mark_title(line, categories[i], i, v)}</title></circle>')
    body.append("</g>")
    return _svg(chart_id, title, frame, body + frame.legend(lines))
