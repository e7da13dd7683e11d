"""The season replay: a whole season of a scenario driven through the real system.

``coopmatch season replay`` loads a scenario into a database (:mod:`api.replay.world`),
then day by day lets the members post through ``/v1`` and the coordinators run their rounds
(:mod:`api.replay.driver`), injects deterministic faults (:mod:`api.replay.faults`), checks
the ledger invariants with plain SQL after every day (:mod:`api.replay.invariants`) and
reports the season beside the in-memory simulator's (:mod:`api.replay.report`).

It is an edge of ``api`` (beside ``cli``, ``http`` and ``web``): it drives the HTTP API.
"""
