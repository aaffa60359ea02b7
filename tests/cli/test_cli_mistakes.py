"""The everyday mistakes, as a table: each gets one sentence (exit 1) or a usage error (exit 2),
no traceback, and leaves the database and the folders exactly as they were. Runs on SQLite and
on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import write_config
from support import FIXTURES

from sepa_batch.cli import cli

TRUNCATED = '<?xml version="1.0"?><Document><BkToCstmrDbtCdtNtfctn>'
BAD_IBAN_ROW = (
    "customer_id,name,email,street,building_number,postcode,town,country,iban,bic,mandate_id,"
    "mandate_signed_on\nC500,Jean Bon,j@b.fr,Rue,1,69003,Lyon,FR,FR7630006000011234567890180,,"
    "M-500,2010-06-01\n"
)


def _outbox_in_proc(config: Path, folder: str) -> None:
    text = config.read_text().replace(
        f'{folder} = "var/{folder}"', f'{folder} = "/proc/x-{folder}"'
    )
    config.write_text(text)


def _unreachable(config: Path, folder: str) -> None:
    lines = config.read_text().splitlines()
    lines[1] = 'url = "postgresql+psycopg://club:pa55word@127.0.0.1:1/club"'
    config.write_text("\n".join(lines) + "\n")


def _broken(*_args, **_kwargs):
    raise RuntimeError("nobody expected this")


#: (id, command line, what stderr says, exit status, set-up)
CASES = [
    ("pay-unknown-line", ["pay", "999"], "refused: line 999: not found", 1, None),
    (
        "unpay-open-line",
        ["unpay", "3", "--as-of", "2010-07-20"],
        "line 3: status: this line is open (SCHEDULED), so it cannot be marked unpaid",
        1,
        None,
    ),
    ("ledger-unknown", ["ledger", "C999"], "refused: customer C999: not found", 1, None),
    ("access-unknown", ["access", "C999"], "refused: customer C999: not found", 1, None),
    (
        "subscribe-unknown-article",
        ["subscribe", "C002", "--article", "NOPE", "--start", "2010-08-05", "--months", "2"],
        "refused: article NOPE: not found",
        1,
        None,
    ),
    (
        "sale-unknown-customer",
        ["sale", "C999", "--article", "LICENCE", "--as-of", "2010-07-20"],
        "refused: customer C999: not found",
        1,
        None,
    ),
    (
        "instalment-zero",
        ["instalment", "C001", "--amount", "0", "--due", "2010-08-01"],
        "amount: an instalment must be positive",
        1,
        None,
    ),
    (
        "customers-bad-iban",
        ["customers", "import", "{tmp}/bad-iban.csv", "--as-of", "2010-07-01"],
        "line 2: iban: invalid IBAN",
        1,
        None,
    ),
    (
        "articles-not-a-csv",
        ["articles", "import", "{tmp}/truncated.xml"],
        "header: missing column(s)",
        1,
        None,
    ),
    (
        "returns-import-truncated",
        ["returns", "import", "{tmp}/truncated.xml", "--as-of", "2010-07-20"],
        "refused: 1 of 1 file(s)",
        1,
        None,
    ),
    (
        "returns-inspect-truncated",
        ["returns", "inspect", "{tmp}/truncated.xml"],
        "truncated or malformed XML",
        1,
        None,
    ),
    (
        "bank-simulate-truncated",
        ["bank", "simulate", "{tmp}/truncated.xml", "--out", "{tmp}/var/inbox"],
        "not well-formed XML",
        1,
        None,
    ),
    (
        "collect-outbox-in-proc",
        ["collect", "--as-of", "2010-08-01"],
        "cannot create or write /proc/x-outbox",
        1,
        lambda config: _outbox_in_proc(config, "outbox"),
    ),
    (
        "dunning-notices-in-proc",
        ["dunning", "run", "--as-of", "2010-08-01"],
        "cannot create or write /proc/x-notices",
        1,
        lambda config: _outbox_in_proc(config, "notices"),
    ),
    (
        "server-unreachable",
        ["ledger", "C001"],
        "cannot use the database postgresql+psycopg://club:***@127.0.0.1:1/club",
        1,
        lambda config: _unreachable(config, ""),
    ),
    ("config-missing", ["--config", "{tmp}/nope.toml", "ledger", "C001"], "not found", 1, None),
    (
        "config-syntax",
        ["--config", "{tmp}/broken.toml", "ledger", "C001"],
        "syntax: Expected ']'",
        1,
        None,
    ),
    ("bad-date", ["ledger", "C001", "--as-of", "2010-13-01"], "is not a date", 2, None),
    ("bad-mode", ["pay", "3", "--mode", "bogus"], "Invalid value for '--mode'", 2, None),
    ("bad-amount", ["sale", "C001", "--article", "LICENCE", "--amount", "x"], "amount", 2, None),
    (
        "output-without-format",
        ["report", "journal", "--output", "{tmp}/x.csv"],
        "--output needs --format",
        2,
        None,
    ),
    (
        "unexpected-error",
        ["ledger", "C001"],
        "error: unexpected RuntimeError: nobody expected this; the details are in",
        1,
        "broken",
    ),
]


@pytest.fixture
def club(tmp_path, database_url):
    """Articles, customers, C001 subscribed and its July instalment collected."""
    config = write_config(tmp_path, database_url)
    for args in (
        ["init"],
        ["articles", "import", FIXTURES / "articles.csv"],
        ["customers", "import", FIXTURES / "customers.csv", "--as-of", "2010-07-01"],
        ["subscribe", "C001", "--article", "SUB_MONTH", "--start", "2010-07-05", "--months", "3",
         "--as-of", "2010-07-01"],
        ["collect", "--as-of", "2010-07-01"],
    ):  # fmt: skip
        result = CliRunner().invoke(cli, ["--config", str(config), *map(str, args)])
        assert result.exit_code == 0, (args, result.stderr)
    (tmp_path / "truncated.xml").write_text(TRUNCATED)
    (tmp_path / "bad-iban.csv").write_text(BAD_IBAN_ROW)
    (tmp_path / "broken.toml").write_text("[bank\n")
    return config


@pytest.mark.parametrize(
    ("args", "says", "status", "setup"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_mistake_is_one_sentence_and_changes_nothing(
    club, tmp_path, database_url, snapshot, monkeypatch, args, says, status, setup
):
    if setup == "broken":
        monkeypatch.setattr("sepa_batch.services.ledger_view.ledger_document", _broken)
    elif setup is not None:
        setup(club)
    before = snapshot(tmp_path, database_url)
    words = [str(arg).replace("{tmp}", str(tmp_path)) for arg in args]
    if words[0] != "--config":
        words = ["--config", str(club), *words]
    result = CliRunner().invoke(cli, words)
    assert result.exit_code == status, (result.stdout, result.stderr, result.exception)
    assert says in result.stderr, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    if status == 1:  # one sentence; an import lists each bad row below it, indented
        first, *rows = result.stderr.strip().splitlines()
        assert first.startswith(("refused: ", "error: ")), result.stderr
        assert all(row.startswith("  ") for row in rows), result.stderr
    assert "pa55word" not in result.stdout + result.stderr
    before.assert_unchanged()
