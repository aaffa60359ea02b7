"""A sender killed (SIGKILL) after the server accepted the message and before it recorded so:
the notice is never sent again blind; it shows as sent_unknown until a person resolves it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from notices.notices_support import DAY, dunning_notices

from sepa_batch.services import delivery


def killed_after_data(config_path) -> subprocess.CompletedProcess:
    """``sepa-batch notices send`` in a process that kills itself right after DATA's 250."""
    env = {**os.environ, delivery.KILL_AFTER_DATA: "1"}
    return subprocess.run(
        [sys.executable, "-m", "sepa_batch", "--config", str(config_path), "notices", "send",
         "--as-of", DAY.isoformat()],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def statuses(run) -> dict[str, str]:
    return {row["customer"]: row["status"] for row in run.json("notices", "list")}


def test_a_sender_killed_after_data_never_sends_twice(
    cli_run, smtp_config_path, smtp_db, smtp_config, mailbox
):
    dunning_notices(smtp_db, smtp_config, 2)
    process = killed_after_data(smtp_config_path)
    assert process.returncode == -signal.SIGKILL, process.stderr
    assert [to for _, [to] in mailbox.envelopes] == ["member1@example.org"]
    # the claim was committed before sending: the notice is not queued any more
    assert statuses(cli_run) == {"M00001": "claimed", "M00002": "queued"}

    # the next run: the dead sender's notice is uncertain, not sent again; the other one goes
    result = cli_run.json("notices", "send", "--as-of", DAY.isoformat())
    assert result["sent_unknown"] == [1] and result["sent"] == [2]
    assert [to for _, [to] in mailbox.envelopes] == ["member1@example.org", "member2@example.org"]
    assert statuses(cli_run) == {"M00001": "sent_unknown", "M00002": "sent"}
    [uncertain] = [row for row in cli_run.json("notices", "list") if row["id"] == 1]
    assert uncertain["message_id"] == str(mailbox.messages[0]["Message-ID"])
    assert "notices resolve 1 --sent" in uncertain["last_error"]
    assert "sent_unknown" in cli_run("notices", "list").stdout

    # more runs never send it
    cli_run("notices", "send", "--as-of", DAY.isoformat())
    assert len(mailbox.messages) == 2

    # a person checked the mailbox's log: it did arrive
    assert "sent" in cli_run("notices", "resolve", "1", "--sent").stdout
    assert statuses(cli_run) == {"M00001": "sent", "M00002": "sent"}
    cli_run("notices", "send", "--as-of", DAY.isoformat())
    assert len(mailbox.messages) == 2


def test_a_person_may_send_an_uncertain_notice_again(
    cli_run, smtp_config_path, smtp_db, smtp_config, mailbox
):
    dunning_notices(smtp_db, smtp_config, 1)
    assert killed_after_data(smtp_config_path).returncode == -signal.SIGKILL
    cli_run("notices", "send", "--as-of", DAY.isoformat())
    assert statuses(cli_run) == {"M00001": "sent_unknown"} and len(mailbox.messages) == 1

    cli_run("notices", "resolve", "1", "--resend", "--as-of", DAY.isoformat())
    cli_run("notices", "send", "--as-of", DAY.isoformat())
    assert statuses(cli_run) == {"M00001": "sent"}
    first, second = mailbox.messages
    # the same message again: a reader's mail program can tell it is the same one
    assert first["Message-ID"] == second["Message-ID"]
