"""The ``sepa-batch`` command: a thin shell over the service functions (CLI.md)."""

from __future__ import annotations

import importlib

import click

from sepa_batch import __version__
from sepa_batch.cli.failures import Guarded

#: Every command: its name → "module:attribute". The module is imported only when the command
#: runs or its help is shown, so ``sepa-batch --version`` and a single command load only what
#: they use (no Alembic, lxml, FastAPI, fpdf... unless the command needs them). To add a
#: command: one line here, its module under ``sepa_batch.cli`` (listed in ``--help`` sorted by
#: name, as before).
COMMANDS = {
    "init": "sepa_batch.cli.master_data:init",
    "customers": "sepa_batch.cli.master_data:customers",
    "articles": "sepa_batch.cli.master_data:articles",
    "subscribe": "sepa_batch.cli.master_data:subscribe",
    "sale": "sepa_batch.cli.master_data:sale",
    "instalment": "sepa_batch.cli.master_data:instalment",
    "mandate": "sepa_batch.cli.master_data:mandate",
    "ledger": "sepa_batch.cli.ledger_import:ledger",  # ledger CUSTOMER, and ledger import FILE
    "access": "sepa_batch.cli.ledger:access",
    "blocked": "sepa_batch.cli.ledger:blocked",
    "unpay": "sepa_batch.cli.ledger:unpay",
    "pay": "sepa_batch.cli.ledger:pay",
    "collect": "sepa_batch.cli.collection:collect",
    "settle": "sepa_batch.cli.reports:settle",
    "report": "sepa_batch.cli.reports:report",
    "dunning": "sepa_batch.cli.dunning:dunning",
    "returns": "sepa_batch.cli.returns:returns",
    "bank": "sepa_batch.cli.returns:bank",
    "scheduler": "sepa_batch.cli.operations:scheduler",
    "demo": "sepa_batch.cli.operations:demo",
    "notices": "sepa_batch.cli.notices:notices",
    "serve": "sepa_batch.cli.web:serve",
    "users": "sepa_batch.cli.web:users",
    "cancel": "sepa_batch.cli.cancel:cancel",
}

#: Subcommands defined in another module than their group: group name → "module:attribute"s,
#: added to the group when it is first loaded.
SUBCOMMANDS = {
    "mandate": (
        "sepa_batch.cli.mandates:mandate_add",
        "sepa_batch.cli.mandates:mandate_revoke",
        "sepa_batch.cli.mandates:mandate_show",
        "sepa_batch.cli.mandates:mandate_form",
    ),
    "report": ("sepa_batch.cli.mandates:report_mandates",),
}


def _load(target: str) -> click.Command:
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


def _load_command(name: str) -> click.Command:
    command = _load(COMMANDS[name])
    if isinstance(command, click.Group):
        for target in SUBCOMMANDS.get(name, ()):
            command.add_command(_load(target))
    return command


class _Commands(dict):
    """``cli.commands`` as click and the tests know it, filled from ``COMMANDS`` when looked
    at: one command by name, every command when iterated; ``in`` imports nothing."""

    def _fill(self, name) -> None:
        if not dict.__contains__(self, name) and name in COMMANDS:
            dict.__setitem__(self, name, _load_command(name))

    def _fill_all(self) -> None:
        for name in COMMANDS:
            self._fill(name)

    def __getitem__(self, name):
        self._fill(name)
        return dict.__getitem__(self, name)

    def get(self, name, default=None):
        self._fill(name)
        return dict.get(self, name, default)

    def __contains__(self, name) -> bool:
        return name in COMMANDS or dict.__contains__(self, name)

    def __iter__(self):
        self._fill_all()
        return dict.__iter__(self)

    def __len__(self) -> int:
        return len({*COMMANDS, *dict.keys(self)})

    def keys(self):
        self._fill_all()
        return dict.keys(self)

    def values(self):
        self._fill_all()
        return dict.values(self)

    def items(self):
        self._fill_all()
        return dict.items(self)


class LazyGroup(Guarded):
    """The top-level group: commands are imported from ``COMMANDS`` when first asked for."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.commands = _Commands(self.commands)

    def list_commands(self, ctx: click.Context | None) -> list[str]:
        return sorted({*COMMANDS, *dict.keys(self.commands)})

    def get_command(self, ctx: click.Context | None, cmd_name: str) -> click.Command | None:
        return self.commands.get(cmd_name)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    default=None,
    envvar="SEPA_BATCH_CONFIG",
    help="Configuration file (TOML).",
)
@click.option(
    "--debug",
    is_flag=True,
    envvar="SEPA_BATCH_DEBUG",
    help="On failure, print the full traceback too (it is always in <data>/logs/sepa-batch.log).",
)
@click.version_option(version=__version__, package_name="sepa-batch")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, debug: bool = False) -> None:
    """SEPA direct-debit batches for clubs that bill their members every month.

    \b
    Example:
      sepa-batch init
      sepa-batch customers import fixtures/customers.csv
      sepa-batch ledger C001 --as-of 2010-07-20
    """
    from sepa_batch.cli.context import App
    from sepa_batch.files import private_files

    private_files()  # every file written holds personal data: owner only
    ctx.obj = App(config_path, debug=debug)


def main() -> None:
    cli(prog_name="sepa-batch")
