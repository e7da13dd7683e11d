"""The message catalogue of the web pages: Babel ``.po`` files, one per language.

Every text a person reads on a page has a message id (``today``, ``accept``, ...) and a
``msgstr`` in ``locale/th/LC_MESSAGES/messages.po`` and ``locale/en/LC_MESSAGES/messages.po``.
The catalogues are read with Babel once per process (no compile step: the ``.po`` files ship
inside the package). ``make messages`` extracts the ids the templates and the web code use
(``t("id")``, ``text("id", lang)``) into ``locale/messages.pot`` and merges new ids into both
catalogues with an empty ``msgstr``, which ``tests/web/test_web_translations.py`` refuses
until someone translates them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
LANGS = ("th", "en")


def catalogue_path(lang: str) -> Path:
    """Where the ``.po`` file of ``lang`` lives."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalogue(lang: str) -> Catalog:
    """The parsed catalogue of ``lang`` (read once)."""
    with catalogue_path(lang).open("rb") as handle:
        return read_po(handle, locale=lang, domain=DOMAIN)


def translations(lang: str) -> dict[str, str]:
    """Message id → translated text of ``lang``; ids with no translation are left out."""
    return {str(m.id): m.string for m in catalogue(lang) if m.id and isinstance(m.string, str)
            and m.string}  # fmt: skip


@cache
def pairs() -> dict[str, tuple[str, str]]:
    """Message id → (Thai, English), for every id translated in both catalogues."""
    th, en = translations("th"), translations("en")
    return {key: (th[key], en[key]) for key in th if key in en}
