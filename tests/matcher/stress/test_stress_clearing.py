"""Eisenberg–Noe clearing against hand-computed networks and three independent oracles;
DebtRank on hand-made cases; losses, rounds, concentration; bad input; determinism."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as hs

from matcher.errors import InputError
from matcher.stress.model import Claim, Position, Shock, StressProblem
from matcher.stress.run import run_stress
from matcher.stress.validator import check_stress
from tests.matcher.stress.stress_oracles import brute_force, fixed_point, lp_oracle


def _valid(problem: StressProblem, importance: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    res = run_stress(problem, importance)
    assert check_stress(problem, res) == []
    return res


def _net(liquid: dict[str, int], claims: list[tuple[str, str, int]], shocks=(), reserve=None):  # type: ignore[no-untyped-def]
    return StressProblem(
        tuple(Position(c, v, (reserve or {}).get(c, 0)) for c, v in liquid.items()),
        tuple(Claim(f"k{i}", d, c, a) for i, (d, c, a) in enumerate(claims)),
        tuple(shocks),
    )


def test_pro_rata_payment_known_vector() -> None:
    """a owes b and c 100 each and has 120: pays 60 to each; b and c lose 40."""
    pr = _net({"a": 120, "b": 0, "c": 0}, [("a", "b", 100), ("a", "c", 100)])
    res = _valid(pr)
    assert res.payments == pytest.approx((120.0, 0.0, 0.0))
    assert [o.loss_satang for o in res.outcomes] == [0, 40, 40]
    assert [o.default_round for o in res.outcomes] == [1, None, None]


def test_ring_without_cash_pays_in_full() -> None:
    """The greatest clearing vector: a ring of equal debts clears itself, no cash needed."""
    pr = _net({"a": 0, "b": 0, "c": 0}, [("a", "b", 100), ("b", "c", 100), ("c", "a", 100)])
    assert _valid(pr).payments == pytest.approx((100.0, 100.0, 100.0))


def test_ring_breaks_when_one_stops() -> None:
    pr = _net(
        {"a": 0, "b": 30, "c": 0},
        [("a", "b", 100), ("b", "c", 100), ("c", "a", 100)],
        [Shock("a")],
        reserve={"b": 50, "c": 80, "a": 0},
    )
    res = _valid(pr)
    assert res.payments == pytest.approx((0.0, 30.0, 30.0))
    assert [o.default_round for o in res.outcomes] == [0, 1, 2]
    assert res.rounds == 2
    broken = {o.coop_id for o in res.outcomes if o.reserve_broken}
    assert broken == {"a", "b"}  # a loses 70 > 0, b loses 100 > 50; c loses 70 < 80


def test_price_shock_on_liquid_funds() -> None:
    """A 40 % fall of a's liquid funds (no stop): a pays 60 of 100."""
    pr = _net({"a": 100, "b": 0}, [("a", "b", 100)], [Shock("a", False, 4_000)])
    res = _valid(pr)
    assert res.payments == pytest.approx((60.0, 0.0))
    assert res.outcomes[1].loss_satang == 40


def test_concentration_largest_borrower_over_reserve() -> None:
    pr = _net({"a": 0, "b": 0, "c": 0}, [("b", "a", 300), ("c", "a", 100)], reserve={"a": 200})
    out = _valid(pr).outcomes[0]
    assert (out.largest_borrower, out.largest_exposure_bps) == ("b", 15_000)


def test_debtrank_chain_and_importance() -> None:
    """a fails; b lent a half its reserve; c lent b all its reserve."""
    pr = _net(
        {"a": 100, "b": 100, "c": 100},
        [("a", "b", 50), ("b", "c", 100)],
        [Shock("a")],
        reserve={"a": 100, "b": 100, "c": 100},
    )
    res = _valid(pr, ("a", "c"))
    # value weights ∝ liquid + owed: a 100, b 150, c 200 (of 450)
    assert res.debtrank == pytest.approx((150 * 0.5 + 200 * 0.5) / 450)
    assert res.importance["c"] == 0.0
    assert res.importance["a"] == pytest.approx(res.debtrank)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=hs.integers(2, 6),
    data=hs.data(),
)
def test_clearing_matches_three_oracles(n: int, data: hs.DataObject) -> None:
    pairs = [(i, j) for i in range(n) for j in range(n) if i != j]
    chosen = data.draw(hs.lists(hs.sampled_from(pairs), min_size=1, max_size=10, unique=True))
    claims = [(d, c, data.draw(hs.integers(1, 1_000))) for d, c in chosen]
    liquid = [data.draw(hs.integers(0, 500)) for _ in range(n)]
    stops = [data.draw(hs.booleans()) and i == 0 for i in range(n)]
    names = [f"c{i}" for i in range(n)]
    pr = StressProblem(
        tuple(Position(names[i], liquid[i], 100) for i in range(n)),
        tuple(Claim(f"k{k}", names[d], names[c], a) for k, (d, c, a) in enumerate(claims)),
        (Shock("c0"),) if stops[0] else (),
    )
    got = np.array(_valid(pr).payments)
    assert got == pytest.approx(lp_oracle(n, claims, liquid, stops), abs=1e-5)
    assert got == pytest.approx(fixed_point(n, claims, liquid, stops), abs=1e-4)
    brute = brute_force(n, claims, liquid, stops)
    assume(brute is not None)
    assert got == pytest.approx(brute, abs=1e-5)


def test_same_seed_same_answer_whatever_the_order() -> None:
    rng = np.random.default_rng(5)
    n = 60
    pos = tuple(Position(f"c{i:02d}", int(rng.integers(0, 1_000)), 500) for i in range(n))
    claims = []
    for k in range(300):
        d, c = rng.choice(n, 2, replace=False)
        claims.append(Claim(f"k{k}", f"c{d:02d}", f"c{c:02d}", int(rng.integers(1, 2_000))))
    pr = StressProblem(pos, tuple(claims), (Shock("c07"),))
    a = _valid(pr)
    b = _valid(StressProblem(pos, tuple(reversed(claims)), (Shock("c07"),)))
    assert a.outcomes == b.outcomes
    assert a.payments == pytest.approx(b.payments, abs=1e-6)


def test_large_default_set_uses_the_iteration() -> None:
    """A default set larger than the dense limit, in one round: coop i owes 100·(i+1) to
    i+1 and has 10, so it pays p_i = 10·(i+1)."""
    n = 1_700
    pr = StressProblem(
        tuple(Position(f"c{i:04d}", 10, 0) for i in range(n)),
        tuple(Claim(f"k{i}", f"c{i:04d}", f"c{i + 1:04d}", 100 * (i + 1)) for i in range(n - 1)),
        (),
    )
    res = _valid(pr)
    assert res.payments[:4] == pytest.approx((10.0, 20.0, 30.0, 40.0))
    assert res.payments[n - 2] == pytest.approx(10.0 * (n - 1))
    assert res.rounds == 1


def test_bad_input_names_every_field() -> None:
    pr = StressProblem(
        (Position("a", -1, 0), Position("a", 0, -5)),
        (Claim("k", "a", "zz", -3), Claim("j", "a", "a", 1)),
        (Shock("nobody", liquid_loss_bps=20_000),),
    )
    with pytest.raises(InputError) as err:
        run_stress(pr)
    assert {i.field for i in err.value.issues} == {
        "positions[0].liquid_satang",
        "positions[1].coop_id",
        "positions[1].reserve_satang",
        "claims[0].amount_satang",
        "claims[0].creditor",
        "claims[1].creditor",
        "shocks[0].coop_id",
        "shocks[0].liquid_loss_bps",
    }
