"""What every command shares: the configuration, the database, "today", and output helpers."""

from __future__ import annotations

import functools
import json
import sys
from datetime import date, datetime

import click
from rich.console import Console
from rich.markup import escape

from sepa_batch import clock
from sepa_batch import config as config_module
from sepa_batch.db.session import Database
from sepa_batch.errors import InvalidInput, SepaBatchError
from sepa_batch.money import parse_amount

stdout = Console(highlight=False)
if not stdout.is_terminal:
    stdout.width = 200  # files and pipes get whole tables, not 80 columns
stderr = Console(stderr=True, highlight=False)


class App:
    """Loaded lazily, so ``--help`` works without a configuration or a database."""

    def __init__(self, config_path: str | None):
        self.config_path = config_path
        self._config = None
        self._db = None

    @property
    def config(self) -> config_module.Config:
        if self._config is None:
            self._config = config_module.load(self.config_path)
        return self._config

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database(self.config.database_url)
        return self._db


pass_app = click.make_pass_decorator(App)


def _zone() -> str:
    """The club's time zone, from the running command's configuration."""
    context = click.get_current_context(silent=True)
    app = context.find_object(App) if context is not None else None
    return app.config.timezone if app is not None else config_module.DEFAULTS["club"]["timezone"]


def today() -> date:
    """The club's date (its time zone, not the host's): read here, at the edge, and passed
    into the services as ``--as-of`` would be."""
    return clock.run_clock(_zone(), None)[0]


def run_clock(as_of: date | None) -> tuple[date, datetime]:
    """(today, now) of this run: the club's, or fixed by ``--as-of`` (creation times too)."""
    return clock.run_clock(_zone(), as_of)


class DateType(click.ParamType):
    name = "DATE"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date YYYY-MM-DD", param, ctx)


class AmountType(click.ParamType):
    name = "AMOUNT"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        try:
            return parse_amount(value, record="option", field=param.name if param else "amount")
        except InvalidInput as exc:
            self.fail(exc.reason, param, ctx)


DATE = DateType()
AMOUNT = AmountType()

as_of_option = click.option(
    "--as-of", "as_of", type=DATE, default=None, help="Run as if today were DATE (default: today)."
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")


def print_json(document) -> None:
    click.echo(json.dumps(document, ensure_ascii=False, indent=2))


def refuses(function):
    """Turn the product's errors into a message on stderr and exit status 1."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except SepaBatchError as exc:
            stderr.print(f"[bold red]refused:[/] {escape(str(exc))}")
            sys.exit(1)

    return wrapper
