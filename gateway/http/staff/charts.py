"""Server-rendered SVG bar charts (no script, no library): the markup is built from numbers
and escaped labels only. The scale is labelled: ticks at round values and the unit at the
top of the axis; one chart holds one unit (docs/staff.md, "An account")."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

from gateway.domain.model import plain

WIDTH, HEIGHT, TOP, LEFT, RIGHT = 640, 220, 24, 56, 12
TICKS = 4


def nice_step(top: Decimal, ticks: int = TICKS) -> Decimal:
    """A round step (1, 2, 2.5 or 5 times a power of ten) so ``ticks`` steps reach ``top``."""
    if top <= 0:
        return Decimal(1)
    rough = top / ticks
    power = Decimal(1).scaleb(rough.adjusted())
    for m in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if m * power >= rough:
            return m * power
    return 10 * power  # pragma: no cover - the loop always returns


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[Decimal]]],
    unit: str = "",
) -> str:
    """Grouped bars: ``series`` is (name, colour, values per label), all in ``unit``.
    Returns one ``<svg>``."""
    values = [v for _, _, vs in series for v in vs]
    step = nice_step(max([*values, Decimal(0)]))
    top = step * TICKS
    n, k = max(len(labels), 1), max(len(series), 1)
    slot = (WIDTH - LEFT - RIGHT) / n
    bar = max(slot / (k + 1), 1.0)
    base = TOP + HEIGHT
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {base + 44}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<text class="unit" x="{LEFT - 6}" y="12" text-anchor="end">{escape(unit)}</text>',
    ]
    for i in range(TICKS + 1):
        y = base - HEIGHT * i / TICKS
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="{"#999" if i == 0 else "#e3e7ec"}"/>'
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{plain(step * i)}</text>"
        )
    for i, label in enumerate(labels):
        x0 = LEFT + i * slot
        for j, (name, colour, vs) in enumerate(series):
            value = vs[i] if i < len(vs) else Decimal(0)
            h = float(max(value, Decimal(0)) / top) * HEIGHT
            x = x0 + bar * (j + 0.5)
            parts.append(
                f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{escape(label)} {escape(name)}: {plain(value)} '
                f"{escape(unit)}</title></rect>"
            )
        if n <= 12 or i % max(n // 10, 1) == 0:
            parts.append(f'<text x="{x0 + 2:.1f}" y="{base + 14}">{escape(label)}</text>')
    for j, (name, colour, _) in enumerate(series):
        y = base + 34
        parts.append(
            f'<rect x="{LEFT + j * 200}" y="{y - 9}" width="10" height="10" fill="{colour}"/>'
        )
        parts.append(f'<text x="{LEFT + j * 200 + 14}" y="{y}">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
