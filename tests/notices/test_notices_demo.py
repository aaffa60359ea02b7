"""The demo's club with ``[smtp]`` set: the scheduler's ``notices`` job e-mails every notice the
story issues to a real SMTP server, each exactly once, and ``notices list`` shows them sent."""

from __future__ import annotations

from collections import Counter

from conftest import Cli
from notices.notices_support import smtp_section
from sqlalchemy import func, select

from sepa_batch import config as config_module
from sepa_batch.db.schema import DunningNotice, PreNotification
from sepa_batch.demo.club import Club
from sepa_batch.scheduler import Runtime


def test_the_demo_notices_arrive_each_exactly_once(tmp_path, mailbox):
    folder = tmp_path / "club"
    club = Club(folder, members=40, months=2, seed=11)
    path = folder / "config" / "sepa_batch.toml"
    path.write_text(path.read_text(encoding="utf-8") + smtp_section(mailbox.port), "utf-8")
    club.config = config_module.load(path)
    club.runtime = Runtime(club.config, club.db)
    club.open()
    outcomes = [outcome["notices"] for _, outcome in club.days()]
    assert all(" sent, 0 to retry, 0 failed, 0 sent-unknown" in line for line in outcomes)

    with club.db.reader() as session:
        issued = session.scalar(select(func.count()).select_from(PreNotification))
        issued += session.scalar(
            select(func.count()).select_from(DunningNotice).where(DunningNotice.path.is_not(None))
        )
    assert issued >= 5  # the story has unpaids: pre-notifications and dunning letters
    ids = mailbox.message_ids()
    assert len(ids) == issued and len(set(ids)) == issued  # each notice once

    listed = Cli(path).json("notices", "list")
    assert Counter(row["status"] for row in listed) == {"sent": issued}
    assert {row["message_id"] for row in listed} == set(ids)
    assert Counter(row["kind"] for row in listed).keys() == {"prenotification", "dunning"}
    sent = Cli(path).json("notices", "list", "--sent")
    assert all(row["smtp_response"].startswith("250 2.0.0 Ok") for row in sent)
    club.db.dispose()
