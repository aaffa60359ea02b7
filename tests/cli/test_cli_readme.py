"""The README's "A month at the club, by hand" runs as written, line by line, and its claims
about ``--as-of`` and ``--json`` are true of the commands."""

from __future__ import annotations

import re
import shlex

import click
from click.testing import CliRunner
from support import FIXTURES, ROOT

from sepa_batch.cli import cli

README = ROOT / "README.md"

#: what some lines must print (a fragment of stdout), by the start of the line
EXPECTED = {
    "customers import": "imported 12 customers and 11 mandates",
    "subscribe C001": "instalments [2, 3,",
    "collect": "var/outbox/SB-20100701-000001.xml",
    "bank simulate": "SB-20100701-000001.camt054.xml",
    "settle": "settled 1 line(s), 50.00 EUR",
    "returns import": "SB-20100701-000001.camt054.xml (camt.054.001.02): applied 1",
    "access C001 --as-of 2010-07-13": "BLOCKED (1 overdue instalment(s), 60.00 EUR",
    "dunning run": "1 notice(s)",
    "pay 16": "line 16 paid on 2010-07-20 by CHEQUE",
    "access C001 --as-of 2010-07-20": "allowed",
    "report batches": "SB-20100701-000001;SB-20100701-000001-001;FRST;2010-07-05;1;50.00",
}


def _section(title: str) -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"## {title}")
    return text[start : text.index("\n## ", start + 1)]


def by_hand_lines() -> list[str]:
    block = re.search(r"```sh\n(.*?)```", _section("A month at the club, by hand"), re.S)
    assert block, "the by-hand section has no sh block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_the_by_hand_walk_through_runs_line_by_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "fixtures").symlink_to(FIXTURES)
    lines = by_hand_lines()
    assert len(lines) >= 10
    outputs = {}
    for line in lines:
        words = shlex.split(line, comments=True)
        assert words[0] == "sepa-batch", line
        result = CliRunner().invoke(cli, words[1:])
        assert result.exit_code == 0, (line, result.stdout, result.stderr, result.exception)
        outputs[" ".join(words[1:])] = result.stdout
    for start, fragment in EXPECTED.items():
        [output] = [out for command, out in outputs.items() if command.startswith(start)]
        assert fragment in output, (start, output)
    ledger = next(out for command, out in outputs.items() if command.startswith("ledger"))
    for fragment in ("UNPAID", "AC06", "Frais de rejet", "-50.00", "60.00 │ CHEQUE"):
        assert fragment in ledger
    assert list((tmp_path / "var" / "notices").rglob("*.eml"))
    # personal data everywhere under var/: the owner's only
    for path in (tmp_path / "var").rglob("*"):
        assert path.stat().st_mode & 0o777 == (0o700 if path.is_dir() else 0o600), path
    assert not (tmp_path / "var" / "inbox" / "failed").exists() or not list(
        (tmp_path / "var" / "inbox" / "failed").iterdir()
    )


def _leaves(command, path=()):
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _leaves(sub, (*path, name))
    else:
        yield " ".join(path), {opt for p in command.params for opt in getattr(p, "opts", [])}


def _named(sentence: str) -> set[str]:
    return set(re.findall(r"`([a-z][a-z -]*[a-z])`", sentence))


def test_the_readme_says_exactly_which_commands_take_as_of_and_json():
    text = " ".join(_section("A month at the club, by hand").split())
    without_as_of = _named(text[text.index("the others (") : text.index("do not take it")])
    with_json = _named(text[text.index("`--json` prints") : text.index("take `--format json`")])
    with_format = {"blocked", "report ..."}
    commands = dict(_leaves(cli))
    assert without_as_of == {name for name, opts in commands.items() if "--as-of" not in opts}
    assert with_json - with_format == {name for name, opts in commands.items() if "--json" in opts}
    assert "--format" in commands["blocked"] and "--format" in commands["report batches"]
