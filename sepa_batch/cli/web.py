"""The back office in a browser: ``serve``, and its users: ``users add|list|disable|token``."""

from __future__ import annotations

from datetime import datetime

import click
from rich.table import Table

from sepa_batch.cli.context import (
    DATE,
    App,
    json_option,
    pass_app,
    print_json,
    refuses,
    stdout,
    story_console,
)
from sepa_batch.services import users as user_service


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--as-of", "as_of", type=DATE, default=None, help="Pin today to DATE (a banner says so)."
)
@pass_app
@refuses
def serve(app: App, host: str, port: int, as_of) -> None:
    """Start the web back office on the configured database.

    \b
    Example:
      sepa-batch users add alice --role backoffice
      sepa-batch serve --port 8000
    """
    import uvicorn  # the web stack is loaded only by this command

    from sepa_batch.web.app import create_app

    app.config.folders.create()
    database = app.new_database()  # like init and scheduler start: a new release migrates
    try:
        database.migrate()
    finally:
        database.dispose()
    app.prepare()
    stdout.print(f"back office on http://{host}:{port}/  (Ctrl-C to stop)")
    uvicorn.run(create_app(app.config, app.db, as_of=as_of), host=host, port=port)


@click.group()
def users() -> None:
    """Users of the back office and API tokens of the door system.

    \b
    Example:
      sepa-batch users add claire --role backoffice
      sepa-batch users token door
    """


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(user_service.ROLES), required=True)
@click.option("--code", default=None, help="The user's code (asked for when not given).")
@click.option("--language", type=click.Choice(user_service.LANGUAGES), default=None)
@json_option
@pass_app
@refuses
def users_add(app: App, name: str, role: str, code, language, as_json: bool) -> None:
    """Add a user; the code is stored as a salted scrypt hash, never in clear.

    \b
    Example:
      sepa-batch users add alice --role backoffice
      sepa-batch users add door --role door && sepa-batch users token door
    """
    if code is None and role != "door":
        code = click.prompt("Code", hide_input=True, confirmation_prompt=True)
    app.db.migrate()
    user = user_service.add_user(app.db, name, role, code, datetime.now(), language=language)
    if as_json:
        print_json(user.document())
    else:
        stdout.print(f"user {user.name} added ({user.role})")


@users.command("list")
@json_option
@pass_app
@refuses
def users_list(app: App, as_json: bool) -> None:
    """List the users.

    \b
    Example:
      sepa-batch users list --json
    """
    rows = [user.document() for user in user_service.list_users(app.db)]
    if as_json:
        print_json({"users": rows})
        return
    table = Table()
    for column in ("name", "role", "language", "active"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["name"], row["role"], row["language"] or "-", str(row["active"]))
    stdout.print(table)


@users.command("disable")
@click.argument("name")
@pass_app
@refuses
def users_disable(app: App, name: str) -> None:
    """Disable a user (and revoke their API tokens).

    \b
    Example:
      sepa-batch users disable alice
    """
    user_service.disable_user(app.db, name, datetime.now())
    stdout.print(f"user {name} disabled")


@users.command("token")
@click.argument("name")
@pass_app
@refuses
def users_token(app: App, name: str) -> None:
    """Print a new bearer token for a door user (shown once, stored hashed).

    \b
    Example:
      sepa-batch users token door
    """
    click.echo(user_service.new_token(app.db, name, datetime.now()))


def demo_back_office(folder, months: int) -> None:
    """The end of ``demo``: a back-office user with a fresh code, and how to start ``serve``."""
    from sepa_batch import config as config_module
    from sepa_batch.db.session import Database
    from sepa_batch.demo.founding import last_day, write_config

    config_path = folder / "config" / "sepa_batch.toml"
    config = config_module.load(config_path if config_path.exists() else write_config(folder))
    db = Database(config.database_url)
    try:
        code = user_service.new_code()
        user_service.add_user(db, "admin", "admin", code, datetime.now(), by="demo")
    finally:
        db.dispose()
    console = story_console()  # the demo's own words, with markup
    console.rule("[bold]The back office")
    console.print(
        f"sepa-batch --config {config_path} serve --as-of {last_day(months).isoformat()}\n"
        f"then open http://127.0.0.1:8000/ and log in as [bold]admin[/] with the code "
        f"[bold]{code}[/] (shown once; stored hashed)."
    )
