"""Benchmark: import a camt.054 returning N collected direct debits (PRODUCT §5).

    python benchmarks/returns.py --returns 10000

Builds a fresh SQLite database with N SUBMITTED direct-debit lines on N customers (bulk
inserts), writes a camt.054.001.02 returning all of them with a mix of reason codes, then times
the whole import: parse, match, unpaid workflow (fee, reversal, re-presentation, dunning,
pre-notifications), commit, notices written. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sepa_batch import config as config_module  # noqa: E402
from sepa_batch.db.schema import (  # noqa: E402
    Article,
    BankFile,
    Customer,
    LedgerLine,
    Mandate,
    PaymentBatch,
)
from sepa_batch.db.session import Database  # noqa: E402
from sepa_batch.money import format_amount  # noqa: E402
from sepa_batch.services.returns import import_returns  # noqa: E402

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


def build_database(db: Database, count: int, chunk: int = 20_000) -> None:
    with db.engine.begin() as connection:
        connection.execute(
            insert(Article),
            [
                {
                    "code": "FRAIS_REJET",
                    "label": "Frais de rejet",
                    "price_cents": 1000,
                    "kind": "REJECTION_FEE",
                }
            ],
        )
        connection.execute(
            insert(BankFile),
            [
                {
                    "id": 1,
                    "message_id": "BENCH-1",
                    "path": "/dev/null",
                    "format": "pain.008.001.08",
                    "created_at": datetime(2026, 11, 2, 6),
                    "transactions": count,
                    "control_sum_cents": 4990 * count,
                }
            ],
        )
        connection.execute(
            insert(PaymentBatch),
            [
                {
                    "id": 1,
                    "bank_file_id": 1,
                    "pmtinf_id": "BENCH-1-001",
                    "sequence_type": "RCUR",
                    "collection_date": COLLECTED_ON,
                    "transactions": count,
                    "control_sum_cents": 4990 * count,
                }
            ],
        )
        for start in range(1, count + 1, chunk):
            numbers = range(start, min(start + chunk, count + 1))
            connection.execute(
                insert(Customer),
                [
                    {
                        "id": n,
                        "code": f"C{n:07d}",
                        "name": f"Member {n}",
                        "email": None,
                        "street": None,
                        "building_number": None,
                        "postcode": "69002",
                        "town": "Lyon",
                        "country": "FR",
                        "dunning_since": None,
                    }
                    for n in numbers
                ],
            )
            connection.execute(
                insert(Mandate),
                [
                    {
                        "id": n,
                        "customer_id": n,
                        "reference": f"MND-{n:07d}",
                        "iban": IBAN,
                        "bic": None,
                        "signed_on": date(2025, 1, 1),
                        "status": "ACTIVE",
                        "status_reason": None,
                        "one_off": False,
                        "first_used": True,
                        "last_presented_on": COLLECTED_ON,
                        "amend_original_reference": None,
                        "amend_original_iban": None,
                        "amend_new_bank": False,
                    }
                    for n in numbers
                ],
            )
            connection.execute(
                insert(LedgerLine),
                [
                    {
                        "id": n,
                        "customer_id": n,
                        "kind": "payment",
                        "date": date(2026, 10, 1),
                        "label": "Abonnement 11/2026",
                        "amount_cents": 4990,
                        "article_id": None,
                        "mode": "DIRECT_DEBIT",
                        "due_date": COLLECTED_ON,
                        "status": "SUBMITTED",
                        "paid_on": None,
                        "represents_id": None,
                        "reverses_id": None,
                        "batch_id": 1,
                        "mandate_id": n,
                        "end_to_end_id": f"SB-L{n}-1",
                        "collection_date": COLLECTED_ON,
                        "reason_code": None,
                        "direct_debit_tries": 0,
                        "presentations": 1,
                        "needs_review": False,
                    }
                    for n in numbers
                ],
            )


def write_camt054(path: Path, count: int, creditor_iban: str) -> None:
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:'
        'tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>BENCH-NTF</MsgId>'
        f"<CreDtTm>{BOOKED_ON}T07:00:00</CreDtTm></GrpHdr><Ntfctn><Id>N1</Id>"
        f"<CreDtTm>{BOOKED_ON}T07:00:00</CreDtTm><Acct><Id><IBAN>{creditor_iban}</IBAN>"
        "</Id></Acct>\n"
    )
    with path.open("w", encoding="utf-8") as out:
        out.write(head)
        for n in range(1, count + 1):
            charge = 300 if n % 3 == 0 else 0
            charges = (
                f'<Chrgs><Amt Ccy="EUR">{format_amount(charge)}</Amt></Chrgs>' if charge else ""
            )
            out.write(
                f'<Ntry><Amt Ccy="EUR">{format_amount(4990 + charge)}</Amt><CdtDbtInd>DBIT'
                f"</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>{BOOKED_ON}</Dt></BookgDt><BkTxCd/>"
                f"<NtryDtls><TxDtls><Refs><EndToEndId>SB-L{n}-1</EndToEndId></Refs><AmtDtls>"
                f'<InstdAmt><Amt Ccy="EUR">49.90</Amt></InstdAmt></AmtDtls>{charges}<RtrInf>'
                f"<Rsn><Cd>{reason(n)}</Cd></Rsn></RtrInf></TxDtls></NtryDtls></Ntry>\n"
            )
        out.write("</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>\n")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--returns", type=int, default=10_000)
    parser.add_argument("--dir", type=Path, default=None, help="keep the files here")
    args = parser.parse_args()
    folder = args.dir or Path(tempfile.mkdtemp(prefix="sepa-batch-bench-returns-"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config").mkdir(exist_ok=True)
    config_path = folder / "config" / "sepa_batch.toml"
    config_path.write_text(
        f'[database]\nurl = "sqlite:///{folder / "bench.db"}"\n'
        "[returns]\nmax_file_bytes = 2000000000\n",
        encoding="utf-8",
    )
    config = config_module.load(config_path)
    config.folders.create()
    db = Database(config.database_url)
    db.migrate()
    started = time.perf_counter()
    build_database(db, args.returns)
    camt = folder / "returns.camt054.xml"
    write_camt054(camt, args.returns, config.creditor.iban)
    print(
        f"built {args.returns} submitted lines and {camt.name} "
        f"({camt.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - started:.1f} s"
    )
    rss_before = peak_rss_mb()
    started = time.perf_counter()
    [outcome] = import_returns(db, config, [camt], date(2026, 11, 10))
    wall = time.perf_counter() - started
    assert outcome.error is None, outcome.error
    print(
        f"import: applied {outcome.applied}, unmatched {outcome.unmatched}, duplicates "
        f"{outcome.duplicates} in {wall:.2f} s ({args.returns / wall:.0f} returns/s); "
        f"peak RSS {peak_rss_mb():.0f} MB (before the import: {rss_before:.0f} MB)"
    )
    print(
        json.dumps(
            {
                "returns": args.returns,
                "wall_s": round(wall, 2),
                "peak_rss_mb": round(peak_rss_mb(), 1),
                "returns_per_s": round(args.returns / wall, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
