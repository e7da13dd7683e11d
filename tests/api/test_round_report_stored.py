"""The stored round is the whole round: every order of every kind explained, shadow values,
the rules and tiers, stored with the round and returned by /v1, the export and the web —
the same as the preview (both backends, two days, a retried run)."""

from __future__ import annotations

import io
from datetime import date

from dbseed import COMBINED_DAY, COORDINATOR, seed_combined
from http_fixtures import api  # noqa: F401
from openpyxl import load_workbook
from sqlmodel import Session

from api.db.tables_report import RoundReportRow
from api.services.export import EXPLANATION_HEADER, report_xlsx, round_report, write_csv
from api.services.round.report import explanation_rows, load_report, open_demand
from api.services.round.service import preview, run_round

KINDS = {"liquidity_offer", "liquidity_need", "stock_lot", "purchase_order", "obligation"}


def test_the_stored_report_is_the_preview_and_every_kind_is_explained(db, clock) -> None:
    from dbseed import seed_lamphun

    seed_lamphun(db)
    seed_combined(db)
    seen = preview(db, network_id="LPN", business_date=COMBINED_DAY)
    out = run_round(db, network_id="LPN", business_date=COMBINED_DAY, actor=COORDINATOR,
                    clock=clock)  # fmt: skip
    with Session(db) as s:
        stored = load_report(s, out.round_id)
        row = s.get(RoundReportRow, out.round_id)
    assert stored == seen.report
    assert row is not None and row.size_bytes == len(row.report_json.encode())
    rows = explanation_rows(stored)
    assert {r["kind"] for r in rows} == KINDS
    ids = {r["order_id"] for r in rows}
    assert {"O1", "O3", "N2", "N4", "N2b", "L1", "P1", "P2", "D23", "D34", "D42"} <= ids
    for r in rows:
        assert r["reasons"] and r["text_th"] and r["text_en"], r
        assert 0 <= r["matched"] <= r["amount"]
    cleared = {r["order_id"]: r for r in rows if r["kind"] == "obligation"}
    assert cleared["D23"]["state"] in ("filled", "partly_filled")
    assert stored["rules"]["fairness"] == "maxmin" and stored["rules"]["price_rule"] == "split"
    assert stored["tiers"]["loans"] and all(t[0] in ("area", "province") for t in
                                            stored["tiers"]["loans"])  # fmt: skip
    lot = next(r for r in rows if r["order_id"] == "L1")
    assert lot["unit"] == "kg"
    # what the round left open on the demand side, from the same report
    left = open_demand(stored)
    assert all(v > 0 for v in left.values())
    # a run that already existed returns the same round (its report is not written twice)
    again = run_round(db, network_id="LPN", business_date=COMBINED_DAY, actor=COORDINATOR,
                      clock=clock)  # fmt: skip
    assert again.reused and again.round_id == out.round_id
    # day two: a new round, a report of its own
    clock.advance(hours=24)
    day2 = run_round(db, network_id="LPN", business_date=date(2026, 11, 23), actor=COORDINATOR,
                     clock=clock)  # fmt: skip
    with Session(db) as s:
        assert load_report(s, day2.round_id) is not None


def test_v1_export_and_web_show_the_explanations(api, clock, tmp_path) -> None:  # noqa: F811
    seed_combined(api.engine)
    body = {"business_date": COMBINED_DAY.isoformat()}
    seen = api.post(COORDINATOR, "/v1/networks/LPN/rounds/preview", body)
    assert seen.status_code == 200, seen.text
    r = api.post(COORDINATOR, "/v1/networks/LPN/rounds", body, idem="run-1")
    assert r.status_code == 201, r.text
    retry = api.post(COORDINATOR, "/v1/networks/LPN/rounds", body, idem="run-1")
    assert retry.content == r.content
    rid = r.json()["round_id"]
    rep = api.get(COORDINATOR, f"/v1/networks/LPN/rounds/{rid}")
    assert rep.status_code == 200, rep.text
    doc = rep.json()
    assert doc["explanation_header"] == EXPLANATION_HEADER
    kinds = {row[1] for row in doc["explanations"]}
    assert kinds == KINDS
    assert len(doc["explanations"]) == len(seen.json()["report"]["orders"])
    assert dict(doc["rules"])["rate_rule / กฎอัตราดอกเบี้ย"] == "midpoint"
    need = next(row for row in doc["explanations"] if row[0] == "N2")
    assert need[4].endswith(".00") and need[10] and need[11]  # baht, Thai and English reasons
    # the workbook has the explanations and shadow values sheets
    report = round_report(api.engine, rid)
    wb = load_workbook(io.BytesIO(report_xlsx(report, lang="en")))
    assert {"explanations", "shadow_values"} <= set(wb.sheetnames)
    sheet = wb["explanations"]
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert {v[0] for v in values} >= {"O1", "N2", "L1", "P1", "D23"}
    assert any(v[1] == "debt" for v in values)  # the kind in words
    paths = write_csv(report, tmp_path / "round.csv", lang="en")
    assert any(p.name == "round-explanations.csv" for p in paths)
    text = (tmp_path / "round-explanations.csv").read_text(encoding="utf-8-sig")
    assert "N2" in text and "Reasons" in text
