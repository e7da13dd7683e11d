"""Shared builders and the independent LP oracle for the set-off tests."""

from __future__ import annotations

from collections import defaultdict

from hypothesis import strategies as st
from ortools.linear_solver import pywraplp

from matcher.domain import Coop
from matcher.setoff.model import LiquiditySource, Obligation, SetoffProblem, SetoffResult
from matcher.setoff.solver import solve_setoff
from matcher.setoff.validator import validate


def coops(*ids: str) -> tuple[Coop, ...]:
    """Coops with the given ids (names derived)."""
    return tuple(Coop(i, f"สหกรณ์ {i}", f"Coop {i}") for i in ids)


def problem(
    edges: list[tuple[str, str, int]],
    sources: tuple[LiquiditySource, ...] = (),
    **kw: object,
) -> SetoffProblem:
    """A problem from (debtor, creditor, amount) triples; ids o000, o001, …"""
    names = sorted({p for d, c, _ in edges for p in (d, c)})
    obs = tuple(Obligation(f"o{k:03d}", d, c, a) for k, (d, c, a) in enumerate(edges))
    return SetoffProblem(coops(*names), obs, sources, **kw)  # type: ignore[arg-type]


def solve_valid(p: SetoffProblem) -> SetoffResult:
    """Solve and assert the independent validator finds nothing wrong."""
    result = solve_setoff(p)
    assert validate(p, result) == []
    return result


def lp_cleared(p: SetoffProblem, cash: int = 0) -> float:
    """Independent LP (GLOP): max Σ x_e with 0 ≤ x_e ≤ a_e and Σ_v max(0, out_v − in_v) ≤ cash.

    With cash = 0 this is the set-off itself: the discharged part x is a circulation.
    """
    solver = pywraplp.Solver.CreateSolver("GLOP")
    assert solver is not None
    x = [solver.NumVar(0, ob.amount_satang, ob.id) for ob in p.obligations]
    flow: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for k, ob in enumerate(p.obligations):
        flow[ob.debtor].append((k, 1.0))
        flow[ob.creditor].append((k, -1.0))
    inject = []
    for coop, terms in sorted(flow.items()):
        d = solver.NumVar(0, solver.infinity(), f"cash_{coop}")
        inject.append(d)
        # d_v ≥ out_v − in_v
        solver.Add(d >= sum(coef * x[k] for k, coef in terms))
    solver.Add(sum(inject) <= cash)
    solver.Maximize(sum(x))
    assert solver.Solve() == pywraplp.Solver.OPTIMAL
    return float(solver.Objective().Value())


@st.composite
def random_problems(draw: st.DrawFn, max_coops: int = 7, max_edges: int = 16) -> SetoffProblem:
    """Random debt graphs: parallel and opposite obligations allowed, no self-debt."""
    n = draw(st.integers(2, max_coops))
    m = draw(st.integers(0, max_edges))
    edges = []
    for _ in range(m):
        d = draw(st.integers(0, n - 1))
        c = (d + draw(st.integers(1, n - 1))) % n
        edges.append((f"c{d}", f"c{c}", draw(st.integers(1, 10_000))))
    p = problem(edges)
    names = {c.id for c in p.coops} | {f"c{k}" for k in range(n)}
    return SetoffProblem(coops(*sorted(names)), p.obligations)
