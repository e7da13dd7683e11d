"""Tests of the scenario files, the season simulator and the Monte Carlo runner."""
