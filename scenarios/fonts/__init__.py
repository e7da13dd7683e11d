"""Sarabun, the Thai font that travels with coopmatch (SIL Open Font License 1.1, ``OFL.txt``).

Charts and PDF letters use it, so Thai renders on a machine with no Thai system fonts
(no ``fonts-thai-tlwg``). The files come from the npm package ``@fontsource/sarabun`` 5.3.0:
its ``thai`` and ``latin`` subsets of weights 400 and 700, merged into one TrueType file per
weight by :mod:`scenarios.fonts.merge_subsets` (the Thai shaping tables are kept).
"""

from __future__ import annotations

from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent
REGULAR = FONT_DIR / "Sarabun-Regular.ttf"
BOLD = FONT_DIR / "Sarabun-Bold.ttf"
LICENSE = FONT_DIR / "OFL.txt"
FAMILY = "Sarabun"


def register_with_matplotlib() -> str:
    """Add the packaged Sarabun files to matplotlib's font list (once) and return the
    family name to put first in ``font.family``."""
    from matplotlib import font_manager

    known = {Path(f.fname) for f in font_manager.fontManager.ttflist}
    for path in (REGULAR, BOLD):
        if path not in known:
            font_manager.fontManager.addfont(str(path))
    return FAMILY
