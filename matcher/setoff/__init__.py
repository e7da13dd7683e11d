"""Debt set-off between coops (หักกลบลบหนี้) and the liquidity injection that completes it.

Entry point: :func:`matcher.setoff.solver.solve_setoff`.
"""
