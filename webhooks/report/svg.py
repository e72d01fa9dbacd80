"""A small inline-SVG chart kit: vertical bars (one or two series) and horizontal bars with markers.

Charts are plain strings meant to sit inside an HTML page: no namespace URL, no scripts, no fonts or
images to fetch, so the report opens offline and prints as it shows. Every text is XML-escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

Number = int | float | Decimal
Format = Callable[[Number], str]
INK, MUTED, GRID = "#1f2933", "#7b8794", "#e4e7eb"
PALETTE = ("#2f6fab", "#9fb3c8", "#d64545", "#f0b429", "#3ebd93", "#8662c7")


def plain(value: Number) -> str:
    """A number with thousands separators and no decimals."""
    return f"{float(value):,.0f}"


def compact(value: Number) -> str:
    """12.3m, 450k, 980: short labels for money axes."""
    v = float(value)
    for size, suffix in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if abs(v) >= size:
            return f"{v / size:.1f}{suffix}"
    return f"{v:.0f}"


def _text(x: float, y: float, content: str, anchor: str = "start", size: int = 11, fill: str = INK) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}">'
        f"{escape(content)}</text>"
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, label: str) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{max(h, 0):.1f}" fill="{fill}">'
        f"<title>{escape(label)}</title></rect>"
    )


def _frame(title: str, width: int, height: int, body: list[str]) -> str:
    head = (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(title)}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">'
    )
    return "".join([head, f"<title>{escape(title)}</title>", _text(8, 18, title, size=13), *body, "</svg>"])


def _nice_max(value: float) -> float:
    """A round axis top at or above `value` (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10 ** len(str(int(value))) / 10
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


@dataclass(frozen=True)
class Series:
    """One named row of values, drawn in one colour."""

    name: str
    values: Sequence[Number]
    color: str = PALETTE[0]


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    fmt: Format = plain,
    width: int = 460,
    height: int = 260,
    colors: Sequence[str] | None = None,
) -> str:
    """Vertical bars, one group per label and one bar per series; `colors` colours a single series per bar."""
    left, right, top, bottom = 56, 12, 40, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max((float(v) for s in series for v in s.values), default=0.0))
    body = _y_axis(left, top, plot_w, plot_h, peak, fmt)
    group_w = plot_w / max(len(labels), 1)
    bar_w = group_w * 0.7 / max(len(series), 1)
    for i, label in enumerate(labels):
        x0 = left + i * group_w + group_w * 0.15
        for j, s in enumerate(series):
            value = float(s.values[i])
            h = plot_h * value / peak
            fill = colors[i] if colors and len(series) == 1 else s.color
            tip = f"{label}: {fmt(value)}" + (f" ({s.name})" if len(series) > 1 else "")
            body.append(_rect(x0 + j * bar_w, top + plot_h - h, bar_w - 2, h, fill, tip))
        body.append(_text(left + (i + 0.5) * group_w, top + plot_h + 16, label, "middle", 10))
    body.extend(_legend(series, left, height - 10) if len(series) > 1 else [])
    return _frame(title, width, height, body)


def _y_axis(left: float, top: float, plot_w: float, plot_h: float, peak: float, fmt: Format) -> list[str]:
    parts = []
    for k in range(5):
        value = peak * k / 4
        y = top + plot_h - plot_h * k / 4
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(_text(left - 6, y + 4, fmt(value), "end", 10, MUTED))
    return parts


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    parts = []
    for s in series:
        parts.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{s.color}"/>')
        parts.append(_text(x + 14, y, s.name, size=10))
        x += 24 + 7 * len(s.name)
    return parts


@dataclass(frozen=True)
class Row:
    """One horizontal bar: its label, value and an optional marker (a limit, say)."""

    label: str
    value: Number
    marker: Number | None = None
    color: str = PALETTE[0]


def _line(
    x1: float, y1: float, x2: float, y2: float, stroke: str, width: int = 1, dash: str = "", tip: str = ""
) -> str:
    dashes = f' stroke-dasharray="{dash}"' if dash else ""
    title = f"<title>{escape(tip)}</title>" if tip else ""
    return (
        f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{stroke}" '
        f'stroke-width="{width}"{dashes}>{title}</line>'
    )


def hbar_chart(
    title: str,
    rows: Sequence[Row],
    fmt: Format = plain,
    width: int = 460,
    marker_name: str = "",
    reference: tuple[str, Number] | None = None,
) -> str:
    """Horizontal bars with an optional tick per row (`marker`) and one vertical reference line (a cap)."""
    left, top, row_h = 170, 40, 20
    height = top + row_h * max(len(rows), 1) + 34
    plot_w = width - left - 60
    values = [float(r.value) for r in rows] + [float(r.marker) for r in rows if r.marker is not None]
    peak = _nice_max(max([*values, float(reference[1]) if reference else 0.0], default=0.0))
    body: list[str] = []
    for i, row in enumerate(rows):
        y = top + i * row_h
        w = plot_w * float(row.value) / peak
        tip = f"{row.label}: {fmt(row.value)}"
        body.append(_text(left - 6, y + 13, row.label[:26], "end", 10))
        body.append(_rect(left, y + 3, w, row_h - 6, row.color, tip))
        body.append(_text(left + w + 4, y + 13, fmt(row.value), size=9, fill=MUTED))
        if row.marker is not None:
            mx = left + plot_w * float(row.marker) / peak
            body.append(_line(mx, y + 1, mx, y + row_h - 1, INK, 2, tip=f"{marker_name} {fmt(row.marker)}"))
    bottom = top + row_h * len(rows)
    if reference is not None:
        name, value = reference
        rx = left + plot_w * float(value) / peak
        body.append(_line(rx, top - 4, rx, bottom + 4, "#d64545", 1, "4 3"))
        body.append(_text(rx, bottom + 18, f"{name} {fmt(value)}", "middle", 10, "#d64545"))
    if marker_name:
        body.append(_line(left, height - 12, left, height - 2, INK, 2))
        body.append(_text(left + 6, height - 3, marker_name, size=10))
    return _frame(title, width, height, body)
