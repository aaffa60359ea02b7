"""Matching: what the bank said (``sepa_batch.returns`` records) tied to what we collected.

- ``apply``: one return file applied in one transaction, never twice;
- ``items``: its items in order — transactions by chunks, credits and rejected batches alone;
- ``transactions``: a transaction's return → the line collected (end-to-end id, else mandate
  reference + amount + date window), and why a person must look at it;
- ``batches``: a bank credit → the batch(es) it pays; a rejected file or PmtInf → its batches;
- ``claims``: the guards that apply a return once;
- ``review``: the items a person decides on (apply to a line, or dismiss).

The unpaid workflow the matched items run is :mod:`sepa_batch.unpaid`; the inbox that feeds
the files in is :mod:`sepa_batch.services.inbox`.
"""
