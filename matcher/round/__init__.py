"""The combined daily round: set-off, then liquidity on the shrunk needs, then produce."""
