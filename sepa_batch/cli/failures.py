"""The one place where a failed command becomes a sentence on stderr and an exit status.

Expected failures (bad input, a rule, a database that cannot be reached or is locked, a folder
that cannot be written) print one sentence and exit 1; usage errors stay click's (exit 2).
Anything else is a bug: one sentence says where the full traceback was written. ``--debug``
prints the traceback on stderr as well. Tracebacks never reach the terminal otherwise.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import sys
from pathlib import Path

import click

from sepa_batch.errors import NotReady, SepaBatchError

LOG_NAME = "sepa-batch.log"

_IBAN = re.compile(r"\b([A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30})\b")


def mask_ibans(text: str) -> str:
    """Logs show only the last four characters of anything that looks like an IBAN."""

    def hide(match: re.Match) -> str:
        compact = match.group(1).replace(" ", "")
        return "*" * (len(compact) - 4) + compact[-4:]

    return _IBAN.sub(hide, text)


def masked_url(url: str) -> str:
    """A database URL with its password replaced by ``***``."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can parse: hide anything between : and @
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def _database_url(app) -> str | None:
    try:
        return app.config.database_url if app is not None else None
    except Exception:
        return None


def _first_line(text: str) -> str:
    for line in str(text).strip().splitlines():
        if line.strip():
            return line.strip().rstrip(".")
    return ""


def explain(exc: BaseException, app=None) -> str | None:
    """The sentence for an expected failure, or None for a bug."""
    if isinstance(exc, NotReady):
        return f"error: {exc}"
    if isinstance(exc, SepaBatchError):
        return f"refused: {exc}"
    try:
        from sqlalchemy import exc as sa
    except ImportError:  # pragma: no cover - SQLAlchemy is a dependency
        sa = None
    if sa is not None and isinstance(exc, sa.DBAPIError):
        url = _database_url(app) or "the database"
        shown = masked_url(url)
        reason = _first_line(getattr(exc, "orig", exc) or exc)
        password = None
        try:
            from sqlalchemy.engine import make_url

            password = make_url(url).password
        except Exception:
            pass
        if password:
            reason = reason.replace(str(password), "***")
        if "database is locked" in reason.lower():
            return (
                f"error: the database {shown} is locked by another process (a job still running?): "
                "try again when it has finished"
            )
        if (
            isinstance(exc, (sa.OperationalError, sa.InterfaceError))
            or type(exc) is sa.DatabaseError
        ):
            return f"error: cannot use the database {shown}: {reason}"
        return None
    if sa is not None and isinstance(exc, (sa.ArgumentError, sa.NoSuchModuleError)):
        url = _database_url(app) or ""
        return f"error: the database URL {masked_url(url)!s} is not usable: {_first_line(exc)}"
    if isinstance(exc, OSError) and getattr(exc, "filename", None):
        what = exc.strerror or _first_line(exc)
        return f"error: cannot create or write {exc.filename}: {what} (check the config's folders)"
    if isinstance(exc, UnicodeDecodeError):
        return (
            f"error: a file is not UTF-8 text ({_first_line(exc)}): save it as UTF-8 "
            "(in a spreadsheet: CSV UTF-8) and try again"
        )
    return None


def _data_folder(app) -> Path | None:
    try:
        data = app.config.folders.data if app is not None else None
    except Exception:
        return None
    return data if data is not None and data.is_dir() else None


def log_file(app) -> Path:
    """``<data>/logs/sepa-batch.log`` once the data folder exists (never created here), else a
    file of this user's in the temporary folder."""
    data = _data_folder(app)
    if data is not None:
        logs = data / "logs"
        try:
            logs.mkdir(mode=0o700, exist_ok=True)
            return logs / LOG_NAME
        except OSError:
            pass
    import tempfile  # like ``traceback`` below: only when a command fails (start-up, issue 17)

    return Path(tempfile.gettempdir()) / f"sepa-batch-{os.getuid()}.log"


def _traceback(exc: BaseException) -> str:
    import traceback

    return "".join(traceback.format_exception(exc))


def write_log(path: Path, exc: BaseException) -> bool:
    text = _traceback(exc)
    stamp = _dt.datetime.now().isoformat(timespec="seconds")
    command = " ".join(sys.argv[1:])
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            handle.write(f"--- {stamp} sepa-batch {mask_ibans(command)}\n{mask_ibans(text)}\n")
        return True
    except OSError:
        return False


def report(exc: BaseException, app=None, *, debug: bool = False) -> int:
    """Print the failure on stderr, log it, and return the exit status (always 1)."""
    from sepa_batch.cli.context import stderr

    sentence = explain(exc, app)
    if sentence is None:
        path = log_file(app)
    else:  # expected: logged only where a data folder already exists (nothing is created)
        path = log_file(app)
        if path.parent.parent != _data_folder(app):
            path = None
    logged = write_log(path, exc) if path is not None else False
    if debug:
        stderr.print(mask_ibans(_traceback(exc)), soft_wrap=True)
    if sentence is None:
        where = f"the details are in {path}" if logged else "no log could be written"
        sentence = (
            f"error: unexpected {type(exc).__name__}: {_first_line(exc) or 'no message'}; "
            f"{where} (run again with --debug to see them here)"
        )
    stderr.print(mask_ibans(sentence), soft_wrap=True)
    return 1


class Guarded(click.Group):
    """The top-level group: every exception a command lets out goes through ``report``."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            app = ctx.obj
            status = report(exc, app, debug=bool(getattr(app, "debug", False)))
            ctx.exit(status)
