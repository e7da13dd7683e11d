"""pytest-benchmark suites and peer baselines (outside the default test run)."""
