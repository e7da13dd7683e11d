"""Stress and contagion on inter-coop debts: Eisenberg–Noe clearing and DebtRank (pure)."""
