"""What every command shares: the configuration, the database, "today", and output helpers."""

from __future__ import annotations

import functools
import json
import sys
from datetime import date, datetime

import click
from rich.console import Console

from sepa_batch import clock
from sepa_batch import config as config_module
from sepa_batch.cli.failures import Guarded, masked_url
from sepa_batch.db.session import Database, head_revision_id, known_revisions
from sepa_batch.errors import InvalidInput, NotReady, SepaBatchError
from sepa_batch.files import remove_leftovers
from sepa_batch.money import MAX_AMOUNT_CENTS, parse_amount

# markup is off: every value printed (a name, a code, an end-to-end id) is printed as it is,
# never read as rich markup; styles are given as ``Text`` objects
stdout = Console(highlight=False, markup=False)
stderr = Console(stderr=True, highlight=False, markup=False)


def _unwrapped(console: Console) -> Console:
    if not console.is_terminal:
        # files and pipes get whole lines and whole tables, never cut at 80 columns
        console.width = 200
        console.soft_wrap = True
    return console


for _console in (stdout, stderr):
    _unwrapped(_console)


def story_console() -> Console:
    """A console that reads rich markup, for the demo's own texts (no user data in them)."""
    return _unwrapped(Console(highlight=False))


class App:
    """Loaded lazily, so ``--help`` works without a configuration or a database."""

    def __init__(self, config_path: str | None, debug: bool = False):
        self.config_path = config_path
        self.debug = debug
        self._config = None
        self._db = None
        self._creditor = True

    @property
    def config(self) -> config_module.Config:
        if self._config is None:
            self._config = config_module.load(self.config_path, creditor=self._creditor)
        return self._config

    def without_creditor(self) -> App:
        """For a command that never uses the creditor (``ledger``): the configuration is loaded
        without its ``[creditor]`` section, whose identifiers would import schwifty."""
        if self._config is None:
            self._creditor = False
        return self

    @property
    def db(self) -> Database:
        """The database, once it is known to be initialised and up to date (nothing created)."""
        if self._db is None:
            database = self.new_database()
            try:
                stored = database.stored_revision()
            except BaseException:
                database.dispose()
                raise
            head = head_revision_id()
            if stored != head:
                database.dispose()
                raise NotReady(_not_ready(database.url, stored, head))
            self._db = database
        return self._db

    def new_database(self) -> Database:
        """The database whatever its state (``init`` creates or migrates it)."""
        return Database(self.config.database_url)

    def prepare(self) -> None:
        """Before a job writes files: the database is ready, the folders exist (owner only), and
        what a crash left behind (spool rows, temporary notices and exports) is removed."""
        _ = self.db
        self.config.folders.create()
        remove_leftovers(self.config.folders)


def _not_ready(url: str, stored: str | None, head: str) -> str:
    shown = masked_url(url)
    if stored is None:
        return f"no database here ({shown}): run `sepa-batch init`"
    known, _ = known_revisions()
    if stored in known:
        return (
            f"the database {shown} is at migration {stored}, this version needs {head}: "
            "run `sepa-batch init` to upgrade it"
        )
    return (
        f"the database {shown} is at migration {stored}, which this version does not know "
        "(was it made by a newer sepa-batch?)"
    )


pass_app = click.make_pass_decorator(App)


def club_zone() -> str:
    """The club's time zone, from the running command's configuration."""
    context = click.get_current_context(silent=True)
    app = context.find_object(App) if context is not None else None
    return app.config.timezone if app is not None else config_module.DEFAULTS["club"]["timezone"]


def today() -> date:
    """The club's date (its time zone, not the host's): read here, at the edge, and passed
    into the services as ``--as-of`` would be."""
    return clock.run_clock(club_zone(), None)[0]


def run_clock(as_of: date | None) -> tuple[date, datetime]:
    """(today, now) of this run: the club's, or fixed by ``--as-of`` (creation times too)."""
    return clock.run_clock(club_zone(), as_of)


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
            return parse_amount(
                value,
                record="option",
                field=f"--{param.name.replace('_', '-')}" if param else "amount",
                maximum=MAX_AMOUNT_CENTS,
            )
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
    """Mark a command whose refusals (``SepaBatchError``) end in one sentence and exit 1.

    The work is done once, by the top-level group (``failures.Guarded``), which turns every
    exception into a sentence; this decorator only keeps the same behaviour for a command
    invoked on its own."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except SepaBatchError as exc:
            ctx = click.get_current_context(silent=True)
            if ctx is not None and isinstance(ctx.find_root().command, Guarded):
                raise
            from sepa_batch.cli.failures import report

            sys.exit(report(exc))

    return wrapper
