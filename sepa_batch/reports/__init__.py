"""Reports for the accountant (PRODUCT §9): batches, ageing, returns, journal, FEC.

Each report module reads the database through a session it is given and returns a
:class:`~sepa_batch.reports.model.Report` (columns, rows in cents, totals); ``render`` writes
it as CSV or JSON, ``fec`` writes the journal in the French FEC layout. The service functions
in ``sepa_batch.services.reports`` open the session.
"""
