"""Know-how over /v1: members post what they teach and want to learn, the coordinator runs
the know-how round through the one rounds route, the learner and the mentor both accept;
replays of an Idempotency-Key return the same bytes; a bystander sees nothing; a bad topic
is a Thai/English field error."""

from __future__ import annotations

from dbseed import COORDINATOR
from http_fixtures import api  # noqa: F401

WHERE = {"lat_e5": 1_858_000, "lon_e5": 9_902_000}
ROUND = {"business_date": "2026-11-21", "kind": "knowhow"}


def test_know_how_over_http(api) -> None:  # noqa: F811
    teach = {"topic": "egg_grading", "capacity": 2, **WHERE}
    first = api.post("C3", "/v1/knowhow/teach", teach, idem="kh-1")
    assert first.status_code == 201, first.text
    assert api.post("C3", "/v1/knowhow/teach", teach, idem="kh-1").content == first.content
    assert api.post("C1", "/v1/knowhow/learn", {"topic": "egg_grading", **WHERE}).status_code == 201

    bad = api.post("C2", "/v1/knowhow/learn", {"topic": "astrology", **WHERE})
    assert bad.status_code == 422 and "topic" in bad.text and "หัวข้อ" in bad.text
    assert api.get("C2", "/v1/knowhow/proposals").json() == []

    ran = api.post(COORDINATOR, "/v1/networks/LPN/rounds", ROUND, idem="kh-round")
    assert ran.status_code == 201 and ran.json()["proposal_count"] == 1, ran.text
    again = api.post(COORDINATOR, "/v1/networks/LPN/rounds", ROUND)
    assert again.status_code == 200 and again.json()["reused"] is True

    (mine,) = api.get("C1", "/v1/knowhow/proposals").json()
    assert mine["role"] == "learner" and mine["mentor"] == "C3" and mine["status"] == "pending"
    pid = mine["id"]
    assert api.get("C3", f"/v1/knowhow/proposals/{pid}").json()["role"] == "mentor"
    assert api.get("C2", f"/v1/knowhow/proposals/{pid}").status_code == 404
    assert api.post("C2", f"/v1/knowhow/proposals/{pid}/accept").status_code == 404

    a1 = api.post("C1", f"/v1/knowhow/proposals/{pid}/accept", idem="kh-a1")
    assert a1.status_code == 200 and a1.json()["status"] == "pending"
    assert api.post("C1", f"/v1/knowhow/proposals/{pid}/accept", idem="kh-a1").content == a1.content
    done = api.post("C3", f"/v1/knowhow/proposals/{pid}/accept")
    assert done.json()["status"] == "accepted" and done.json()["accepted"] == ["C1", "C3"]
    assert api.post("C1", f"/v1/knowhow/proposals/{pid}/decline").status_code == 409


def test_reports_of_every_round_kind_read_cleanly(api) -> None:  # noqa: F811
    """The rounds list and each round's report and CSV answer for every kind, never a 500."""
    for kind in ("daily", "purchase", "startup", "knowhow"):
        r = api.post(COORDINATOR, "/v1/networks/LPN/rounds", {**ROUND, "kind": kind})
        assert r.status_code == 201, (kind, r.text)
    items = api.get(COORDINATOR, "/v1/networks/LPN/rounds").json()["items"]
    assert sorted(i["kind"] for i in items) == ["daily", "knowhow", "purchase", "startup"]
    for item in items:
        rid = item["round_id"]
        assert api.get(COORDINATOR, f"/v1/networks/LPN/rounds/{rid}").status_code == 200
        csv = api.get(COORDINATOR, f"/v1/networks/LPN/rounds/{rid}/export.csv")
        assert csv.status_code == 200, (item, csv.text)


def test_a_member_withdraws_its_own_posting(api) -> None:  # noqa: F811
    """Withdrawn: its pending proposal is voided, a repeat changes nothing, a replay of the
    Idempotency-Key returns the same bytes, another coop's id is a 404, a closed posting
    is a 409, and the next round leaves it out."""
    teach = api.post("C3", "/v1/knowhow/teach", {"topic": "egg_grading", "capacity": 1, **WHERE})
    learn = api.post("C1", "/v1/knowhow/learn", {"topic": "egg_grading", **WHERE})
    assert teach.status_code == learn.status_code == 201
    offer, request = teach.json()["id"], learn.json()["id"]
    assert api.post(COORDINATOR, "/v1/networks/LPN/rounds", ROUND).status_code == 201
    (pending,) = api.get("C1", "/v1/knowhow/proposals").json()

    url = f"/v1/knowhow/postings/{request}/withdraw"
    for who in ("C2", "C3"):  # a bystander and the mentor: not theirs
        assert api.post(who, url).status_code == 404
    assert api.post("C1", "/v1/knowhow/postings/khl_nope/withdraw").status_code == 404
    assert api.post(COORDINATOR, url).status_code == 403  # a member route
    first = api.post("C1", url, idem="kh-w1")
    assert first.status_code == 200, first.text
    assert first.json() == {"id": request, "status": "withdrawn", "voided": [pending["id"]],
                            "changed": True}  # fmt: skip
    assert api.post("C1", url, idem="kh-w1").content == first.content
    repeat = api.post("C1", url)
    assert repeat.status_code == 200 and repeat.json()["changed"] is False
    assert repeat.json()["voided"] == []
    assert api.get("C1", f"/v1/knowhow/proposals/{pending['id']}").json()["status"] == "voided"
    (mine,) = api.get("C1", "/v1/knowhow/postings").json()
    assert (mine["id"], mine["side"], mine["status"]) == (request, "learn", "withdrawn")
    assert [p["id"] for p in api.get("C3", "/v1/knowhow/postings").json()] == [offer]
    ran = api.post(COORDINATOR, "/v1/networks/LPN/rounds", {**ROUND, "business_date": "2026-11-22"})
    assert ran.status_code == 201 and ran.json()["proposal_count"] == 0, ran.text

    # A learn request closed by two acceptances cannot be withdrawn.
    again = api.post("C2", "/v1/knowhow/learn", {"topic": "egg_grading", **WHERE}).json()["id"]
    day = {**ROUND, "business_date": "2026-11-23"}
    assert api.post(COORDINATOR, "/v1/networks/LPN/rounds", day).status_code == 201
    (placed,) = api.get("C2", "/v1/knowhow/proposals").json()
    for coop in ("C2", "C3"):
        assert api.post(coop, f"/v1/knowhow/proposals/{placed['id']}/accept").status_code == 200
    closed = api.post("C2", f"/v1/knowhow/postings/{again}/withdraw")
    assert closed.status_code == 409 and "is closed" in closed.text, closed.text
    # The mentor withdraws its teach offer: the accepted placement stays.
    gone = api.post("C3", f"/v1/knowhow/postings/{offer}/withdraw")
    assert gone.status_code == 200 and gone.json()["voided"] == []
    assert api.get("C2", f"/v1/knowhow/proposals/{placed['id']}").json()["status"] == "accepted"
