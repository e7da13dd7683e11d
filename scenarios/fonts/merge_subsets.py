"""Rebuild the packaged Sarabun files from the npm package ``@fontsource/sarabun``.

fontsource splits a family into unicode subsets (``thai``, ``latin``, …) as WOFF files;
charts and PDFs need one TrueType file that holds Thai and Latin letters and digits. This
unpacks each subset to TrueType and merges the two with fontTools' merger (glyphs, cmap and
the GSUB/GPOS lookups that place Thai tone marks).

Usage: ``npm pack @fontsource/sarabun@5.3.0 && tar xzf fontsource-sarabun-5.3.0.tgz`` and then
``python -m scenarios.fonts.merge_subsets package``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

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
        Merger().merge(parts).save(out)


if __name__ == "__main__":
    source = Path(sys.argv[1])
    for w, name in WEIGHTS.items():
        merge(source, w, FONT_DIR / name)
    (FONT_DIR / "OFL.txt").write_bytes((source / "LICENSE").read_bytes())
