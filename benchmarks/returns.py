"""Benchmark: import a camt.054 returning N collected direct debits (PRODUCT §5).

    python benchmarks/returns.py --returns 10000
    python benchmarks/returns.py --returns 10000 --realistic --database postgresql
    python benchmarks/returns.py --returns 20000 --realistic --profile returns.prof

Builds a fresh database (SQLite, or a PostgreSQL schema of its own with ``--database
postgresql``) with N SUBMITTED direct-debit lines on N customers (in a child process, by
``realistic.py``'s bulk loader; with ``--realistic`` every customer also has a year of
history, see ``realistic.py``), writes a
camt.054.001.02 returning N of them with a mix of reason codes, then times the whole import:
parse, match, unpaid workflow (fee, reversal, re-presentation, dunning, pre-notifications),
commit, notices written. Then it checks that exactly N returns were applied and that the ledger
is right for every returned line: UNPAID with one reversal of minus its amount and
re-presentations of amount + fee, or (a technical reason) back to SCHEDULED with nothing added.
The last line printed is one JSON object (``wall_s``, ``peak_rss_mb``, ``database``).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sepa_batch import config as config_module  # noqa: E402
from sepa_batch.db.schema import (  # noqa: E402
    Article,
    BankFile,
    LedgerLine,
    PaymentBatch,
    ReturnItem,
)
from sepa_batch.db.session import Database  # noqa: E402
from sepa_batch.money import format_amount  # noqa: E402
from sepa_batch.services.inbox import import_returns  # noqa: E402

sys.path.insert(0, str(ROOT / "benchmarks"))
import realistic  # noqa: E402

#: (reason code, weight): mostly insufficient funds, as banks see it.
MIX = (
    ("AM04", 50),
    ("MD06", 15),
    ("AC04", 10),
    ("MS02", 10),
    ("MD01", 5),
    ("AC01", 5),
    ("MS03", 5),
)
COLLECTED_ON = date(2026, 11, 5)
BOOKED_ON = date(2026, 11, 10)
IBAN = "FR1420041010050500013M02606"


def reason(number: int) -> str:
    slot = number % 100
    for code, weight in MIX:
        if slot < weight:
            return code
        slot -= weight
    return MIX[0][0]


def build_database(db: Database, count: int, chunk: int = 20_000) -> dict[int, tuple[str, int]]:
    """N customers with one SUBMITTED line each; line id → (end-to-end id, cents)."""
    with realistic.bulk_load(db) as (connection, loader):
        connection.execute(
            insert(Article),
            [{"code": "FRAIS_REJET", "label": "Frais de rejet", "price_cents": 1000,
              "kind": "REJECTION_FEE"}],
        )  # fmt: skip
        created = datetime(2026, 11, 2, 6)
        connection.execute(
            insert(BankFile), [realistic.bank_file(1, "BENCH-1", created, count, 4990 * count)]
        )
        connection.execute(
            insert(PaymentBatch),
            [realistic.payment_batch(1, "BENCH-1-001", COLLECTED_ON, count, 4990 * count)],
        )
        for start in range(1, count + 1, chunk):
            for rows in _rows(range(start, min(start + chunk, count + 1))):
                loader.load(rows)
    return {n: (f"SB-L{n}-1", 4990) for n in range(1, count + 1)}


def _rows(numbers: range) -> tuple[list, list, list]:
    """The customers, mandates and SUBMITTED lines (ids ``numbers``) of the first shape."""
    due = COLLECTED_ON.isoformat()
    return (
        [realistic.CustomerRow(n, f"C{n:07d}", f"Member {n}", None, None, None, "69002",
                               "Lyon", "FR") for n in numbers],
        [realistic.MandateRow(n, n, f"MND-{n:07d}", IBAN, None, "ACTIVE", None, "2025-01-01",
                              0, 1, due) for n in numbers],
        [realistic.LineRow(n, n, "payment", "2026-10-01", "Abonnement 11/2026", 4990, None,
                           "DIRECT_DEBIT", due, "SUBMITTED", None, None, None, 1, n,
                           f"SB-L{n}-1", due, None, 0, 1) for n in numbers],
    )  # fmt: skip


def write_camt054(
    path: Path, returned: list[tuple[str, int]], creditor_iban: str, booked_on: date = BOOKED_ON
) -> None:
    """A camt.054 returning ``returned`` (end-to-end id, cents), a mix of reason codes."""
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:'
        'tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>BENCH-NTF</MsgId>'
        f"<CreDtTm>{booked_on}T07:00:00</CreDtTm></GrpHdr><Ntfctn><Id>N1</Id>"
        f"<CreDtTm>{booked_on}T07:00:00</CreDtTm><Acct><Id><IBAN>{creditor_iban}</IBAN>"
        "</Id></Acct>\n"
    )
    with path.open("w", encoding="utf-8") as out:
        out.write(head)
        for n, (end_to_end_id, cents) in enumerate(returned, 1):
            charge = 300 if n % 3 == 0 else 0
            charges = (
                f'<Chrgs><Amt Ccy="EUR">{format_amount(charge)}</Amt></Chrgs>' if charge else ""
            )
            out.write(
                f'<Ntry><Amt Ccy="EUR">{format_amount(cents + charge)}</Amt><CdtDbtInd>DBIT'
                f"</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>{booked_on}</Dt></BookgDt><BkTxCd/>"
                f"<NtryDtls><TxDtls><Refs><EndToEndId>{end_to_end_id}</EndToEndId></Refs>"
                f'<AmtDtls><InstdAmt><Amt Ccy="EUR">{format_amount(cents)}</Amt></InstdAmt>'
                f"</AmtDtls>{charges}<RtrInf>"
                f"<Rsn><Cd>{reason(n)}</Cd></Rsn></RtrInf></TxDtls></NtryDtls></Ntry>\n"
            )
        out.write("</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>\n")


def check_ledger(db: Database, returned: dict[int, int], first_new_id: int) -> dict:
    """Exactly the returned lines changed, and each as the unpaid workflow says: UNPAID with one
    reversal of minus its amount and re-presentations of amount + the fee billed to its
    customer, or back to SCHEDULED (a technical reason) with nothing added. Raises otherwise."""
    ids = sorted(returned)
    status: dict[int, tuple[str, int]] = {}
    with db.reader() as session:
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            rows = session.execute(
                select(LedgerLine.id, LedgerLine.status, LedgerLine.customer_id).where(
                    LedgerLine.id.in_(chunk)
                )
            )
            status.update({row.id: (row.status, row.customer_id) for row in rows})
        new = session.execute(
            select(LedgerLine.customer_id, LedgerLine.kind, LedgerLine.amount_cents,
                   LedgerLine.reverses_id, LedgerLine.represents_id, LedgerLine.article_id)
            .where(LedgerLine.id >= first_new_id)
        ).all()  # fmt: skip
        fee_article = session.execute(
            select(Article.id).where(Article.kind == "REJECTION_FEE")
        ).scalar_one()
        applied_items = session.execute(
            select(func.count()).select_from(ReturnItem).where(ReturnItem.outcome == "applied")
        ).scalar_one()
        still_submitted = session.execute(
            select(func.count())
            .select_from(LedgerLine)
            .where(LedgerLine.id.in_(ids[:900]), LedgerLine.status == "SUBMITTED")
        ).scalar_one()
    reversals: dict[int, list[int]] = {}
    representations: dict[int, int] = {}
    fees: dict[int, int] = {}
    for row in new:
        if row.reverses_id is not None:
            reversals.setdefault(row.reverses_id, []).append(row.amount_cents)
        elif row.represents_id is not None:
            representations[row.represents_id] = (
                representations.get(row.represents_id, 0) + row.amount_cents
            )
        elif row.kind == "sale" and row.article_id == fee_article:
            fees[row.customer_id] = fees.get(row.customer_id, 0) + row.amount_cents
    counts = {"UNPAID": 0, "SCHEDULED": 0}
    for line_id, cents in returned.items():
        state, customer = status[line_id]
        assert state in counts, f"line {line_id} is {state} after its return"
        counts[state] += 1
        if state == "UNPAID":
            assert reversals.get(line_id) == [-cents], (line_id, reversals.get(line_id), cents)
            assert representations.get(line_id) == cents + fees.get(customer, 0), line_id
        else:
            assert line_id not in reversals and line_id not in representations, line_id
    assert applied_items == len(returned), (applied_items, len(returned))
    assert still_submitted == 0
    # nothing else was added: every new payment line reverses or re-presents a returned line
    assert sum(len(v) for v in reversals.values()) == counts["UNPAID"]
    assert set(reversals) | set(representations) <= set(returned)
    return {"unpaid": counts["UNPAID"], "rescheduled": counts["SCHEDULED"],
            "fees_cents": sum(fees.values())}  # fmt: skip


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--returns", type=int, default=10_000)
    parser.add_argument("--dir", type=Path, default=None, help="keep the files here")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--profile", default=None, help="write cProfile stats of the import")
    parser.add_argument(
        "--realistic", action="store_true", help="customers with a year of history (realistic.py)"
    )
    args = parser.parse_args()
    print(realistic.machine())
    folder = args.dir or Path(tempfile.mkdtemp(prefix="sepa-batch-bench-returns-"))
    folder.mkdir(parents=True, exist_ok=True)
    with realistic.database(args.database, folder) as url:
        figures = run(args, folder, url)
    print(json.dumps(figures))


def build_in_child(url: str, returns: int, shaped: bool) -> tuple[dict, date]:
    """The database built in a child process (its memory does not count in the import's peak
    RSS); the SUBMITTED lines to return (line id → (end-to-end id, cents)) and the booking day."""
    queue = multiprocessing.get_context("spawn").SimpleQueue()
    child = multiprocessing.get_context("spawn").Process(
        target=_build, args=(url, returns, shaped, queue)
    )
    child.start()
    submitted = queue.get()
    child.join()
    if child.exitcode:
        raise SystemExit(f"building the database failed (exit {child.exitcode})")
    if shaped:
        return submitted, realistic.DECEMBER + (BOOKED_ON - COLLECTED_ON)
    return submitted, BOOKED_ON


def _build(url: str, returns: int, shaped: bool, queue) -> None:
    """In the child: the realistic database (``shaped``) or the first benchmark's shape."""
    if shaped:
        customers = returns + returns // 100 + 10  # 0.5 % have no December line
        built = realistic.build(url, customers, submitted=True)
        print(f"built {built.customers} customers, {built.mandates} mandates, {built.lines} "
              f"lines ({built.by_status})", flush=True)  # fmt: skip
        queue.put(dict(list(built.submitted.items())[:returns]))
        return
    db = Database(url)
    db.migrate()
    queue.put(build_database(db, returns))
    db.dispose()


def run(args, folder: Path, url: str) -> dict:
    (folder / "config").mkdir(exist_ok=True)
    config_path = folder / "config" / "sepa_batch.toml"
    config_path.write_text(
        f"[database]\nurl = {json.dumps(url)}\n"
        f'[folders]\ndata = "{folder / "data"}"\n'
        "[returns]\nmax_file_bytes = 2000000000\n",
        encoding="utf-8",
    )
    config = config_module.load(config_path)
    config.folders.create()
    db = Database(config.database_url)
    started = time.perf_counter()
    submitted, booked_on = build_in_child(url, args.returns, args.realistic)
    assert len(submitted) == args.returns, len(submitted)
    camt = folder / "returns.camt054.xml"
    write_camt054(camt, list(submitted.values()), config.creditor.iban, booked_on)
    print(
        f"built {args.returns} submitted lines and {camt.name} "
        f"({camt.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s"
    )
    with db.reader() as session:
        first_new_id = session.execute(select(func.max(LedgerLine.id))).scalar_one() + 1
    rss_before = peak_rss_mb()
    profiler = cProfile.Profile() if args.profile else None
    started, cpu_started = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    [outcome] = import_returns(db, config, [camt], booked_on)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    rss = peak_rss_mb()  # the import's: the ledger check below reads much more
    if profiler:
        profiler.disable()
        profiler.dump_stats(args.profile)
    assert outcome.error is None, outcome.error
    print(
        f"import: applied {outcome.applied}, unmatched {outcome.unmatched}, duplicates "
        f"{outcome.duplicates} in {wall:.2f} s ({args.returns / wall:.0f} returns/s); "
        f"peak RSS {rss:.0f} MB (before the import: {rss_before:.0f} MB)"
    )
    assert outcome.applied == args.returns, (outcome.applied, args.returns)
    checked = check_ledger(db, {k: cents for k, (_, cents) in submitted.items()}, first_new_id)
    print(f"ledger checked: {checked}")
    db.dispose()
    return {
        "returns": args.returns,
        "database": args.database,
        "realistic": args.realistic,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),  # this process's (not the PostgreSQL server's)
        "peak_rss_mb": round(rss, 1),
        "returns_per_s": round(args.returns / wall, 1),
        "applied": outcome.applied,
        **checked,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


if __name__ == "__main__":
    main()
