"""One feasible and one infeasible (binding) test per constraint family of the liquidity model."""

from __future__ import annotations

from matcher.domain import Network, NetworkLevel
from matcher.liquidity import reasons as rc
from matcher.liquidity.model import CoopRules, JointFund, LoanNeed, LoanOffer
from matcher.money import simple_interest_satang
from matcher.results import FairnessPolicy, FillState, RateRule

from .builders import filled, lent, one_network, problem, reasons, solve_valid

M = 1_000_000_00  # one million baht in satang


def offer(
    i: str, lender: str, amount: int = M, rate: int = 400, term: int = 180, **kw
) -> LoanOffer:
    return LoanOffer(i, lender, amount, rate, term, **kw)


def need(i: str, borrower: str, amount: int = M, rate: int = 600, term: int = 90, **kw) -> LoanNeed:
    return LoanNeed(i, borrower, amount, rate, term, **kw)


class TestRate:
    def test_compatible_rate_matches_at_midpoint(self) -> None:
        r = solve_valid(problem([offer("o", "a", rate=400)], [need("n", "b", rate=601)]))
        assert [p.rate_bps for p in r.proposals] == [500]  # 500.5 → 500 (half-even)
        assert r.proposals[0].interest_satang == simple_interest_satang(M, 500, 90)

    def test_rate_gap_blocks_and_is_explained(self) -> None:
        r = solve_valid(problem([offer("o", "a", rate=700)], [need("n", "b", rate=600)]))
        assert r.proposals == ()
        assert reasons(r, "n") == (rc.RATE_GAP,)
        assert reasons(r, "o") == (rc.NO_COMPATIBLE_NEED,)


class TestTerm:
    def test_term_within_offer(self) -> None:
        r = solve_valid(problem([offer("o", "a", term=90)], [need("n", "b", term=90)]))
        assert filled(r, "n") == M

    def test_term_too_long(self) -> None:
        r = solve_valid(problem([offer("o", "a", term=60)], [need("n", "b", term=90)]))
        assert filled(r, "n") == 0
        assert reasons(r, "n") == (rc.TERM_TOO_LONG,)


class TestMinimumAmount:
    def test_minimum_reached(self) -> None:
        p = problem([offer("o", "a", amount=M // 2)], [need("n", "b", min_amount_satang=M // 2)])
        assert filled(solve_valid(p), "n") == M // 2

    def test_below_minimum_gets_nothing(self) -> None:
        p = problem(
            [offer("o", "a", amount=M // 2)], [need("n", "b", min_amount_satang=M // 2 + 1)]
        )
        r = solve_valid(p)
        assert filled(r, "n") == 0
        assert reasons(r, "n") == (rc.BELOW_MINIMUM,)

    def test_minimum_picks_the_need_that_can_use_the_money(self) -> None:
        # 600k can fully serve b (min 600k) or half of c (min 800k, useless): b gets it all.
        p = problem(
            [offer("o", "a", amount=600_000_00)],
            [
                need("nb", "b", amount=600_000_00, min_amount_satang=600_000_00),
                need("nc", "c", amount=M, min_amount_satang=800_000_00),
            ],
        )
        r = solve_valid(p)
        assert (filled(r, "nb"), filled(r, "nc")) == (600_000_00, 0)


class TestMaxLenders:
    def test_two_lenders_allowed(self) -> None:
        p = problem(
            [offer("o1", "a", M // 2), offer("o2", "c", M // 2)],
            [need("n", "b")],
            [CoopRules("b", max_lenders_per_need=2)],
        )
        assert filled(solve_valid(p), "n") == M

    def test_one_lender_only(self) -> None:
        p = problem(
            [offer("o1", "a", M // 2), offer("o2", "c", M // 2)],
            [need("n", "b")],
            [CoopRules("b", max_lenders_per_need=1)],
        )
        r = solve_valid(p)
        assert filled(r, "n") == M // 2 and len(r.proposals) == 1


class TestExposureCap:
    def test_cap_not_binding(self) -> None:
        p = problem([offer("o", "a", cap_per_borrower_satang=M)], [need("n", "b")])
        assert filled(solve_valid(p), "n") == M

    def test_cap_binds_across_needs_of_one_borrower(self) -> None:
        p = problem(
            [offer("o", "a", amount=2 * M, cap_per_borrower_satang=M // 2)],
            [need("n1", "b"), need("n2", "b")],
        )
        r = solve_valid(p)
        assert filled(r, "n1") + filled(r, "n2") == M // 2
        assert lent(r, "o") == M // 2


class TestBorrowingLimit:
    def test_within_limit(self) -> None:
        p = problem(
            [offer("o", "a")],
            [need("n", "b")],
            [CoopRules("b", borrowing_limit_satang=2 * M, outstanding_satang=M)],
        )
        assert filled(solve_valid(p), "n") == M

    def test_limit_minus_outstanding_binds(self) -> None:
        p = problem(
            [offer("o", "a")],
            [need("n", "b")],
            [CoopRules("b", borrowing_limit_satang=2 * M, outstanding_satang=3 * M // 2)],
        )
        r = solve_valid(p)
        assert filled(r, "n") == M // 2
        assert reasons(r, "n") == (rc.BORROWING_LIMIT,)


class TestReserve:
    def test_reserve_leaves_room(self) -> None:
        p = problem(
            [offer("o", "a")],
            [need("n", "b")],
            [CoopRules("a", liquid_funds_satang=2 * M, reserve_satang=M)],
        )
        assert filled(solve_valid(p), "n") == M

    def test_reserve_floor_binds(self) -> None:
        p = problem(
            [offer("o", "a")],
            [need("n", "b")],
            [CoopRules("a", liquid_funds_satang=M, reserve_satang=M // 4)],
        )
        r = solve_valid(p)
        assert lent(r, "o") == 3 * M // 4
        assert reasons(r, "o") == (rc.RESERVE_FLOOR,)


class TestBylaws:
    def test_bylaws_allow(self) -> None:
        p = problem(
            [offer("o", "a")],
            [need("n", "b")],
            [CoopRules("a", may_lend=True), CoopRules("b", may_borrow=True)],
        )
        assert filled(solve_valid(p), "n") == M

    def test_no_lending_and_no_borrowing(self) -> None:
        p = problem(
            [offer("o", "a"), offer("o2", "c")],
            [need("n", "b"), need("n2", "d")],
            [CoopRules("a", may_lend=False), CoopRules("d", may_borrow=False)],
        )
        r = solve_valid(p)
        assert lent(r, "o") == 0 and filled(r, "n2") == 0
        assert reasons(r, "o") == (rc.BYLAWS_NO_LENDING,)
        assert reasons(r, "n2") == (rc.BYLAWS_NO_BORROWING,)


def _two_areas(posted: int | None = None) -> tuple[Network, ...]:
    return (
        Network("nat", "ประเทศ", "National", NetworkLevel.NATIONAL),
        Network("prov", "ลำพูน", "Lamphun", NetworkLevel.PROVINCE, "nat", (), posted),
        Network("a1", "พื้นที่ 1", "Area 1", NetworkLevel.AREA, "prov", ("a", "b")),
        Network("a2", "พื้นที่ 2", "Area 2", NetworkLevel.AREA, "prov", ("c", "d")),
    )


class TestLocality:
    def test_local_lender_first(self) -> None:
        # b's area has a (pricier) lender; the cheaper lender c sits in the other area.
        p = problem(
            [offer("oa", "a", rate=500), offer("oc", "c", rate=300)],
            [need("n", "b")],
            networks=_two_areas(),
        )
        r = solve_valid(p)
        assert [(x.offer_id, x.tier) for x in r.proposals] == [("oa", "area")]

    def test_remainder_escalates_to_province(self) -> None:
        p = problem(
            [offer("oa", "a", amount=M // 4), offer("oc", "c")],
            [need("n", "b")],
            networks=_two_areas(),
        )
        r = solve_valid(p)
        assert sorted((x.offer_id, x.tier, x.amount_satang) for x in r.proposals) == [
            ("oa", "area", M // 4),
            ("oc", "province", 3 * M // 4),
        ]

    def test_no_shared_network(self) -> None:
        nets = (
            Network("x", "x", "X", NetworkLevel.AREA, None, ("a",)),
            Network("y", "y", "Y", NetworkLevel.AREA, None, ("b",)),
        )
        r = solve_valid(problem([offer("o", "a")], [need("n", "b")], networks=nets))
        assert r.proposals == ()
        assert reasons(r, "n") == (rc.NO_NETWORK,) and reasons(r, "o") == (rc.NO_NETWORK,)

    def test_one_sided_round_reads_nothing_in_reach(self) -> None:
        # Both coops are in the network: with no offer (or no need) anywhere in the round,
        # the reason is the empty other side, not a missing network.
        nets = one_network("a", "b")
        r = solve_valid(problem([], [need("na", "a"), need("nb", "b")], networks=nets))
        assert reasons(r, "na") == reasons(r, "nb") == (rc.NO_OFFER_IN_REACH,)
        r = solve_valid(problem([offer("oa", "a")], [], networks=nets))
        assert reasons(r, "oa") == (rc.NO_NEED_IN_REACH,)

    def test_a_joint_fund_without_needs_has_none_in_reach(self) -> None:
        p = problem(
            [offer("oa", "a")],
            [],
            networks=_two_areas(),
            joint_fund=JointFund("fund", "nat", M, 550),
        )
        r = solve_valid(p)
        assert reasons(r, "fund") == reasons(r, "oa") == (rc.NO_NEED_IN_REACH,)

    def test_outsider_reads_no_network_even_in_a_one_sided_round(self) -> None:
        nets = one_network("a")
        r = solve_valid(problem([], [need("na", "a"), need("nz", "z")], networks=nets))
        assert reasons(r, "na") == (rc.NO_OFFER_IN_REACH,)
        assert reasons(r, "nz") == (rc.NO_NETWORK,)
        r = solve_valid(problem([offer("oa", "a"), offer("oz", "z")], [], networks=nets))
        assert reasons(r, "oa") == (rc.NO_NEED_IN_REACH,)
        assert reasons(r, "oz") == (rc.NO_NETWORK,)


class TestJointFund:
    def test_fund_is_last_resort(self) -> None:
        p = problem(
            [offer("oa", "a", amount=M // 2)],
            [need("n", "b")],
            networks=_two_areas(),
            joint_fund=JointFund("fund", "nat", M, 550),
        )
        r = solve_valid(p)
        got = {x.offer_id: (x.amount_satang, x.tier, x.rate_bps) for x in r.proposals}
        assert got == {"oa": (M // 2, "area", 500), "fund": (M // 2, "national", 550)}

    def test_fund_rate_above_need_is_unused(self) -> None:
        p = problem(
            [],
            [need("n", "b", rate=500)],
            networks=_two_areas(),
            joint_fund=JointFund("fund", "nat", M, 550),
        )
        r = solve_valid(p)
        assert r.proposals == () and reasons(r, "n") == (rc.RATE_GAP,)


class TestPostedRate:
    def test_posted_rate_sets_the_rate(self) -> None:
        p = problem(
            [offer("oc", "c", rate=300)],
            [need("n", "b", rate=600)],
            networks=_two_areas(posted=450),
            rate_rule=RateRule.POSTED,
        )
        assert [x.rate_bps for x in solve_valid(p).proposals] == [450]

    def test_posted_rate_outside_the_pair_blocks_that_tier(self) -> None:
        # Not at the province (posted 4.50 % is below the lender's 5 %); the national tier
        # posts no rate, so the midpoint applies there.
        p = problem(
            [offer("oc", "c", rate=500)],
            [need("n", "b", rate=600)],
            networks=_two_areas(posted=450),
            rate_rule=RateRule.POSTED,
        )
        r = solve_valid(p)
        assert [(x.tier, x.rate_bps) for x in r.proposals] == [("national", 550)]


class TestPriorities:
    def test_urgent_need_first(self) -> None:
        p = problem(
            [offer("o", "a")], [need("calm", "b", urgency=1), need("urgent", "c", urgency=5)]
        )
        r = solve_valid(p)
        assert (filled(r, "urgent"), filled(r, "calm")) == (M, 0)
        assert rc.HIGHER_PRIORITY in reasons(r, "calm")

    def test_maxmin_shares_scarce_funds_evenly(self) -> None:
        p = problem(
            [offer("o", "a", amount=M)], [need("n1", "b", amount=M), need("n2", "c", amount=3 * M)]
        )
        r = solve_valid(p)
        ratios = (filled(r, "n1") / M, filled(r, "n2") / (3 * M))
        assert abs(ratios[0] - ratios[1]) <= 1 / 20 + 1e-9
        assert r.objective.min_fill_ratio_bps >= 2500 - 500
        assert rc.FAIR_SHARE in reasons(r, "n1")

    def test_coverage_policy_may_starve_a_need(self) -> None:
        p = problem(
            [offer("o", "a", amount=M)],
            [need("n1", "b", amount=M), need("n2", "c", amount=3 * M)],
            policy=FairnessPolicy.COVERAGE,
        )
        r = solve_valid(p)
        assert r.objective.covered_satang == M
        assert r.objective.min_fill_ratio_bps < 2000

    def test_proportional_gives_minimums_first(self) -> None:
        p = problem(
            [offer("o", "a", amount=M)],
            [
                need("n1", "b", amount=M, min_amount_satang=M // 2),
                need("n2", "c", amount=M, min_amount_satang=M // 2),
            ],
            policy=FairnessPolicy.PROPORTIONAL,
        )
        r = solve_valid(p)
        assert (filled(r, "n1"), filled(r, "n2")) == (M // 2, M // 2)

    def test_cheapest_offer_first(self) -> None:
        p = problem([offer("dear", "a", rate=500), offer("cheap", "c", rate=300)], [need("n", "b")])
        r = solve_valid(p)
        assert [x.offer_id for x in r.proposals] == ["cheap"]
        e = next(x for x in r.explanations if x.order_id == "n")
        assert e.state is FillState.FILLED


class TestUrgencyRanksFirst:
    def test_urgent_need_is_not_traded_for_more_but_less_urgent_lending(self) -> None:
        # Borrower x may borrow M in all: urgent "a" or the can-wait "a2". Offer "o1" reaches
        # "a" and the can-wait "b" of borrower y; "o2" (dearer) reaches only "a2". Lending
        # 2M (o1→b, o2→a2) covers more baht, but the objective ranks urgency-weighted
        # coverage first: 5·M (o1→a) beats 1·M + 1·M.
        p = problem(
            [offer("o1", "l1", rate=400), offer("o2", "l2", rate=650)],
            [
                need("a", "x", rate=600, urgency=5),
                need("a2", "x", rate=700, urgency=1),
                need("b", "y", rate=600, urgency=1),
            ],
            [CoopRules("x", borrowing_limit_satang=M)],
        )
        r = solve_valid(p)
        assert filled(r, "a") == M
        assert filled(r, "a2") == 0 and filled(r, "b") == 0
        assert r.objective.urgency_weighted_satang == 5 * M
