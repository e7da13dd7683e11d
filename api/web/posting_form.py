"""The member's know-how and start-up capital forms: their fields, how a posted form becomes
the ``/v1`` body, and the errors named by the form's own fields.

One set of rules: a form is checked by the API's own request schemas
(:class:`~api.http.knowhow_schemas.TeachCreate`, :class:`~api.http.knowhow_schemas.LearnCreate`,
:class:`~api.http.startup_schemas.StartupNeedCreate`) and then by the same services, so the
web refuses exactly what ``/v1`` refuses. The form speaks as a person does: money in baht,
the highest rate in percent a year (``2.50`` → 250 basis points), a learner's reach in
kilometres. Each error names the field by its label, in Thai or English; a service's refusal
(``field: English (ไทย)`` lines, the network policy's limits among them) is placed beside the
field it names.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from api.http.knowhow_schemas import LearnCreate, TeachCreate
from api.http.startup_schemas import StartupNeedCreate
from api.http.validation_text import error_text, split_own
from api.schemas.common import parse_money
from api.web import i18n
from api.web.order_form import FormField
from matcher.knowhow.checks import MAX_DISTANCE_M

SIDES = ("teach", "learn")
FIELDS: dict[str, tuple[FormField, ...]] = {
    "teach": (FormField("topic", "topic"), FormField("capacity", "whole")),
    "learn": (FormField("topic", "topic"), FormField("max_distance_km", "whole", False)),
    "startup": (
        FormField("business", "business"), FormField("amount", "money"),
        FormField("rate", "rate"), FormField("term_days", "whole"),
        FormField("repayment", "choice", False, ("equal", "bullet")),
        FormField("instalments", "whole", False),
        FormField("urgency", "choice", False, ("1", "2", "3", "4", "5")),
    ),
}  # fmt: skip
SCHEMAS: dict[str, type[BaseModel]] = {
    "teach": TeachCreate,
    "learn": LearnCreate,
    "startup": StartupNeedCreate,
}
FORM_NAME = {"max_distance_m": "max_distance_km", "max_rate_bps": "rate"}
"""The form field of an API field the form fills under another name."""
MAX_KM = MAX_DISTANCE_M // 1000


def _whole(raw: str) -> int | str:
    digits = raw.replace(",", "")
    return int(digits) if digits.isdigit() and len(digits) <= 18 else raw


def to_body(kind: str, form: dict[str, str], lang: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The API body of a posted form, and the errors found before the schema (a rate that
    is not a percentage, a reach beyond the matcher's)."""
    body: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in FIELDS[kind]:
        raw = form.get(f.name, "").strip()
        if not raw:
            continue
        if f.kind == "rate":
            try:
                body["max_rate_bps"] = parse_money(raw.removesuffix("%").strip())
            except ValueError:
                errors[f.name] = i18n.text("bad_rate", lang)
        elif f.name == "max_distance_km":
            km = _whole(raw)
            if isinstance(km, int) and km > MAX_KM:
                error = {
                    "type": "less_than_equal",
                    "msg": f"at most {MAX_KM}",
                    "ctx": {"le": MAX_KM},
                }
                errors[f.name] = error_text(error, lang == "th")
            body["max_distance_m"] = km * 1000 if isinstance(km, int) else km
        elif f.kind == "money":
            body[f.name] = raw.replace(",", "").replace(" ", "")
        elif f.kind == "whole" or f.name == "urgency":
            body[f.name] = _whole(raw)
        else:
            body[f.name] = raw
    return body, errors


def _field_of(kind: str, loc: tuple[Any, ...], message: str) -> str:
    """The form field an error belongs to (``""`` for the form as a whole)."""
    names = [f.name for f in FIELDS[kind]]
    name = str(loc[0]) if loc else message.split(" ", 1)[0]
    name = FORM_NAME.get(name, name)
    return name if name in names else ""


def check(kind: str, form: dict[str, str], lang: str) -> tuple[Any, dict[str, str]]:
    """The validated body (the ``/v1`` schema of ``kind``), or the errors by form field; a
    required field left empty is named as missing."""
    body, errors = to_body(kind, form, lang)
    try:
        parsed = TypeAdapter(SCHEMAS[kind]).validate_python(body)
    except ValidationError as exc:
        for e in exc.errors():
            name = _field_of(kind, tuple(e.get("loc", ())), error_text(dict(e), False))
            errors.setdefault(name, error_text(dict(e), lang == "th"))
        return None, errors
    return (None, errors) if errors else (parsed, {})


def service_errors(kind: str, lines: list[str], fallback: str, lang: str) -> dict[str, str]:
    """A service's refusal by form field: each ``field: English (ไทย)`` line beside the field
    it names (a field the form does not show goes to the form as a whole)."""
    errors: dict[str, str] = {}
    for line in lines or [fallback]:
        head, sep, rest = line.partition(":")
        en, th = split_own(rest.strip() if sep else line)
        name = _field_of(kind, (head.strip(),), "") if sep else ""
        text = th if lang == "th" else en
        errors[name] = f"{errors[name]}; {text}" if name in errors else text
    return errors


def label(name: str, lang: str) -> str:
    """A field's label (``field_`` + its name in the catalogue)."""
    return i18n.text(f"field_{name}", lang)


def error_lines(errors: dict[str, str], lang: str) -> list[str]:
    """The errors as lines that name each field by its label."""
    return [f"{label(name, lang)}: {msg}" if name else msg for name, msg in errors.items()]
