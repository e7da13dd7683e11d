"""Probing other networks through debts (issue 18, finding 9): a member may post a debt only
to a coop it shares a network with (any other is answered exactly like an unknown coop), and
only the creditor may cancel (waive) it, never a coop of another network.

Before: a Lamphun member posted a debt owed to a Loei coop (201, where an unknown id got
422), and the Loei coop could then cancel it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from http_fixtures import DEBT, FAST_HASHER, Api, make_api
from sqlalchemy import Engine
from web_attack import seed_loei

from api.db.tx import in_write_transaction
from api.http.keys import issue_key
from api.services.orders import ObligationSpec, insert_obligations


@pytest.fixture
def two(db: Engine, clock: Any) -> Iterator[Api]:
    """Lamphun (C1–C4) and an unrelated province, Loei (L1, L2), with member keys."""
    made = make_api(db, clock)
    seed_loei(db)
    for coop in ("L1", "L2"):
        made.tokens[coop] = issue_key(db, role="member", coop_id=coop, hasher=FAST_HASHER).token
    with made.client:
        yield made


def test_a_debt_to_another_networks_coop_is_refused_like_an_unknown_coop(two: Api) -> None:
    unknown = two.post("C1", "/v1/orders", {**DEBT, "creditor_coop_id": "NO-SUCH"})
    foreign = two.post("C1", "/v1/orders", {**DEBT, "creditor_coop_id": "L1"})
    assert unknown.status_code == foreign.status_code == 422, foreign.text
    assert foreign.json()["detail"] == unknown.json()["detail"].replace("NO-SUCH", "L1")
    assert two.post("C1", "/v1/orders", DEBT).status_code == 201  # C3: the same province
    assert two.post("L1", "/v1/orders", {**DEBT, "creditor_coop_id": "L2"}).status_code == 201


def test_only_the_creditor_of_a_shared_network_may_cancel_a_debt(two: Api, db: Engine) -> None:
    """A cross-network debt written before the check (here: straight into the database)
    cannot be waived by its foreign "creditor"; a debt inside a network still can."""
    now = datetime(2026, 11, 21, tzinfo=UTC)
    specs = [
        ObligationSpec("OLD-X", "C1", "L1", 100_00, date(2026, 12, 31)),
        ObligationSpec("OLD-IN", "C1", "C3", 100_00, date(2026, 12, 31)),
    ]
    in_write_transaction(db, lambda s: insert_obligations(s, specs, now))
    assert two.post("L1", "/v1/orders/OLD-X/cancel").status_code == 404
    assert two.post("L2", "/v1/orders/OLD-X/cancel").status_code == 404
    assert two.post("C2", "/v1/orders/OLD-IN/cancel").status_code == 404  # not the creditor
    assert two.post("C1", "/v1/orders/OLD-IN/cancel").status_code == 409  # the debtor
    r = two.post("C3", "/v1/orders/OLD-IN/cancel")
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
