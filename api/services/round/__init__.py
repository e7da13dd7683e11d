"""The one owner of the daily round: calendar, sweep, snapshot, solve, persist (DESIGN.md
"One round service"). Every entrance — CLI, ``/v1``, ``/web`` — calls :mod:`.service`."""
