"""Server-rendered SVG bar charts (no script, no library): the markup is built from numbers
and escaped labels only."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

from gateway.domain.model import plain

WIDTH, HEIGHT, PAD = 640, 220, 28


def bar_chart(
    title: str, labels: Sequence[str], series: Sequence[tuple[str, str, Sequence[Decimal]]]
) -> str:
    """Grouped bars: ``series`` is (name, colour, values per label). Returns one ``<svg>``."""
    values = [v for _, _, vs in series for v in vs]
    top = max([*values, Decimal(1)])
    n, k = max(len(labels), 1), max(len(series), 1)
    slot = (WIDTH - 2 * PAD) / n
    bar = max(slot / (k + 1), 1.0)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT + 40}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<line x1="{PAD}" y1="{HEIGHT}" x2="{WIDTH - PAD}" y2="{HEIGHT}" stroke="#999"/>',
        f'<text x="{PAD}" y="12">{escape(plain(top))}</text>',
    ]
    for i, label in enumerate(labels):
        x0 = PAD + i * slot
        for j, (name, colour, vs) in enumerate(series):
            value = vs[i] if i < len(vs) else Decimal(0)
            h = float(max(value, Decimal(0)) / top) * (HEIGHT - 20)
            x = x0 + bar * (j + 0.5)
            parts.append(
                f'<rect x="{x:.1f}" y="{HEIGHT - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{colour}"><title>{escape(label)} {escape(name)}: {plain(value)}'
                "</title></rect>"
            )
        if n <= 12 or i % max(n // 10, 1) == 0:
            parts.append(f'<text x="{x0 + 2:.1f}" y="{HEIGHT + 14}">{escape(label)}</text>')
    for j, (name, colour, _) in enumerate(series):
        y = HEIGHT + 32
        parts.append(
            f'<rect x="{PAD + j * 140}" y="{y - 9}" width="10" height="10" fill="{colour}"/>'
        )
        parts.append(f'<text x="{PAD + j * 140 + 14}" y="{y}">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
