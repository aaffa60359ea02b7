"""E-mail delivery of the notices over SMTP (``[smtp]``), each at most once.

A notice recorded by the unpaid or dunning services gets a delivery row (``queue.enqueue``):
``queued`` when its member has an e-mail address, ``print`` otherwise. ``send.send_notices``
then takes the queued ones one at a time:

1. **claim** (``claim.claim_next``): in one committed transaction the row becomes ``claimed``
   by this process, with its Message-ID (PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED``;
   SQLite: the write transaction's ``BEGIN IMMEDIATE``) — so two senders never take the same
   notice;
2. **send** over SMTP (``smtp.transmit``: MAIL, RCPT, DATA);
3. **mark** it ``sent`` with the server's answer and the time; a refusal (5xx) marks it
   ``failed`` with the reason; a temporary failure (4xx, server down) puts it back in the queue
   after a growing delay, until ``MAX_ATTEMPTS``, then ``failed`` (``retry``).

A process that dies between 2 and 3 leaves the row ``claimed``: nobody knows whether the
server took the message. The next run finds it (``claim.recover``: its sender is no longer
running on this host, or its claim is older than ``claim.CLAIM_LEASE``) and marks it
``sent_unknown``: it is never sent again blind; a person checks and says
``notices resolve ID --sent`` or ``--resend`` (``review.resolve``). The statuses are told in
``db.schema.NoticeDelivery``.

The names below are the package's verbs and the constants its callers read.
"""

from __future__ import annotations

from sepa_batch.services.delivery.queue import MODELS, enqueue
from sepa_batch.services.delivery.retry import MAX_ATTEMPTS
from sepa_batch.services.delivery.review import list_deliveries, resolve
from sepa_batch.services.delivery.send import scheduler_job, send_notices
from sepa_batch.services.delivery.smtp import KILL_AFTER_DATA

__all__ = [
    "KILL_AFTER_DATA",
    "MAX_ATTEMPTS",
    "MODELS",
    "enqueue",
    "list_deliveries",
    "resolve",
    "scheduler_job",
    "send_notices",
]
