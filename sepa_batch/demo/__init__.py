"""``sepa-batch demo``: a club's months told as a story, on a fresh SQLite database.

It creates a club (``founding``: members with French, German and Belgian accounts, a few
Swiss), then replays the scheduler day by day (``club``): each month's collection file, the
simulated bank's answers dropped in the inbox on the day the bank would send them (``bank``),
their import and the unpaid workflow, re-presentations in the next file, settlement, dunning
and the door's blocked list; a table at each month's end (``month``), then the files written,
one member's ledger and the reconciliation (``closing``, ``reconcile``). ``story.run_demo``
tells it. Everything is seeded: the same options tell the same story.

Only ``bank`` imports the simulated bank; ``founding`` does not, so that what reads only the
club's set-up (its configuration, its members) does not load it.
"""
