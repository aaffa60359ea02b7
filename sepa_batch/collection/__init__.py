"""The monthly collection: due direct-debit instalments → XSD-valid pain.008 files (PRODUCT §3).

The modules, in the order of the data:

- ``candidates``: the one query — every SCHEDULED direct-debit line due by the horizon, with
  its customer and the mandate it is collected under, by due date then id (named rows);
- ``eligibility``: whether each can be collected, or why not (the skip reasons; pure);
- ``plan``: each collected line in the block of its (collection date, sequence type); each
  time a block has gathered the bank profile's transactions per file, those make a file;
  when the stream ends, what is left of the blocks is packed into files;
- ``spool``: each collected transaction, as the writer needs it, dumped into
  ``outbox/.partial/`` (marshalled chunks, one dump per block);
- ``jobs``: a file numbered from a counter unique forever, its header and blocks;
- ``writers``: the files written from the spool into ``.partial/`` and validated against
  the official XSD — in this process after the marking, or, for large runs, in worker
  processes from the moment a file is planned;
- ``marking``: per file, the bank file and payment batch records, the lines SUBMITTED with
  their mandate and end-to-end id ``{prefix}-L{line id}-{presentation n}`` (a line changed
  meanwhile is left out and reported), the counts and sums checked from the database; then
  the mandates' last presentation, FRST / OOFF used up, the amendments carried cleared;
- ``outbox``: after the commit, the files renamed into the outbox; what a crash left,
  finished or undone;
- ``service``: ``collect_due``, which runs all of it in one database transaction under the
  ``collect`` job lock.

A crash before the commit leaves only partial files, which the next run deletes: nothing was
collected. A crash after it leaves committed bank files whose partial files the next run
renames into the outbox. A line is SUBMITTED in the same transaction that records its file,
so no line is ever collected twice.
"""

from sepa_batch.collection.eligibility import Skipped
from sepa_batch.collection.outbox import Recovery, recover_outbox
from sepa_batch.collection.service import CollectionResult, collect_due, default_horizon

__all__ = [
    "CollectionResult",
    "Recovery",
    "Skipped",
    "collect_due",
    "default_horizon",
    "recover_outbox",
]
