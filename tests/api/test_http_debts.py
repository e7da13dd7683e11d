"""Cash payments and overdue debts over /v1: a member pays its own debt (partial, then the
rest), a replay with the same key pays nothing more, another coop's debt is a 404, and the
coordinator lists what is overdue with days past due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dbseed import COORDINATOR
from http_fixtures import api, refused  # noqa: F401
from sqlalchemy import select
from sqlmodel import Session

from api.db.tables import LoanInstalmentRow


def _due_debt(api, clock) -> tuple[str, list, str]:  # type: ignore[no-untyped-def]  # noqa: F811
    """Commit a loan of C4, run the round of its first due date: the instalment's debt."""
    assert api.post(COORDINATOR, "/v1/networks/LPN/rounds", {"business_date": "2026-11-21"})
    p = api.get("C4", "/v1/proposals").json()["items"][0]
    for coop in ("C4", p["counterparty_coop_id"]):
        assert api.post(coop, f"/v1/proposals/{p['id']}/accept").status_code == 200
    with Session(api.engine) as s:
        inst = s.execute(select(LoanInstalmentRow).order_by(LoanInstalmentRow.seq)).scalars()
        dues = [(i.id, i.due_date) for i in inst]
    clock.now = datetime.combine(dues[0][1], datetime.min.time(), UTC) + timedelta(hours=1)
    r = api.post(COORDINATOR, "/v1/networks/LPN/rounds", {"business_date": str(dues[0][1])})
    assert r.status_code == 201, r.text
    return f"OBL-{dues[0][0]}", dues, p["counterparty_coop_id"]


def test_member_pays_its_debt_and_coordinator_sees_overdue(api, clock) -> None:  # noqa: F811
    debt, dues, lender = _due_debt(api, clock)
    day = str(dues[0][1])
    url = f"/v1/debts/{debt}/payments"
    refused(api.post("C4", url, {"amount": "-1.00", "paid_on": day}), "amount")
    refused(api.post("C4", url, {"amount": "1.00", "paid_on": "2569-12-21"}), "paid_on")
    assert api.post("C2", url, {"amount": "1.00", "paid_on": day}).status_code == 404
    r = api.post("C4", url, {"amount": "1000.00", "paid_on": day}, idem="pay-1")
    assert r.status_code == 201 and r.json()["status"] == "open", r.text
    left = r.json()["open"]
    again = api.post("C4", url, {"amount": "1000.00", "paid_on": day}, idem="pay-1")
    assert again.json() == r.json()  # the replay pays nothing more
    too_much = api.post("C4", url, {"amount": "99999999.00", "paid_on": day})
    assert too_much.status_code == 422 and "amount" in too_much.json()["detail"]
    late_day = str(dues[0][1] + timedelta(days=7))
    rows = api.get(COORDINATOR, f"/v1/networks/LPN/overdue?as_of={late_day}").json()
    assert [(x["obligation_id"], x["days_past_due"], x["open"]) for x in rows] == [(debt, 7, left)]
    mine = api.get(lender, f"/v1/debts/overdue?as_of={late_day}").json()
    assert [x["obligation_id"] for x in mine] == [debt]
    assert api.get("C2", f"/v1/debts/overdue?as_of={late_day}").json() == []
    assert api.get("area1-office", "/v1/networks/LPN/overdue").status_code == 404
    # the creditor's coordinator records the rest: settled, no longer overdue
    r = api.post(
        COORDINATOR, f"/v1/networks/LPN/debts/{debt}/payments", {"amount": left, "paid_on": day}
    )
    assert r.status_code == 201 and r.json()["status"] == "filled", r.text
    assert api.get(COORDINATOR, f"/v1/networks/LPN/overdue?as_of={late_day}").json() == []
    assert (
        api.post(
            "area1-office", f"/v1/networks/LPN-A1/debts/{debt}/payments",
            {"amount": "1.00", "paid_on": day},
        ).status_code
        == 404
    )  # fmt: skip


def test_commitments_show_overdue_instalments(api, clock) -> None:  # noqa: F811
    """GET /v1/commitments(/{id}): a due instalment names its debt, what is open and its
    days past due today (Bangkok), for the borrower and the lender alike."""
    debt, dues, lender = _due_debt(api, clock)
    items = api.get("C4", "/v1/commitments").json()["items"]
    loans = [x for x in items if x["schedule"]]
    assert len(loans) == 1, items
    c = loans[0]
    first = c["schedule"][0]
    assert (first["debt_id"], first["overdue"], first["days_past_due"]) == (debt, False, 0)
    assert c["overdue"] is False and c["days_past_due"] == 0
    clock.now += timedelta(days=7)
    for coop in ("C4", lender):
        one = api.get(coop, f"/v1/commitments/{c['id']}").json()
        assert one["overdue"] is True and one["days_past_due"] == 7, one
        assert one["schedule"][0]["days_past_due"] == 7 and one["schedule"][0]["open"]
        assert all(not i["overdue"] for i in one["schedule"][1:])
    paid = api.post("C4", f"/v1/debts/{debt}/payments",
                    {"amount": first["open"], "paid_on": str(dues[0][1])})  # fmt: skip
    assert paid.status_code == 201, paid.text
    one = api.get("C4", f"/v1/commitments/{c['id']}").json()
    assert one["overdue"] is False and one["schedule"][0]["debt_id"] is None


def test_export_lists_the_rounds_overdue_debts(api, clock, tmp_path) -> None:  # noqa: F811
    """The round's export has an overdue sheet (and CSV part): each debt from its loans
    overdue on the export's date with days past due; on the due date itself, none."""
    from openpyxl import load_workbook

    from api.services.export import round_report, write_csv, write_xlsx

    debt, dues, _ = _due_debt(api, clock)
    round_id = api.get("C4", "/v1/commitments").json()["items"][0]["proposal_id"]
    with Session(api.engine) as s:
        from api.db.tables import ProposalRow

        round_id = s.get(ProposalRow, round_id).round_id  # type: ignore[union-attr]
    assert round_report(api.engine, round_id, dues[0][1]).overdue == []
    clock.now += timedelta(days=7)  # the export's date by default: today in Bangkok
    report = round_report(api.engine, round_id, clock=clock)
    (written,) = write_xlsx(report, tmp_path / "r.xlsx", lang="en")
    ws = load_workbook(written)["overdue"]
    header = [c.value for c in ws[1]]
    assert header[0] == "Debt id" and "Days past due" in header and header[-1] == "As of"
    row = [c.value for c in ws[2]]
    assert row[0] == debt and row[1] == "loan instalment" and row[3] == "C4"
    assert row[header.index("Days past due")] == 7 and ws.max_row == 2
    assert row[header.index("Due date")].date() == dues[0][1]
    th = load_workbook(write_xlsx(report, tmp_path / "t.xlsx")[0])["overdue"]
    assert th["A1"].value == "เลขหนี้" and th["B2"].value == "งวดเงินกู้"
    paths = write_csv(report, tmp_path / "r.csv", lang="en")
    overdue_csv = [p for p in paths if p.name == "r-overdue.csv"]
    assert overdue_csv and debt in overdue_csv[0].read_text(encoding="utf-8-sig")
