"""Start-up: a command imports what it needs when it runs (issue 17). ``--version`` loads no
database, XML, web or migration library; every command is still listed and loadable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from sepa_batch import __version__
from sepa_batch.cli import COMMANDS, SUBCOMMANDS, cli
from sepa_batch.db.schema import Customer
from sepa_batch.db.session import Database

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("alembic", "sqlalchemy", "lxml", "sepaxml", "schwifty", "stdnum", "apscheduler",
         "fastapi", "uvicorn", "fpdf", "holidays", "rich", "importlib.metadata",
         "sepa_batch.db.schema", "sepa_batch.identifiers")  # fmt: skip


def _loaded_after(args: list[str]) -> tuple[str, list[str]]:
    code = (
        "import sys\n"
        "from sepa_batch.cli import main\n"
        f"sys.argv = ['sepa-batch', *{args!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"heavy = {HEAVY!r}\n"
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))\n"
    )
    process = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert process.returncode == 0, process.stderr
    output, _, loaded = process.stdout.rstrip("\n").rpartition("\n")
    return output, eval(loaded)  # a list of module names printed by the child


def test_version_imports_no_heavy_library():
    output, loaded = _loaded_after(["--version"])
    assert output == f"sepa-batch, version {__version__}"
    assert loaded == []


def test_help_lists_every_command_without_loading_them_all():
    output, loaded = _loaded_after(["--help"])
    rows = output.split("Commands:")[1].splitlines()
    listed = [row.split()[0] for row in rows if row.startswith("  ") and row[2] != " "]
    assert listed == sorted(COMMANDS)
    # the one-line summaries need the command objects, but not Alembic, the web or PDF stack
    assert not [m for m in loaded if m.startswith(("alembic", "fastapi", "uvicorn", "fpdf"))]


def test_the_version_is_the_installed_distributions():
    from importlib.metadata import version

    assert __version__ == version("sepa-batch")


def test_every_command_in_the_table_loads_with_its_subcommands():
    ctx = click.Context(cli)
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        assert isinstance(command, click.Command), name
        assert command.name == name
    for group, targets in SUBCOMMANDS.items():
        loaded = cli.get_command(ctx, group)
        for target in targets:
            attribute = target.rpartition(":")[2]
            assert any(c.callback.__name__ == attribute for c in loaded.commands.values()), target
    assert cli.get_command(ctx, "no-such-command") is None


def test_the_commands_mapping_loads_on_demand_as_click_knows_it():
    """``cli.commands``: ``in`` answers from the table, iterating gives every command."""
    code = (
        "import sys\nfrom sepa_batch.cli import cli\n"
        "assert 'settle' in cli.commands and 'nope' not in cli.commands\n"
        "print('sepa_batch.cli.reports' in sys.modules)\n"
        "print(sorted(cli.commands) == cli.list_commands(None), len(cli.commands))\n"
    )
    process = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert process.returncode == 0, process.stderr
    assert process.stdout.split() == ["False", "True", str(len(COMMANDS))]


def _club(tmp_path, creditor: str = "") -> Path:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    db = Database(url)
    db.migrate()
    with db.transaction() as session:
        session.add(Customer(code="C1", name="Ana", town="Lyon", country="FR"))
    db.dispose()
    config = tmp_path / "sepa_batch.toml"
    config.write_text(
        f'[database]\nurl = "{url}"\n[folders]\ndata = "{tmp_path / "data"}"\n{creditor}'
    )
    return config


def test_ledger_loads_no_migration_xml_web_pdf_or_scheduler_library(tmp_path):
    """``ledger`` needs the configuration and the database, nothing of the collection, the
    unpaid workflow, Alembic (the schema check reads the migration files' ids), the web; it
    reads through SQLAlchemy Core: no ORM, no declarative schema, and the creditor's
    identifiers (schwifty, python-stdnum) are not checked."""
    args = ["--config", str(_club(tmp_path)), "ledger", "C1", "--as-of", "2026-12-01"]
    output, loaded = _loaded_after(args)
    assert "balance 0.00 EUR" in output
    assert "sqlalchemy" in loaded  # the test sees what is imported
    unwanted = ("alembic", "lxml", "sepaxml", "fastapi", "uvicorn", "fpdf", "holidays",
                "apscheduler", "sqlalchemy.orm", "sepa_batch.db.schema", "schwifty", "stdnum",
                "sepa_batch.identifiers")  # fmt: skip
    assert [m for m in loaded if m.startswith(unwanted)] == []


def test_ledger_does_not_read_the_creditor_other_commands_do(tmp_path):
    """The creditor is read by the commands that use it: a wrong creditor IBAN does not stop
    ``ledger`` (which never uses it), and still stops a command that loads it whole."""
    config = _club(tmp_path, '[creditor]\niban = "FR7630006000011234567890188"\n')
    shown = CliRunner().invoke(cli, ["--config", str(config), "ledger", "C1", "--as-of",
                                     "2026-12-01"])  # fmt: skip
    assert shown.exit_code == 0 and "balance 0.00 EUR" in shown.stdout
    refused = CliRunner().invoke(cli, ["--config", str(config), "access", "C1"])
    assert refused.exit_code == 1
    assert "creditor.iban" in refused.stderr and "invalid IBAN" in refused.stderr
