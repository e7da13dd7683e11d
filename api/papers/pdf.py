"""An A4 letter page in Thai: fpdf2 with HarfBuzz shaping (``uharfbuzz``) and the packaged
Sarabun font, so marks above and below a consonant are placed by the font's own rules.

A :class:`Paper` writes the network's letterhead, a reference and a Buddhist-Era date,
paragraphs, a facts table (label, value), a table with a header and a total row, and
signature blocks. The output is deterministic: the PDF's creation date is the letter's own
date and no other clock is read, so the same letter gives the same bytes.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, date, datetime

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from api.papers.thai import thai_date
from scenarios import fonts

FONT = "Sarabun"
BODY = 14
LINE = 7.5
"""Line height in millimetres for the 14 pt body text (Thai needs room for marks)."""


ZWSP = "\u200b"


def breakable(text: str) -> str:
    """Thai text with a zero-width space between words, so lines break between words and
    never inside one (Thai writes no spaces between words; PyThaiNLP's dictionary finds them).

    >>> breakable("สหกรณ์ออมทรัพย์ครูลำพูน 1,650,000.00").split(ZWSP)
    ['สหกรณ์', 'ออมทรัพย์', 'ครู', 'ลำพูน 1,650,000.00']
    """
    if not any("\u0e00" <= ch <= "\u0e7f" for ch in text):
        return text
    from pythainlp.tokenize import word_tokenize

    words = word_tokenize(text, engine="newmm", keep_whitespace=True)
    out = words[:1]
    for before, word in itertools.pairwise(words):
        if _thai(before[-1:]) and _thai(word[:1]):
            out.append(ZWSP)
        out.append(word)
    return "".join(out)


def _thai(ch: str) -> bool:
    return bool(ch) and "\u0e00" <= ch <= "\u0e7f"


class Paper(FPDF):
    """One letter; call the writing methods in reading order, then :meth:`pdf_bytes`."""

    def __init__(self, network_name: str, title: str, dated: date) -> None:
        super().__init__(format="A4", unit="mm")
        self.network_name, self.letter_title = network_name, title
        self.set_creation_date(datetime(dated.year, dated.month, dated.day, tzinfo=UTC))
        self.set_title(title)
        self.set_author(network_name)
        self.set_creator("coopmatch")
        self.add_font(FONT, "", str(fonts.REGULAR))
        self.add_font(FONT, "B", str(fonts.BOLD))
        self.set_text_shaping(use_shaping_engine=True, script="thai", language="tha")
        self.set_margins(25, 20, 20)
        self.set_auto_page_break(True, margin=22)
        self.add_page()

    def header(self) -> None:
        """The network's name on every page."""
        self.set_font(FONT, "B", 16)
        self.cell(0, 9, self.network_name, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(60, 60, 60)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(5)

    def footer(self) -> None:
        """The letter's title and the page number."""
        self.set_y(-15)
        self.set_font(FONT, "", 10)
        self.cell(0, 6, f"{self.letter_title} · หน้า {self.page_no()}/{{nb}}", align=Align.C)

    def reference(self, ref: str, dated: date) -> None:
        """The letter's reference at the left and its date at the right."""
        self.set_font(FONT, "", BODY)
        self.cell(0, LINE, f"ที่ {ref}", new_x=XPos.LMARGIN)
        self.cell(0, LINE, thai_date(dated), align=Align.R, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def heading(self, subject: str, to: str) -> None:
        """เรื่อง (subject) and เรียน (to)."""
        for label, text in (("เรื่อง", subject), ("เรียน", to)):
            self.set_font(FONT, "B", BODY)
            self.cell(16, LINE, label)
            self.set_font(FONT, "", BODY)
            self.multi_cell(0, LINE, breakable(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def paragraph(self, text: str, *, bold: bool = False, indent: bool = True) -> None:
        """A paragraph, its first line indented as Thai letters are."""
        self.set_font(FONT, "B" if bold else "", BODY)
        self.multi_cell(0, LINE, ("\u00a0" * 10 if indent else "") + breakable(text),
                        new_x=XPos.LMARGIN, new_y=YPos.NEXT)  # fmt: skip
        self.ln(1.5)

    def facts(self, rows: Sequence[tuple[str, str]]) -> None:
        """A two-column table of labels and values."""
        self.set_font(FONT, "", BODY - 1)
        self.set_x(self.l_margin)
        with self.table(col_widths=(45, 120), line_height=LINE - 0.5, first_row_as_headings=False,
                        borders_layout="HORIZONTAL_LINES", align="LEFT",
                        width=self.epw) as table:  # fmt: skip
            for label, value in rows:
                row = table.row()
                row.cell(breakable(label))
                row.cell(breakable(value))
        self.ln(3)

    def grid(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[int],
        *,
        total: Sequence[str] | None = None,
    ) -> None:
        """A table with a bold header, numbers right-aligned, and an optional total row."""
        self.set_font(FONT, "", BODY - 3)
        aligns = tuple("L" if i == 0 or not _numeric(rows, i) else "R" for i in range(len(header)))
        self.set_x(self.l_margin)
        with self.table(col_widths=tuple(widths), text_align=aligns, line_height=LINE - 1,
                        headings_style=_bold_headings(), align="LEFT",
                        width=self.epw) as table:  # fmt: skip
            table.row([breakable(c) for c in header])
            for cells in rows:
                table.row([breakable(c) for c in cells])
            if total is not None:
                self.set_font(FONT, "B", BODY - 3)
                table.row([breakable(c) for c in total])
        self.set_font(FONT, "", BODY)
        self.ln(3)

    def signatures(self, parties: Sequence[tuple[str, str]]) -> None:
        """Signature blocks, two a row: a dotted line, the name in brackets, the role."""
        self.ln(6)
        self.set_font(FONT, "", BODY)
        half = (self.w - self.l_margin - self.r_margin) / 2
        for start in range(0, len(parties), 2):
            if self.get_y() > self.h - 60:
                self.add_page()
            top = self.get_y()
            for column, (name, role) in enumerate(parties[start : start + 2]):
                self.set_xy(self.l_margin + column * half, top)
                for text in ("ลงชื่อ ....................................", f"({name})", role):
                    self.cell(half, LINE, text, align=Align.C,
                              new_x=XPos.LEFT, new_y=YPos.NEXT)  # fmt: skip
            self.set_xy(self.l_margin, top + 3 * LINE + 8)

    def pdf_bytes(self) -> bytes:
        """The finished document."""
        return bytes(self.output())


def _numeric(rows: Sequence[Sequence[str]], column: int) -> bool:
    """Whether a column holds figures (right-aligned): every cell starts with a digit."""
    cells = [r[column] for r in rows if column < len(r) and r[column]]
    return bool(cells) and all(c[0].isdigit() for c in cells)


def _bold_headings() -> object:
    from fpdf.fonts import FontFace

    return FontFace(family=FONT, emphasis="BOLD", fill_color=(230, 230, 230))
