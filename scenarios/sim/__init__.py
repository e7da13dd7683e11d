"""Season simulator and Monte Carlo runner over scenario files (pure of api)."""
