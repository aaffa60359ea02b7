"""``sepa-batch users add|list|disable|token``, ``serve --help`` and the demo's back-office user."""

from __future__ import annotations

import re
from datetime import datetime

from click.testing import CliRunner
from conftest import Cli, write_config
from sqlalchemy import select

from sepa_batch.cli import cli
from sepa_batch.db.schema import ApiToken, AuditEntry, User
from sepa_batch.db.session import Database
from sepa_batch.services import users as user_service


def make_cli(tmp_path, database_url) -> tuple[Cli, Database]:
    run = Cli(write_config(tmp_path, database_url))
    run("init")
    return run, Database(database_url)


def test_users_add_list_disable(tmp_path, database_url):
    run, db = make_cli(tmp_path, database_url)
    run("users", "add", "alice", "--role", "backoffice", "--code", "alice-code-1")
    run("users", "add", "bob", "--role", "accountant", "--code", "bob-code-12", "--language", "en")
    assert run.json("users", "list") == {
        "users": [
            {"name": "alice", "role": "backoffice", "language": None, "active": True},
            {"name": "bob", "role": "accountant", "language": "en", "active": True},
        ]
    }
    with db.reader() as session:
        stored = session.execute(select(User.code_hash).where(User.name == "alice")).scalar_one()
    assert stored.startswith("scrypt$") and "alice-code-1" not in stored
    now = datetime(2026, 12, 1)
    assert user_service.authenticate(db, "alice", "alice-code-1", "127.0.0.1", now).role == (
        "backoffice"
    )
    run("users", "disable", "alice")
    assert run.json("users", "list")["users"][0]["active"] is False
    try:
        user_service.authenticate(db, "alice", "alice-code-1", "127.0.0.1", now)
        raise AssertionError("a disabled user logged in")
    except PermissionError:
        pass
    with db.reader() as session:
        actions = [e.action for e in session.execute(select(AuditEntry)).scalars()]
    assert actions == ["user.add", "user.add", "user.disable"]
    db.dispose()


def test_users_add_asks_for_the_code(tmp_path, database_url):
    run, db = make_cli(tmp_path, database_url)
    result = CliRunner().invoke(
        cli,
        ["--config", str(run.config_path), "users", "add", "carol", "--role", "admin"],
        input="carol-code-1\ncarol-code-1\n",
    )
    assert result.exit_code == 0, result.output
    assert user_service.authenticate(db, "carol", "carol-code-1", "x", datetime(2026, 12, 1))
    db.dispose()


def test_users_add_refusals(tmp_path, database_url):
    run, db = make_cli(tmp_path, database_url)
    run("users", "add", "alice", "--role", "admin", "--code", "alice-code-1")
    again = run("users", "add", "alice", "--role", "admin", "--code", "other-code-1", expect=1)
    assert "user alice: name: already exists" in again.stderr
    short = run("users", "add", "dave", "--role", "admin", "--code", "short", expect=1)
    assert "user dave: code: at least 8 characters" in short.stderr
    run("users", "add", "erin", "--role", "root", "--code", "erin-code-1", expect=2)
    missing = run("users", "disable", "nobody", expect=1)
    assert "user nobody: not found" in missing.stderr
    assert [u["name"] for u in run.json("users", "list")["users"]] == ["alice"]
    db.dispose()


def test_users_token_for_the_door_only(tmp_path, database_url):
    run, db = make_cli(tmp_path, database_url)
    run("users", "add", "door", "--role", "door")
    run("users", "add", "alice", "--role", "admin", "--code", "alice-code-1")
    token = run("users", "token", "door").stdout.strip()
    assert len(token) >= 40
    assert user_service.user_for_token(db, token).name == "door"
    assert user_service.user_for_token(db, token + "x") is None
    with db.reader() as session:
        assert token not in session.execute(select(ApiToken.token_hash)).scalar_one()
    refused = run("users", "token", "alice", expect=1)
    assert "user alice: role: is admin; tokens are for door" in refused.stderr
    run("users", "disable", "door")
    assert user_service.user_for_token(db, token) is None
    db.dispose()


def test_serve_help_names_its_options(tmp_path):
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--as-of"):
        assert option in result.output


def test_the_demo_ends_with_a_back_office_user_and_the_url(tmp_path):
    folder = tmp_path / "club"
    result = CliRunner().invoke(
        cli, ["demo", "--dir", str(folder), "--members", "3", "--months", "1", "--seed", "5"]
    )
    assert result.exit_code == 0, result.output
    match = re.search(r"log in as admin with the code (\w+)", result.stdout)
    assert match, result.stdout[-2000:]
    assert "serve --as-of 2026-01-31" in result.stdout
    assert "http://127.0.0.1:8000/" in result.stdout
    db = Database(f"sqlite:///{folder / 'var' / 'sepa_batch.db'}")
    user = user_service.authenticate(db, "admin", match.group(1), "x", datetime(2026, 12, 1))
    assert user.role == "admin"
    db.dispose()


def test_serve_migrates_and_runs_the_app_on_the_configured_database(tmp_path, monkeypatch):
    import uvicorn
    from fastapi import FastAPI

    started = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.update(app=app, **kw))
    path = write_config(tmp_path, f"sqlite:///{tmp_path / 'serve.db'}")
    result = CliRunner().invoke(
        cli, ["--config", str(path), "serve", "--port", "8123", "--as-of", "2010-07-21"]
    )
    assert result.exit_code == 0, result.output
    assert isinstance(started["app"], FastAPI)
    assert (started["host"], started["port"]) == ("127.0.0.1", 8123)
    assert "http://127.0.0.1:8123/" in result.stdout
    db = Database(f"sqlite:///{tmp_path / 'serve.db'}")
    assert db.current_revision() == db.head_revision()
    db.dispose()


def test_browser_tests_fail_without_chromium_under_ci(tmp_path, monkeypatch):
    import pytest
    from web.conftest import require_chromium

    missing = tmp_path / "no-chromium"
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but"):
        require_chromium(missing)
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        require_chromium(missing)
