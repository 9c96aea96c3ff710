"""The report's pictures, as inline SVG (no network, no script): a stacked bar of outcomes per place, and the
documented rows each architecture's run tested."""

from __future__ import annotations

from html import escape

# (label, colour) of each bar segment, in drawing order; the colours are the matrix cells'.
OUTCOMES = (("passed", "#5cb85c"), ("deviations", "#f0ad4e"), ("failed", "#d9534f"), ("not applicable", "#bbbbbb"))
COVERAGE = (("tested", "#5cb85c"), ("not tested", "#d9534f"), ("unreachable here", "#bbbbbb"))

WIDTH = 1000  # the drawing's own units; it scales to the page (width 100%, at most this)
LABEL = 330  # room for "qemu-arm64-gicv3@6.12.48+deb13-cloud-arm64"
BAR = WIDTH - LABEL - 170  # and for the figures at the right
ROW = 22


def _legend(items, y: int) -> str:
    out, x = [], LABEL
    for label, colour in items:
        out.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>'
                   f'<text x="{x + 16}" y="{y + 11}">{escape(label)}</text>')
        x += 24 + 7 * len(label)
    return "".join(out)


def bars(rows: list[tuple[str, list[int]]], items, scale: int | None, title: str, element_id: str,
         figure=lambda counts: str(sum(counts))) -> str:
    """One labelled bar per row: its counts stacked in `items`' colours, `scale` the full bar's count (None:
    each row's own total, a bar of proportions)."""
    height = ROW * len(rows) + 30
    out = [f'<svg id="{element_id}" class="kvm-chart" viewBox="0 0 {WIDTH} {height}" role="img" '
           f'xmlns="http://www.w3.org/2000/svg" font-family="sans-serif" font-size="12">'
           f"<title>{escape(title)}</title>"]
    for i, (label, counts) in enumerate(rows):
        y = 4 + i * ROW
        out.append(f'<g class="bar" data-label="{escape(label)}"><text x="{LABEL - 6}" y="{y + 13}" '
                   f'text-anchor="end">{escape(label)}</text>')
        x, full = float(LABEL), sum(counts) if scale is None else scale
        for (name, colour), n in zip(items, counts, strict=True):
            if not n:
                continue
            w = BAR * n / full if full else 0
            out.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="16" fill="{colour}" data-{_attr(name)}='
                       f'"{n}"><title>{escape(label)}: {n} {escape(name)}</title></rect>')
            x += w
        out.append(f'<text x="{LABEL + BAR + 6}" y="{y + 13}">{escape(figure(counts))}</text></g>')
    out.append(_legend(items, height - 18) + "</svg>")
    return "".join(out)


def _attr(name: str) -> str:
    return name.replace(" ", "-")


def outcomes(places) -> str:
    """abi.report.verdict.Place rows, on one scale: the longest bar is the place that ran the most tests."""
    rows = [(p.name, [p.passed, p.deviations, p.failed, p.not_applicable]) for p in places]
    scale = max((sum(c) for _, c in rows), default=0)
    return bars(rows, OUTCOMES, scale, "Outcomes per machine and kernel", "kvm-outcomes-chart",
                lambda c: f"{sum(c)} tests")


def coverage(figures) -> str:
    """abi.spec.coverage.Figure per architecture: of its documented rows, tested, not tested, unreachable."""
    rows = [(f.arch, [f.covered, f.total - f.unreachable - f.covered, f.unreachable]) for f in figures
            if f.measured is not None]
    if not rows:
        return ""
    return bars(rows, COVERAGE, None, "Documented rows tested, per architecture",
                "kvm-coverage-chart",
                lambda c: f"{100.0 * c[0] / (c[0] + c[1]) if c[0] + c[1] else 100.0:.1f} % of {c[0] + c[1]} reachable")
