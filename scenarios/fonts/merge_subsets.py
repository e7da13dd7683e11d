"""Rebuild the packaged Sarabun files from the npm package ``@fontsource/sarabun``.

fontsource splits a family into unicode subsets (``thai``, ``latin``, …) as WOFF files;
charts and PDFs need one TrueType file that holds Thai and Latin letters and digits. This
unpacks each subset to TrueType, merges the two with fontTools' merger (glyphs, cmap and
the GSUB/GPOS lookups that place Thai tone marks) and adds an empty zero-width glyph for
U+200B, the line-break opportunity the letters put between Thai words.

Usage: ``npm pack @fontsource/sarabun@5.3.0 && tar xzf fontsource-sarabun-5.3.0.tgz`` and then
``python -m scenarios.fonts.merge_subsets package``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from scenarios.fonts import FONT_DIR

WEIGHTS = {"400": "Sarabun-Regular.ttf", "700": "Sarabun-Bold.ttf"}


def merge(package: Path, weight: str, out: Path) -> None:
    """Merge the latin and thai WOFF subsets of ``weight`` into the TrueType file ``out``."""
    from fontTools.merge import Merger
    from fontTools.ttLib import TTFont

    with tempfile.TemporaryDirectory() as tmp:
        parts = []
        for subset in ("latin", "thai"):
            font = TTFont(package / "files" / f"sarabun-{subset}-{weight}-normal.woff")
            font.flavor = None
            part = Path(tmp) / f"{subset}.ttf"
            font.save(part)
            parts.append(str(part))
        merged = Merger().merge(parts)
        add_zero_width_space(merged)
        merged.save(out)


def add_zero_width_space(font: Any) -> None:
    """Map U+200B ZERO WIDTH SPACE to an empty glyph of no width: letters put it between Thai
    words (Thai has no spaces) as a line-break opportunity, and it must not draw a box."""
    from fontTools.ttLib.tables._g_l_y_f import Glyph

    name = "uni200B"
    if name in font.getGlyphOrder():
        return
    font.setGlyphOrder([*font.getGlyphOrder(), name])
    font["glyf"][name] = Glyph()
    font["hmtx"][name] = (0, 0)
    for table in font["cmap"].tables:
        if table.isUnicode():
            table.cmap[0x200B] = name


if __name__ == "__main__":
    source = Path(sys.argv[1])
    for w, name in WEIGHTS.items():
        merge(source, w, FONT_DIR / name)
    (FONT_DIR / "OFL.txt").write_bytes((source / "LICENSE").read_bytes())
