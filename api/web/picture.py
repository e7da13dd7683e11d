"""The round as a picture: an inline SVG of who lends to whom on a map-like layout.

Each coop sits at its own coordinates, else at its district's centre (the district table of
``scenarios/data``), else on a circle. Coops of one district are spread on a small ring so
they do not hide each other. An arrow runs from lender to borrower; its width grows with the
amount. Output depends only on the input (sorted), never on its order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

from scenarios.sim.loader import districts

WIDTH, HEIGHT, PAD, RING = 640, 420, 90, 55


@dataclass(frozen=True)
class Flow:
    """One arrow: lender → borrower (``loan``) or seller → buyer (``sale``), in satang."""

    source: str
    target: str
    amount_satang: int
    kind: str = "loan"


COLOURS = {"loan": "#2f6f4f", "sale": "#c0621b"}
"""Loans green, sales orange (the legend in the page says which is which)."""


def _raw_positions(
    places: dict[str, tuple[str, str, int | None, int | None]],
) -> dict[str, tuple[float, float] | None]:
    table = districts()
    out: dict[str, tuple[float, float] | None] = {}
    for cid, (_name, code, lat, lon) in sorted(places.items()):
        if lat is not None and lon is not None:
            out[cid] = (lon / 1e5, lat / 1e5)
        elif code in table:
            out[cid] = (table[code].lon_e5 / 1e5, table[code].lat_e5 / 1e5)
        else:
            out[cid] = None
    return out


def layout(
    places: dict[str, tuple[str, str, int | None, int | None]],
) -> dict[str, tuple[int, int]]:
    """Coop id → (x, y) pixel position inside the picture."""
    raw = _raw_positions(places)
    known = {k: v for k, v in raw.items() if v is not None}
    unknown = sorted(k for k, v in raw.items() if v is None)
    pos: dict[str, tuple[float, float]] = {}
    if known:
        xs = [v[0] for v in known.values()]
        ys = [v[1] for v in known.values()]
        span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-3)
        scale = min(WIDTH, HEIGHT) - 2 * PAD
        for k, (x, y) in known.items():
            px = PAD + (x - min(xs)) / span * scale
            pos[k] = (px, HEIGHT - PAD - (y - min(ys)) / span * scale)
    for i, k in enumerate(unknown):
        angle = 2 * math.pi * i / max(1, len(unknown))
        pos[k] = (WIDTH / 2 + 150 * math.cos(angle), HEIGHT / 2 + 150 * math.sin(angle))
    return _spread(pos)


def _spread(pos: dict[str, tuple[float, float]]) -> dict[str, tuple[int, int]]:
    """Coops at the same spot are put on a ring of radius :data:`RING` px around it."""
    groups: dict[tuple[int, int], list[str]] = {}
    for k in sorted(pos):
        groups.setdefault((round(pos[k][0]), round(pos[k][1])), []).append(k)
    out = {}
    for (x, y), ids in groups.items():
        for i, k in enumerate(ids):
            if len(ids) == 1:
                out[k] = (x, y)
                continue
            angle = 2 * math.pi * i / len(ids) + math.pi / 4
            out[k] = (round(x + RING * math.cos(angle)), round(y + RING * math.sin(angle)))
    return out


def _label(x: int, y: int, name: str) -> str:
    """The name beside its dot, on the side facing the centre so it stays in the picture."""
    dx, dy = x - WIDTH / 2, y - HEIGHT / 2
    anchor = "end" if dx > WIDTH / 6 else "start" if dx < -WIDTH / 6 else "middle"
    tx = x + (11 if anchor == "start" else -11 if anchor == "end" else 0)
    ty = y + (20 if dy > 0 else -11)
    return f'<text x="{tx}" y="{ty}" text-anchor="{anchor}" font-size="13">{escape(name)}</text>'


def _shortened(x1: int, y1: int, x2: int, y2: int) -> tuple[float, float]:
    """The arrow's end, stopped short of the target dot so the head stays visible."""
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    return x2 - (x2 - x1) * 10 / length, y2 - (y2 - y1) * 10 / length


def flow_svg(
    flows: list[Flow],
    places: dict[str, tuple[str, str, int | None, int | None]],
    title: str,
) -> str:
    """The SVG markup (safe to inline: every name is escaped)."""
    pos = layout(places)
    biggest = max((f.amount_satang for f in flows), default=1) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'class="flows" role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        "<defs>",
        *(
            f'<marker id="arrow-{kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="14" '
            'markerHeight="14" markerUnits="userSpaceOnUse" orient="auto-start-reverse">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
            for kind, colour in sorted(COLOURS.items())
        ),
        "</defs>",
    ]
    for f in sorted(flows, key=lambda f: (f.kind, f.source, f.target, f.amount_satang)):
        if f.source not in pos or f.target not in pos:
            continue
        (x1, y1), (x2, y2) = pos[f.source], pos[f.target]
        ex, ey = _shortened(x1, y1, x2, y2)
        width = 1.5 + 6 * f.amount_satang / biggest
        colour = COLOURS.get(f.kind, COLOURS["loan"])
        parts.append(
            f'<line class="{escape(f.kind)}" x1="{x1}" y1="{y1}" x2="{ex:.1f}" y2="{ey:.1f}" '
            f'stroke="{colour}" stroke-width="{width:.1f}" stroke-opacity="0.7" '
            f'marker-end="url(#arrow-{escape(f.kind)})">'
            f"<title>{escape(f.source)} → {escape(f.target)}</title></line>"
        )
    for cid in sorted(pos):
        x, y = pos[cid]
        name = places[cid][0]
        parts.append(
            f'<g class="coop"><circle cx="{x}" cy="{y}" r="7" fill="#f2c14e" stroke="#7a5c00"/>'
            f"{_label(x, y, name)}</g>"
        )
    parts.append("</svg>")
    return "".join(parts)
