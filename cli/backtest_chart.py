"""Inline SVG for `crm-credit backtest --svg`: bad rate by grade per as-of day, and the ROC curve.

A tiny local kit (no scripts, no external references) until the product's SVG kit
(`webhooks/report/svg.py`) is on main; then these charts should move onto it.
"""

from __future__ import annotations

from html import escape

from sync.backtest import BacktestResult

WIDTH, HEIGHT, PAD = 360, 240, 36
COLOURS = ("#1f6feb", "#d29922", "#8957e5", "#2da44e")
INK = "#24292f"


def _text(x: float, y: float, content: str, anchor: str = "middle", size: int = 11) -> str:
    where = f'x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{INK}"'
    return f"<text {where}>{escape(content)}</text>"


def bad_rate_chart(results: list[BacktestResult]) -> str:
    """Grouped bars: the bad rate of each grade, one bar per as-of day."""
    grades = [row.grade for row in results[0].by_grade] if results else []
    peak = max((row.bad_rate or 0 for r in results for row in r.by_grade), default=0) or 1
    plot_w, plot_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    slot = plot_w / max(len(grades), 1)
    bar = slot * 0.8 / max(len(results), 1)
    body = [_text(WIDTH / 2, 16, "Bad rate by grade (90+ days past due within the horizon)", size=12)]
    for gi, grade in enumerate(grades):
        body.append(_text(PAD + slot * (gi + 0.5), HEIGHT - PAD + 14, grade))
        for ri, result in enumerate(results):
            rate = result.by_grade[gi].bad_rate or 0
            h = plot_h * rate / peak
            x = PAD + slot * gi + slot * 0.1 + bar * ri
            label = f"{grade} as of {result.as_of.isoformat()}: {rate:.1%} of {result.by_grade[gi].accounts}"
            body.append(f'<rect x="{x:.1f}" y="{HEIGHT - PAD - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                        f'fill="{COLOURS[ri % len(COLOURS)]}"><title>{escape(label)}</title></rect>')  # fmt: skip
    body.append(_text(PAD - 4, PAD + 4, f"{peak:.0%}", anchor="end", size=10))
    body.append(f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="{INK}"/>')
    return _frame(body)


def roc_chart(result: BacktestResult) -> str:
    """The ROC curve of one as-of day (bads caught against goods declined, cutting from the lowest score up)."""
    cases = sorted(result.cases, key=lambda c: c.decision.score)
    bads = sum(c.bad for c in cases) or 1
    goods = (len(cases) - sum(c.bad for c in cases)) or 1
    points, seen_bad, seen_good = [(0.0, 0.0)], 0, 0
    for i, case in enumerate(cases):
        seen_bad += case.bad
        seen_good += not case.bad
        if i + 1 == len(cases) or cases[i + 1].decision.score != case.decision.score:
            points.append((seen_good / goods, seen_bad / bads))
    side = HEIGHT - 2 * PAD
    path = " ".join(f"{PAD + x * side:.1f},{HEIGHT - PAD - y * side:.1f}" for x, y in points)
    auc = f"AUC {result.auc:.3f}" if result.auc is not None else "AUC n/a"
    body = [
        _text(WIDTH / 2, 16, f"ROC as of {result.as_of.isoformat()} · {auc}", size=12),
        f'<rect x="{PAD}" y="{PAD}" width="{side}" height="{side}" fill="none" stroke="{INK}"/>',
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{PAD + side}" y2="{PAD}" stroke="#8c959f" stroke-dasharray="4"/>',
        f'<polyline points="{path}" fill="none" stroke="{COLOURS[0]}" stroke-width="2"/>',
        _text(PAD + side / 2, HEIGHT - PAD + 16, "share of goods declined", size=10),
        _text(PAD + side + 6, PAD + 10, "bads caught", anchor="start", size=10),
    ]
    return _frame(body)


def _frame(body: list[str]) -> str:
    inner = "".join(body)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" font-family="sans-serif">{inner}</svg>')  # fmt: skip
