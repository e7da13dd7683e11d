"""Liquidity matching: idle funds of some coops lent to coops short of working capital.

Entry points: :func:`matcher.liquidity.solver.solve_liquidity`,
:func:`matcher.liquidity.validator.validate_result` and
:func:`matcher.liquidity.greedy.solve_greedy`.
"""
