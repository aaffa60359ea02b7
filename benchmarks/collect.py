"""Benchmark of the monthly collection: N due instalments → pain.008 files, with sepaxml beside it.

    .venv/bin/python benchmarks/collect.py --instalments 100000
    .venv/bin/python benchmarks/collect.py --instalments 1000000 --skip-sepaxml
    .venv/bin/python benchmarks/collect.py --instalments 10000 --realistic --database postgresql

1. builds a fresh SQLite database (in a temporary folder, or ``--dir``) holding N due
   direct-debit instalments on N distinct customers and mandates — ``realistic.py``'s row
   builders and bulk loader, in a child process so that building does not count in the peak
   memory;
2. times the whole ``collect_due`` (select, decide, mark submitted, write, validate against
   the XSD, commit, publish) and reports wall time, peak RSS and transactions per second;
3. for the same payments (the first ``--sepaxml-cap`` of them, 100 000 by default: sepaxml's
   ``validate=True`` runs the pure-Python ``xmlschema`` and takes minutes beyond that), times
   our writer + streaming XSD validation, then sepaxml's build + ``export(validate=False)``
   and build + ``export(validate=True)``.

The data look like a club federation's month: 90 % recurring mandates (RCUR), 10 % new ones
(FRST), 5 % re-presentations due earlier in the month (a second collection date), debtors in
FR, DE, BE, NL, ES, IT and CH (CH debtors carry their address), names with accents, half the
mandates without a BIC. With ``--realistic`` every customer has a year of history instead
(``realistic.py``: paid, unpaid and re-presented instalments, fee sales, amended and revoked
mandates, lines not yet due), and the run checks that exactly the due lines were collected.
``--database postgresql`` builds it in a PostgreSQL schema of its own
(``SEPA_BATCH_TEST_DATABASE_URL``), dropped at the end. The last line printed is one JSON
object with ``wall_s``, ``peak_rss_mb`` and ``database``; the same run reports our whole
collection, our writer alone and with the XSD validation, and sepaxml's build + export without
and with ``validate=True``.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import multiprocessing
import os
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from sepa_batch import config as config_module
from sepa_batch.db.schema import Customer, LedgerLine, Mandate, PaymentBatch
from sepa_batch.db.session import Database
from sepa_batch.sepa import pain008, xsd
from sepa_batch.services import collection

sys.path.insert(0, str(Path(__file__).resolve().parent))
import realistic

TODAY = date(2026, 12, 1)
CREATED_AT = datetime(2026, 12, 1, 6, 0, 0)
CHUNK = 50_000


def _rows(start: int, stop: int) -> tuple[list, list, list]:
    """Customers ``start`` to ``stop - 1`` (``realistic.customer_row``, without e-mail), their
    mandates (10 % new: FRST) and one due instalment each (5 % re-presentations, due earlier:
    a second collection date)."""
    customers, mandates, lines = [], [], []
    for n in range(start, stop):
        fresh = n % 10 == 3
        customers.append(realistic.customer_row(n)._replace(email=None))
        mandates.append(
            realistic.mandate_row(n, date(2026, 11, 2), None)
            if fresh
            else realistic.mandate_row(n, date(2015 + n % 10, 1 + n % 12, 1), date(2026, 11, 5))
        )
        represented = n % 20 == 7
        label = "Re-presentation cotisation 11/2026" if represented else "Cotisation décembre 2026"
        due = "2026-11-20" if represented else "2026-12-05"
        lines.append(realistic.LineRow(n, n, "payment", "2026-11-01", label,
                                       3500 + (n * 37) % 5500, None, "DIRECT_DEBIT", due,
                                       "SCHEDULED"))  # fmt: skip
    return customers, mandates, lines


def build_database(url: str, count: int) -> None:
    """Schema by migration, then N customers, mandates and instalments by bulk loads."""
    db = Database(url)
    db.migrate()
    with realistic.bulk_load(db) as (_, loader):
        for start in range(1, count + 1, CHUNK):
            for rows in _rows(start, min(start + CHUNK, count + 1)):
                loader.load(rows)
    with db.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
    db.dispose()


def build_realistic(url: str, count: int, analyze: bool, queue) -> None:
    """In the child process: the realistic database; what can be collected goes back."""
    built = realistic.build(url, count, analyze=analyze)
    queue.put((len(built.due), len(built.represented_due), built.lines))


def make_config(folder: Path, url: str | None = None) -> config_module.Config:
    """The built-in defaults, with the database and every folder inside ``folder``."""
    url = url or f"sqlite:///{folder / 'bench.db'}"
    lines = [f"[database]\nurl = {json.dumps(url)}\n[folders]"]
    lines += [f'{name} = "{folder / name}"' for name in config_module.DEFAULTS["folders"]]
    path = folder / "sepa_batch.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config_module.load(path)


def run_collect(config, workers: int | None, profile: str | None):
    """The whole collect_due, timed; also when its files started and finished being written."""
    db = Database(config.database_url)
    config.folders.create()
    marks = {}  # when the plan ended (the lines about to be marked), when all files were done
    original_record, original_wait = collection._record_all, collection._Writers.wait

    def record(*args, **kwargs):
        marks["planned"] = time.perf_counter()
        original_record(*args, **kwargs)

    def wait(self, *args, **kwargs):
        original_wait(self, *args, **kwargs)
        marks["written"] = time.perf_counter()

    collection._record_all, collection._Writers.wait = record, wait
    profiler = cProfile.Profile() if profile else None
    try:
        with realistic.PeakRss() as rss:
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            result = collection.collect_due(
                db, config, today=TODAY, created_at=CREATED_AT, workers=workers
            )
            wall = time.perf_counter() - started
    finally:
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
        collection._record_all, collection._Writers.wait = original_record, original_wait
        db.dispose()
    planned = marks.get("planned", started + wall) - started
    writing = marks.get("written", started + wall) - marks.get("planned", started + wall)
    return result, wall, rss.peak_mb, planned, writing


def sample_payments(config, limit: int) -> list[tuple[str, str, pain008.DirectDebit]]:
    """The first ``limit`` collected payments: (sequence type, collection date, debit)."""
    db = Database(config.database_url)
    query = (
        select(PaymentBatch.sequence_type, PaymentBatch.collection_date,
               LedgerLine.end_to_end_id, LedgerLine.amount_cents, LedgerLine.label,
               Mandate.reference, Mandate.signed_on, Mandate.iban, Mandate.bic, Customer.name)
        .join(PaymentBatch, PaymentBatch.id == LedgerLine.batch_id)
        .join(Mandate, Mandate.id == LedgerLine.mandate_id)
        .join(Customer, Customer.id == LedgerLine.customer_id)
        .where(LedgerLine.status == "SUBMITTED")
        .order_by(PaymentBatch.sequence_type, PaymentBatch.collection_date, LedgerLine.id)
        .limit(limit)
    )  # fmt: skip
    with db.reader() as session:
        rows = session.execute(query).all()
    db.dispose()
    return [
        (seq, when, pain008.DirectDebit(e2e, cents, ref, signed, name, iban_, bic, label))
        for seq, when, e2e, cents, label, ref, signed, iban_, bic, name in rows
    ]


def time_ours(config, payments, folder: Path, validate: bool = True) -> float:
    """Our streaming writer (+ streaming XSD validation) of the same payments, in one file and
    one process, as sepaxml does it."""
    groups: dict[tuple, list] = {}
    for seq, when, debit in payments:
        groups.setdefault((seq, when), []).append(debit)
    started = time.perf_counter()
    blocks = [
        (pain008.PaymentBlock(f"BENCH-{n:03d}", seq, when, len(debits),
                              sum(d.amount_cents for d in debits)), debits)
        for n, ((seq, when), debits) in enumerate(sorted(groups.items()), 1)
    ]  # fmt: skip
    header = pain008.MessageHeader(
        "BENCH-1", CREATED_AT, len(payments), sum(d.amount_cents for _, _, d in payments)
    )
    path = folder / "ours.xml"
    with path.open("wb") as out:
        pain008.write_pain008(out, header, collection.creditor_party(config), blocks)
    if validate:
        xsd.validate_file(path, pain008.DEFAULT_VERSION)
    elapsed = time.perf_counter() - started
    path.unlink()
    return elapsed


def time_sepaxml(config, payments, validate: bool) -> float:
    """sepaxml's build (add_payment) and export, from the same payments as dicts."""
    import xmlschema.limits
    from sepaxml import SepaDD

    # xmlschema refuses documents of more than a million elements (25 per transaction)
    xmlschema.limits.MAX_XML_ELEMENTS = max(10**6, 40 * len(payments))
    creditor = config.creditor
    settings = {"name": creditor.name, "IBAN": creditor.iban, "BIC": creditor.bic,
                "batch": True, "creditor_id": creditor.creditor_id, "currency": "EUR",
                "instrument": "CORE"}  # fmt: skip
    dicts = []
    for seq, when, d in payments:
        payment = {"name": d.debtor_name, "IBAN": d.debtor_iban, "amount": d.amount_cents,
                   "type": seq, "collection_date": when, "mandate_id": d.mandate_id,
                   "mandate_date": d.mandate_signed_on, "description": d.remittance,
                   "endtoend_id": d.end_to_end_id}  # fmt: skip
        if d.debtor_bic:
            payment["BIC"] = d.debtor_bic
        dicts.append(payment)
    started = time.perf_counter()
    sepa = SepaDD(settings, schema=pain008.DEFAULT_VERSION, clean=True)
    for payment in dicts:
        sepa.add_payment(payment)
    sepa.export(validate=validate)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instalments", type=int, required=True, help="due instalments (N)")
    parser.add_argument("--dir", type=Path, default=None, help="folder (default: a temp dir)")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="writer processes (default: collect_due's own choice)",
    )
    parser.add_argument(
        "--sepaxml-cap",
        type=int,
        default=100_000,
        help="payments given to sepaxml (and to our writer alone)",
    )
    parser.add_argument("--skip-sepaxml", action="store_true", help="do not run sepaxml")
    parser.add_argument("--profile", default=None, help="write cProfile stats of collect_due")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--realistic", action="store_true", help="customers with a year of history (realistic.py)"
    )
    parser.add_argument("--analyze", action="store_true", help="ANALYZE the realistic database")
    args = parser.parse_args(argv)  # fmt: skip

    print(realistic.machine())
    with tempfile.TemporaryDirectory(prefix="sepa-bench-") as scratch:
        folder = (args.dir or Path(scratch)).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        with realistic.database(args.database, folder) as url:
            figures = run(args, folder, make_config(folder, url))
        sys.stdout.flush()
        print(json.dumps(figures))
        return figures


def run(args, folder: Path, config) -> dict:
    started = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    expected = None
    if args.realistic:
        # N customers; 0.5 % of them revoked their mandate: a few more, so that N can be collected
        customers = args.instalments + args.instalments // 200 + 10
        queue = context.SimpleQueue()
        child = context.Process(
            target=build_realistic, args=(config.database_url, customers, args.analyze, queue)
        )
    else:
        child = context.Process(target=build_database, args=(config.database_url, args.instalments))
    child.start()
    if args.realistic:
        due, represented, lines = queue.get()
        expected = due + represented
    child.join()
    if child.exitcode:
        raise SystemExit(f"building the database failed (exit {child.exitcode})")
    shape = f" among {lines} ledger lines (a year of history)" if args.realistic else ""
    print(f"built {expected or args.instalments} due instalments{shape} "
          f"in {time.perf_counter() - started:.1f} s")  # fmt: skip

    result, wall, rss, planned, writing = run_collect(config, args.workers, args.profile)
    print(f"collect_due: {result.collected} collected, {len(result.skipped)} skipped, "
          f"{len(result.files)} file(s) in {wall:.2f} s — {planned:.2f} s to plan (full "
          f"files being written meanwhile), {writing:.2f} s to mark the lines and finish "
          f"the files; peak RSS {rss:.0f} MB (with the writer processes; this process "
          f"alone {realistic.own_peak_rss_mb():.0f} MB)")  # fmt: skip
    for block in result.blocks[:8]:
        print(f"  {block.pmtinf_id} {block.sequence_type} {block.collection_date} "
              f"{block.transactions} tx {block.control_sum_cents / 100:.2f} EUR")  # fmt: skip
    if expected is not None:
        assert result.collected == expected, (result.collected, expected)
    figures = {"instalments": result.collected, "database": args.database,
               "realistic": args.realistic, "wall_s": round(wall, 2),
               "peak_rss_mb": round(rss, 1),
               "tx_per_s": round(result.collected / wall) if wall else None,
               "ours_writer_s": None, "ours_writer_validate_s": None,
               "sepaxml_export_s": None, "sepaxml_export_validate_s": None,
               "load_average": [round(x, 2) for x in os.getloadavg()]}  # fmt: skip
    if not args.skip_sepaxml:
        payments = sample_payments(config, min(result.collected, args.sepaxml_cap))
        writer = time_ours(config, payments, folder, validate=False)
        ours = time_ours(config, payments, folder)
        plain = time_sepaxml(config, payments, validate=False)
        checked = time_sepaxml(config, payments, validate=True)
        share = len(payments) / result.collected if result.collected else 1
        print(f"same {len(payments)} payments, one file, one process: our writer {writer:.2f} s "
              f"against sepaxml build + export {plain:.2f} s ({plain / writer:.1f}x); our "
              f"writer + XSD validation {ours:.2f} s against sepaxml with validate=True "
              f"{checked:.2f} s ({checked / ours:.1f}x). Our whole collection "
              f"({result.collected}: select, decide, mark, write, validate, commit, publish) "
              f"{wall:.2f} s against sepaxml's build + export of {len(payments)} "
              f"{plain:.2f} s / with validate=True {checked:.2f} s"
              + (f" (that share of ours: {wall * share:.2f} s)" if share < 1 else ""))  # fmt: skip
        figures["ours_writer_s"] = round(writer, 2)
        figures["ours_writer_validate_s"] = round(ours, 2)
        figures["sepaxml_export_s"] = round(plain, 2)
        figures["sepaxml_export_validate_s"] = round(checked, 2)
        figures["sepaxml_payments"] = len(payments)
    return figures


if __name__ == "__main__":
    main()
