"""Background jobs: funding plans and stress runs, stored with their results.

A coordinator's request is checked first (bad input changes nothing), then stored as a job
of their network in the same transaction as its ``Idempotency-Key`` and an audit event;
a runner thread of the process that stored it runs it and stores the result::

    create ──► queued ──(a runner thread takes it)──► running ──► done (result, chart)
                 │                                      │
                 │        error, shutdown, or no heartbeat for ``lease_s``
                 └──────────────────────────────────────┴──► failed
                                                               │ retry (coordinator)
                 queued ◄──────────────────────────────────────┘

The runner holding a queued or running job renews its ``beat_at`` every ``beat_s``; a job
whose heartbeat stopped (its process died in the middle) is marked failed with the code
``interrupted`` at the next start-up sweep, by the sweep of any live runner, or when it is
read. A failed job may be retried: it runs again from the start on the same request, and
(every run being seeded) gives the same result. Every change of state is audited.

Modules: :mod:`.store` (rows and state changes), :mod:`.runner` (threads, heartbeat),
:mod:`.funding` and :mod:`.stress` (checking a request, running it).
"""
