"""``make messages``: extract the message ids the web pages use and add the new ones to the
catalogues (:mod:`api.web.messages`).

Babel's extractors read ``t("id")`` in the templates (Jinja2) and ``t("id")``,
``text("id", lang)`` and ``N_("id")`` in the web code (Python); ``N_`` marks an id that a
page builds at run time (a status, a kind, a side), so the catalogue still lists it. The ids
go to ``locale/messages.pot``; an id missing from a language's ``.po`` is added there with an
empty ``msgstr`` (to be translated; the translations test fails until it is). Nothing is
ever removed: an id no longer used is reported, for a person to delete.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

from api.web.messages import LANGS, LOCALE_DIR, catalogue, catalogue_path

WEB_DIR = Path(__file__).resolve().parent
METHODS = [("templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS: dict[str, None] = {"t": None, "text": None, "N_": None}


def used_ids() -> list[str]:
    """Every message id the templates and the web code name, sorted."""
    found = extract_from_dir(str(WEB_DIR), method_map=METHODS, keywords=KEYWORDS, comment_tags=())
    return sorted({str(msg) for _file, _line, msg, _comments, _ctx in found if msg})


def write_template(ids: list[str]) -> Path:
    """``locale/messages.pot``: the ids, for translators' tools."""
    pot = Catalog(project="coopmatch", version="1")
    for key in ids:
        pot.add(key)
    path = LOCALE_DIR / "messages.pot"
    with path.open("wb") as handle:
        write_po(handle, pot, width=100, omit_header=True)
    return path


def add_missing(ids: list[str]) -> dict[str, list[str]]:
    """Add ids missing from each language's ``.po`` (empty ``msgstr``); the ids added."""
    added: dict[str, list[str]] = {}
    for lang in LANGS:
        cat = catalogue(lang)
        new = [key for key in ids if key not in cat]
        for key in new:
            cat.add(key, "")
        if new:
            with catalogue_path(lang).open("wb") as handle:
                write_po(handle, cat, width=100)
        added[lang] = new
    return added


def main() -> None:
    """Extract, write the template, add new ids and report unused ones."""
    ids = used_ids()
    print(f"{write_template(ids)}: {len(ids)} ids")
    for lang, new in add_missing(ids).items():
        unused = sorted(str(m.id) for m in catalogue(lang) if m.id and m.id not in ids)
        print(f"{lang}: added {new or 'none'}; unused {unused or 'none'}")


if __name__ == "__main__":
    main()
