"""The ledger, access and blocked commands print exactly the documented shapes (CLI.md)."""

import pytest

from sepa_batch.cli import cli

LINE_KEYS = [
    "id",
    "kind",
    "date",
    "due_date",
    "label",
    "amount",
    "mode",
    "status",
    "paid_on",
    "represents",
    "end_to_end_id",
    "reason_code",
    "held",
    "review_reason",
]


@pytest.fixture
def subscribed(run):
    run(
        "subscribe",
        "C001",
        "--article",
        "SUB_MONTH",
        "--start",
        "2010-07-01",
        "--months",
        "2",
        "--as-of",
        "2010-07-01",
    )
    return run


def test_ledger_json_shape(subscribed):
    document = subscribed.json("ledger", "C001", "--as-of", "2010-07-05")
    assert list(document) == ["customer", "as_of", "balance", "overdue", "blocked", "lines"]
    assert document["customer"] == "C001" and document["as_of"] == "2010-07-05"
    assert (document["balance"], document["overdue"], document["blocked"]) == (
        "0.00",
        "0.00",
        False,
    )
    sale, first, second = document["lines"]
    assert all(list(line) == LINE_KEYS for line in document["lines"])
    assert sale == {
        "id": sale["id"],
        "kind": "sale",
        "date": "2010-07-01",
        "due_date": None,
        "label": "Abonnement mensuel",
        "amount": "100.00",
        "mode": None,
        "status": None,
        "paid_on": None,
        "represents": None,
        "end_to_end_id": None,
        "reason_code": None,
        "held": False,
        "review_reason": None,
    }
    assert (first["kind"], first["due_date"], first["amount"], first["mode"], first["status"]) == (
        "payment",
        "2010-07-05",
        "50.00",
        "DIRECT_DEBIT",
        "SCHEDULED",
    )
    assert second["due_date"] == "2010-08-05"


def test_access_json_shape_and_next_day_rule(subscribed):
    on_the_day = subscribed.json("access", "C001", "--as-of", "2010-07-05")
    assert on_the_day == {
        "customer": "C001",
        "as_of": "2010-07-05",
        "allowed": True,
        "reason": "no overdue instalment",
    }
    next_day = subscribed.json("access", "C001", "--as-of", "2010-07-06")
    assert list(next_day) == ["customer", "as_of", "allowed", "reason"]
    assert next_day["allowed"] is False and "50.00" in next_day["reason"]


def test_blocked_list_formats(subscribed):
    result = subscribed("blocked", "--as-of", "2010-07-06", "--format", "csv")
    assert result.stdout.splitlines() == [
        "customer,name,overdue,since",
        "C001,Élodie Martin,50.00,2010-07-05",
    ]
    assert subscribed("blocked", "--as-of", "2010-07-05", "--format", "csv").stdout.strip() == (
        "customer,name,overdue,since"
    )


def test_unknown_customer_exits_1_naming_it(run):
    result = run("ledger", "C999", expect=1)
    assert "customer C999" in result.stderr


def test_bad_date_is_a_usage_error(run):
    run("ledger", "C001", "--as-of", "20/07/2010", expect=2)


def all_commands(group, prefix=()):
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from all_commands(command, (*prefix, name))
        else:
            yield (*prefix, name), command


@pytest.mark.parametrize(
    ("path", "command"),
    list(all_commands(cli)),
    ids=lambda v: " ".join(v) if isinstance(v, tuple) else "",
)
def test_every_command_has_help_with_an_example(path, command):
    assert command.help and "Example" in command.help, f"sepa-batch {' '.join(path)}"
