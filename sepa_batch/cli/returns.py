"""``returns inspect|import|review|resolve`` and the simulated bank (``bank simulate``)."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from sepa_batch.cli.context import (
    App,
    as_of_option,
    json_option,
    pass_app,
    print_json,
    refuses,
    run_clock,
    stderr,
    stdout,
    today,
)
from sepa_batch.matching import review as review_service
from sepa_batch.returns import inspect_document, parse_file
from sepa_batch.services import inbox as inbox_service


@click.group()
def returns() -> None:
    """Bank return files: pain.002 rejects, camt.054 / camt.053 / camt.052 returns.

    \b
    Example:
      sepa-batch returns inspect var/inbox/SB-20100701-000001.camt054.xml
      sepa-batch returns import --inbox --as-of 2010-07-20
    """


@returns.command("inspect")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@json_option
@pass_app
@refuses
def returns_inspect(app: App, file: Path, as_json: bool) -> None:
    """Parse a return file and show its items; changes nothing.

    \b
    Example:
      sepa-batch returns inspect fixtures/returns/camt054_001_02_batched_returns.xml --json
    """
    parsed = parse_file(file, max_bytes=app.config.max_return_file_bytes)
    document = inspect_document(parsed)
    if as_json:
        print_json(document)
        return
    table = Table(title=f"{file.name}: {document['format']} {document['message_id'] or ''}")
    columns = (
        "kind",
        "level",
        "end_to_end_id",
        "mandate_id",
        "amount",
        "reason_code",
        "booking_date",
        "charges",
    )
    for column in columns:
        table.add_column(column)
    for item in document["items"]:
        table.add_row(*(str(item[key]) if item[key] is not None else "" for key in columns))
    stdout.print(table)
    if parsed.ignored:
        stdout.print(_entries_sentence(parsed))


def _entries_sentence(parsed) -> str:
    """How many entries a camt file holds, and why those that gave no item gave none."""
    entries = f"{parsed.entries} entr{'y' if parsed.entries == 1 else 'ies'} read"
    why = "; ".join(f"{count} × {reason}" for reason, count in parsed.ignored)
    if not parsed.items:
        return f"{entries}, none is a direct-debit item: {why}"
    return f"{entries}, {sum(c for _, c in parsed.ignored)} without a direct-debit item: {why}"


def _unmatched_text(item: dict) -> str:
    """An unmatched item in words (never a Python dict)."""
    kind = item.get("kind") or "item"
    if "end_to_end_id" in item:
        parts = [f"{kind} end-to-end id {item.get('end_to_end_id') or '(none)'}"]
        if item.get("mandate_id"):
            parts.append(f"mandate {item['mandate_id']}")
        return ", ".join(parts) + ": no collected line matches it"
    return f"{kind} of {item.get('level')} {item.get('id') or '(no id)'}: no collection matches it"


@returns.command("import")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--inbox", is_flag=True, help="Import every file in the configured inbox.")
@as_of_option
@json_option
@pass_app
@refuses
def returns_import(app: App, files: tuple[Path, ...], inbox: bool, as_of, as_json) -> None:
    """Import return files: match each item, run the unpaid workflow, never twice.

    \b
    With --inbox, applied files move to the archive and refused ones to failed/
    with a .error.txt saying why.

    \b
    Example:
      sepa-batch returns import bank/camt054.xml --as-of 2010-07-20
      sepa-batch returns import --inbox --json
    """
    if inbox == bool(files):
        raise click.UsageError("give FILE... or --inbox (one of them)")
    app.prepare()
    paths = inbox_service.inbox_files(app.config) if inbox else list(files)
    outcomes = inbox_service.import_returns(app.db, app.config, paths, as_of or today(), move=inbox)
    refused = [outcome for outcome in outcomes if outcome.error]
    if as_json:
        print_json({"files": [outcome.document() for outcome in outcomes]})
        if refused:  # the others were applied; the exit status says not all were
            sys.exit(1)
        return
    for outcome in outcomes:
        name = Path(outcome.path).name
        if outcome.error:
            stdout.print(Text.assemble(("refused", "red"), f" {name}: {outcome.error}"))
        else:
            stdout.print(
                f"{name} ({outcome.format}): applied {outcome.applied}, unmatched "
                f"{outcome.unmatched}, review {outcome.review}, duplicates "
                f"{outcome.duplicates}, recorded {outcome.recorded}"
            )
        for item in outcome.unmatched_items:
            stdout.print(f"  unmatched: {_unmatched_text(item)}")
        for item in outcome.review_items:
            stdout.print(
                f"  held for review: line {item['line']}, end-to-end id "
                f"{item['end_to_end_id'] or '(none)'}: {item['reason']}"
            )
    if not outcomes:
        stdout.print("nothing to import")
    if refused:
        # the other files were applied and reported above; the exit status says not all were
        names = ", ".join(Path(outcome.path).name for outcome in refused)
        stderr.print(
            f"refused: {len(refused)} of {len(outcomes)} file(s): {names} (the reasons are "
            "above; the other files were applied)"
        )
        sys.exit(1)


def _review_list(app: App, as_json: bool) -> None:
    items = review_service.review_items(app.db)
    if as_json:
        print_json({"items": items})
        return
    table = Table(title="Return items to review")
    columns = (
        "id",
        "file",
        "kind",
        "end_to_end_id",
        "mandate_id",
        "amount",
        "currency",
        "reason_code",
        "line",
        "expected_amount",
        "review_reason",
    )
    for column in columns:
        table.add_column(column)
    for item in items:
        table.add_row(*(str(item[key]) if item[key] is not None else "" for key in columns))
    stdout.print(table)
    if items:
        stdout.print(
            "decide with: sepa-batch returns resolve ITEM --apply LINE --note TEXT "
            "| --dismiss --note TEXT"
        )


@returns.command("review")
@json_option
@pass_app
@refuses
def returns_review(app: App, as_json: bool) -> None:
    """List the return items waiting for a person: matched nothing, or hold their line.

    \b
    A held line is neither settled nor collected until its item is resolved:
    a reason code the policy sends to review (AM05, DUPL, FOCR), a creditor
    reversal, or an amount or currency other than what was collected.

    \b
    Example:
      sepa-batch returns review --json
    """
    _review_list(app, as_json)


@returns.command("unmatched")
@json_option
@pass_app
@refuses
def returns_unmatched(app: App, as_json: bool) -> None:
    """The review queue, as ``returns review`` (its former name).

    \b
    Example:
      sepa-batch returns unmatched --json
    """
    _review_list(app, as_json)


@returns.command("resolve")
@click.argument("item", type=int)
@click.option(
    "--apply", "apply_to", type=int, metavar="LINE", help="Run the unpaid workflow on LINE."
)
@click.option("--dismiss", is_flag=True, help="Nothing was unpaid: release the line.")
@click.option("--note", required=True, help="Why: kept with the decision.")
@click.option("--by", "by", help="Who decides (default: the OS user).")
@as_of_option
@json_option
@pass_app
@refuses
def returns_resolve(
    app: App, item: int, apply_to: int | None, dismiss: bool, note: str, by, as_of, as_json
) -> None:
    """Decide on a return item of the review queue, audited (who, when, note).

    \b
    --apply LINE: the item was an unpaid of LINE; the unpaid workflow runs
    (as the policy says, or as `unpay LINE` for AM05 / DUPL / FOCR).
    --dismiss: nothing to do; the held line settles normally.

    \b
    Example:
      sepa-batch returns resolve 12 --dismiss --note "bank error, debit confirmed"
      sepa-batch returns resolve 12 --apply 345 --note "member cancelled"
    """
    if (apply_to is None) == (not dismiss):
        raise click.UsageError("give --apply LINE or --dismiss (one of them)")
    day, at = run_clock(as_of)
    document = review_service.resolve(
        app.db,
        app.config,
        item,
        apply_to=apply_to,
        note=note,
        by=by or getpass.getuser(),
        at=at,
        today=day,
    )
    if as_json:
        print_json(document)
        return
    target = f" to line {document['applied_line']}" if document["applied_line"] else ""
    stdout.print(f"return item {item}: {document['status']}{target} by {document['resolved_by']}")


@click.group()
def bank() -> None:
    """A simulated bank, for tests and demonstrations.

    \b
    Example:
      sepa-batch bank simulate var/outbox/SB-20100701-000001.xml --out var/inbox
    """


@bank.command("simulate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Where to write the bank's answer.",
)
@click.option("--reject-rate", type=click.FloatRange(0, 1), default=0.03, show_default=True)
@click.option("--return-rate", type=click.FloatRange(0, 1), default=0.02, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@refuses
def bank_simulate(
    file: Path, out_dir: Path, reject_rate: float, return_rate: float, seed: int
) -> None:
    """Read a pain.008 and write the pain.002 / camt.054 / camt.053 a bank would send back.

    \b
    Example:
      sepa-batch bank simulate var/outbox/SB-20100701-000001.xml --out var/inbox --seed 7
    """
    from sepa_batch.bank.simulator import write_answer  # a test tool: loaded only here

    for path in write_answer(
        file, out_dir, reject_rate=reject_rate, return_rate=return_rate, seed=seed
    ):
        stdout.print(str(path))
