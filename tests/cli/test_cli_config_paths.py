"""Paths in a config file are relative to the config file, not to where the command runs."""

from __future__ import annotations

from click.testing import CliRunner

from sepa_batch import config as config_module
from sepa_batch.cli import cli


def test_a_relative_sqlite_path_is_taken_from_the_config_files_folder(tmp_path, monkeypatch):
    club = tmp_path / "club"
    (club / "config").mkdir(parents=True)
    config = club / "config" / "sepa_batch.toml"
    config.write_text('[database]\nurl = "sqlite:///var/club.db"\n', encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    loaded = config_module.load(config)
    assert loaded.database_url == f"sqlite:///{(club / 'var' / 'club.db').as_posix()}"
    assert loaded.folders.outbox == club / "var" / "outbox"
    result = CliRunner().invoke(cli, ["--config", str(config), "init"])
    assert result.exit_code == 0, result.stderr
    assert (club / "var" / "club.db").is_file()
    assert list(elsewhere.iterdir()) == []


def test_a_config_outside_a_config_folder_is_its_own_base(tmp_path, monkeypatch):
    (tmp_path / "club.toml").write_text('[database]\nurl = "sqlite:///data/x.db"\n')
    monkeypatch.chdir("/")
    loaded = config_module.load(tmp_path / "club.toml")
    assert loaded.database_url == f"sqlite:///{tmp_path.as_posix()}/data/x.db"


def test_absolute_memory_and_server_urls_are_kept(tmp_path):
    for url in ("sqlite:////srv/club.db", "sqlite://", "postgresql+psycopg://u@h/db"):
        (tmp_path / "c.toml").write_text(f'[database]\nurl = "{url}"\n')
        assert config_module.load(tmp_path / "c.toml").database_url == url


def test_the_demo_folder_works_from_inside_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli, ["demo", "--dir", "demo-club", "--members", "3", "--months", "1", "--seed", "5"]
    )
    assert result.exit_code == 0, result.output
    text = (tmp_path / "demo-club" / "config" / "sepa_batch.toml").read_text()
    assert "demo-club" not in text
    monkeypatch.chdir(tmp_path / "demo-club")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.db"))
    result = CliRunner().invoke(cli, ["report", "batches", "--format", "csv"])
    assert result.exit_code == 0, result.stderr
    assert "SB-20260101-000001" in result.stdout
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.db")) == before
