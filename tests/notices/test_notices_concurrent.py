"""Two senders at once (two threads, each its own connection pool and SMTP session, against a
slow server so that they overlap): every notice arrives exactly once."""

from __future__ import annotations

import threading
from collections import Counter

from notices.notices_support import NOW, dunning_notices
from sqlalchemy import select

from sepa_batch.db.schema import NoticeDelivery
from sepa_batch.db.session import Database
from sepa_batch.services import delivery

COUNT = 24


def test_two_senders_at_once_send_each_notice_once(smtp_db, smtp_config, mailbox):
    dunning_notices(smtp_db, smtp_config, COUNT)
    delivery.enqueue(smtp_db, smtp_config, NOW)
    mailbox.delay = 0.02
    start = threading.Barrier(2)
    results, errors = [], []

    def sender() -> None:
        db = Database(smtp_config.database_url)
        try:
            start.wait()
            results.append(delivery.send_notices(db, smtp_config, NOW))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            db.dispose()

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    received = Counter(to for _, [to] in mailbox.envelopes)
    assert received == Counter(f"member{n}@example.org" for n in range(1, COUNT + 1))
    assert len(set(mailbox.message_ids())) == COUNT
    # both took part, and each notice is recorded sent once, by one of them
    sent = [results[0].sent, results[1].sent]
    assert all(sent) and sorted(sent[0] + sent[1]) == list(range(1, COUNT + 1))
    with smtp_db.reader() as session:
        statuses = session.execute(select(NoticeDelivery.status)).scalars().all()
    assert statuses == ["sent"] * COUNT
