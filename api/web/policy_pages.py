"""The coordinator's network policy form (นโยบายเครือข่าย): every field of the stored policy
(:mod:`api.services.round.policy`), in Thai and English, saved as a new audited version
through :func:`~api.services.round.policy.set_policy` — the same service as ``coopmatch
policy set`` and ``POST /v1/networks/{id}/policy``.

Money is typed in baht (truck costs, the fund's balance, the overdue cap, processing cost per
unit) and stored in satang; rates in basis points; the per-unit transport rate in satang per
base unit per km. Products and processors are rows (one empty row to add one; a row whose
``product`` or ``id`` is left empty is left out). A post checks the session, the CSRF token
and the origin; a double click stores one version (the token is the form's key). Bad input
re-shows the form with the fields as typed and one line per bad field.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.schemas.common import parse_money, parse_whole
from api.services.errors import ServiceError
from api.services.round.policy import PolicySpec, set_policy, show_policy
from api.web import core

router = APIRouter(prefix="/web/policy", include_in_schema=False)

ROW_FIELDS = {
    "pt": (
        "product",
        "satang_per_unit_km",
        "road_factor_bps",
        "reach_km",
        "truck_capacity_units",
        "truck_cost",
    ),
    "pr": (
        "id",
        "coop_id",
        "in_product",
        "in_grade",
        "out_product",
        "out_grade",
        "capacity_units",
        "cost",
        "yield_bps",
    ),
}

ROW_LABELS = {
    "product": ("pol_product",), "satang_per_unit_km": ("pol_rate_km",),
    "road_factor_bps": ("pol_road",), "reach_km": ("pol_reach",),
    "truck_capacity_units": ("pol_truck_cap",), "truck_cost": ("pol_truck_cost",),
    "id": ("pol_proc_id",), "coop_id": ("coop",), "in_product": ("pol_in", "product"),
    "in_grade": ("pol_in", "grade"), "out_product": ("pol_out", "product"),
    "out_grade": ("pol_out", "grade"), "capacity_units": ("pol_capacity",),
    "cost": ("pol_cost_unit",), "yield_bps": ("pol_yield",),
}  # fmt: skip
"""The message ids that name a row's cell to a screen reader (its column's heading)."""


def _baht(satang: int) -> str:
    return f"{satang // 100}.{satang % 100:02d}"


def form_of_spec(spec: PolicySpec) -> dict[str, str]:
    """The policy as the form's fields (what the page shows, and a post sends back)."""
    t = spec.transport
    out = {
        "fairness": spec.fairness.value,
        "rate_rule": spec.rate_rule.value,
        "posted_rate_bps": "" if spec.posted_rate_bps is None else str(spec.posted_rate_bps),
        "price_rule": spec.price_rule,
        "proposal_ttl_business_days": str(spec.proposal_ttl_business_days),
        "overdue_loans": spec.overdue_loans,
        "overdue_cap": _baht(spec.overdue_cap_satang),
        "transport.satang_per_unit_km": str(t.satang_per_unit_km),
        "transport.road_factor_bps": str(t.road_factor_bps),
        "transport.reach_km": str(t.reach_km),
        "transport.truck_capacity_units": str(t.truck_capacity_units),
        "transport.truck_cost": _baht(t.truck_cost_satang),
    }
    for i, x in enumerate(spec.product_transport):
        row = [x.product, x.satang_per_unit_km, x.road_factor_bps, x.reach_km,
               x.truck_capacity_units, _baht(x.truck_cost_satang)]  # fmt: skip
        out.update({f"pt-{i}-{k}": str(v) for k, v in zip(ROW_FIELDS["pt"], row, strict=True)})
    for i, p in enumerate(spec.processors):
        row = [p.id, p.coop_id, p.in_product, p.in_grade, p.out_product, p.out_grade,
               p.capacity_units, _baht(p.cost_satang_per_unit), p.yield_bps]  # fmt: skip
        out.update({f"pr-{i}-{k}": str(v) for k, v in zip(ROW_FIELDS["pr"], row, strict=True)})
    if spec.joint_fund is not None:
        f = spec.joint_fund
        out |= {
            "fund-account_id": f.account_id,
            "fund-balance": _baht(f.balance_satang),
            "fund-rate_bps": str(f.rate_bps),
            "fund-max_term_days": str(f.max_term_days),
        }  # fmt: skip
    return out


class _Reader:
    """Turns form fields into the policy document, collecting one line per bad field."""

    def __init__(self, form: dict[str, str]) -> None:
        self.form = form
        self.lines: list[str] = []

    def whole(self, key: str, field: str, default: int | None = None) -> int | None:
        text = self.form.get(key, "").strip()
        if not text:
            return default
        try:
            return parse_whole(text, -(10**15), 10**15)
        except ValueError as exc:
            self.lines.append(f"{field}: {exc}")
            return None

    def money(self, key: str, field: str) -> int:
        text = self.form.get(key, "").strip().replace(",", "")
        try:
            return parse_money(text or "0")
        except ValueError as exc:
            self.lines.append(f"{field}: {exc}")
            return 0

    def rows(self, prefix: str) -> list[int]:
        """Indices of the rows of ``prefix`` whose first field is filled in."""
        first = ROW_FIELDS[prefix][0]
        out = []
        for key, value in self.form.items():
            parts = key.split("-")
            if (
                len(parts) == 3
                and (parts[0], parts[2]) == (prefix, first)
                and value.strip()
                and parts[1].isdigit()
                and len(parts[1]) <= 3
            ):
                out.append(int(parts[1]))
        return sorted(set(out))


def _cell(prefix: str, row: int, name: str) -> str:
    """The form field of one cell of a row: ``pt-0-product``."""
    return f"{prefix}-{row}-{name}"


def spec_doc(form: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The posted form as a policy document (checked later by the policy itself), and the
    lines of fields that are not even numbers."""
    r = _Reader(form)
    doc: dict[str, Any] = {
        k: form.get(k, "").strip() for k in ("fairness", "rate_rule", "price_rule", "overdue_loans")
    }
    doc["posted_rate_bps"] = r.whole("posted_rate_bps", "posted_rate_bps")
    doc["proposal_ttl_business_days"] = r.whole(
        "proposal_ttl_business_days", "proposal_ttl_business_days", 0
    )
    doc["overdue_cap_satang"] = r.money("overdue_cap", "overdue_cap_satang")
    transport: dict[str, Any] = {}
    for name in ("satang_per_unit_km", "road_factor_bps", "reach_km", "truck_capacity_units"):
        value = r.whole(f"transport.{name}", f"transport.{name}")
        if value is not None:
            transport[name] = value
    transport["truck_cost_satang"] = r.money("transport.truck_cost", "transport.truck_cost_satang")
    doc["transport"] = transport
    doc["product_transport"] = []
    for n, i in enumerate(r.rows("pt")):
        g, w = partial(_cell, "pt", i), f"product_transport[{n}]"
        row: dict[str, Any] = {"product": form[g("product")].strip()}
        for name in ("satang_per_unit_km", "road_factor_bps", "reach_km", "truck_capacity_units"):
            value = r.whole(g(name), f"{w}.{name}")
            if value is not None:
                row[name] = value
        row["truck_cost_satang"] = r.money(g("truck_cost"), f"{w}.truck_cost_satang")
        doc["product_transport"].append(row)
    doc["processors"] = []
    for n, i in enumerate(r.rows("pr")):
        g, w = partial(_cell, "pr", i), f"processors[{n}]"
        row = {k: form.get(g(k), "").strip() for k in ROW_FIELDS["pr"][:6]}
        row["capacity_units"] = r.whole(g("capacity_units"), f"{w}.capacity_units", 0)
        row["cost_satang_per_unit"] = r.money(g("cost"), f"{w}.cost_satang_per_unit")
        row["yield_bps"] = r.whole(g("yield_bps"), f"{w}.yield_bps", 10_000)
        doc["processors"].append(row)
    if form.get("fund-account_id", "").strip():
        doc["joint_fund"] = {
            "account_id": form["fund-account_id"].strip(),
            "balance_satang": r.money("fund-balance", "joint_fund.balance_satang"),
            "rate_bps": r.whole("fund-rate_bps", "joint_fund.rate_bps", 0),
            "max_term_days": r.whole("fund-max_term_days", "joint_fund.max_term_days", 365),
        }
    return {k: v for k, v in doc.items() if v is not None and v != ""}, r.lines


def _row_count(form: dict[str, str], prefix: str) -> int:
    """Rows of ``prefix`` the form holds (1 + the highest index)."""
    seen = [k.split("-") for k in form if k.startswith(f"{prefix}-")]
    return 1 + max((int(p[1]) for p in seen if len(p) == 3 and p[1].isdigit()), default=-1)


def _page(
    request: Request, who: core.Who, network: str, form: dict[str, str], **extra: Any
) -> dict[str, Any]:
    stored = show_policy(core.ctx_of(request).engine, network)
    rows = {p: _row_count(form, p) + 1 for p in ROW_FIELDS}  # one empty row to add one
    return {
        **core.page_values(request, who, network),
        "stored": stored,
        "f": form,
        "rows": rows,
        "row_fields": ROW_FIELDS,
        "row_labels": ROW_LABELS,
        "saved": None,
        "lines": [],
        **extra,
    }


@router.get("")
def policy_form(request: Request) -> Response:
    """The network's policy as a form (the policy a round of the network takes now)."""
    who = core.coordinator(request)
    if isinstance(who, Response):
        return who
    network = core.chosen_network(request, who)
    if network is None:
        return core.not_found_page(request, who)
    stored = show_policy(core.ctx_of(request).engine, network)
    values = _page(request, who, network, form_of_spec(stored.spec))
    return core.render(request, "policy.html", values, who=who)


@router.post("")
async def policy_save(request: Request) -> Response:
    """Save the form as a new version of the network's policy (audited ``policy.set``)."""
    posted = await core.network_form(request)
    if isinstance(posted, Response):
        return posted
    who, network, form, token = posted

    def answer() -> tuple[str, int]:
        doc, lines = spec_doc(form)
        if not lines:
            try:
                ctx = core.ctx_of(request)
                stored = set_policy(ctx.engine, network, doc, actor=who.principal, clock=ctx.clock)
            except ServiceError as exc:
                lines = exc.lines or [str(exc)]
            else:
                shown = _page(request, who, network, form_of_spec(stored.spec), saved=stored)
                return core.fragment(request, "policy.html", shown, 200, who)
        values = _page(request, who, network, form, lines=lines)
        return core.fragment(request, "policy.html", values, 422, who)

    return await core.once(request, who, "policy", token, answer)
