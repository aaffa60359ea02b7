"""Two ``scheduler run-due`` processes against one PostgreSQL database never collect a line
twice nor apply a return twice: the jobs take a database lock and the keys are unique. (Two
``scheduler start`` processes: tests/scheduler/test_scheduler_robust.py.)"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from conftest import write_config
from returns_import.bank_messages import camt054
from sqlalchemy import create_engine, text
from support import FIXTURES


def _cli(config_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sepa_batch", "--config", str(config_path), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_two_run_due_processes_collect_and_import_once(postgres_url, tmp_path):
    config_path = write_config(tmp_path, postgres_url)
    for args in (
        ("init",),
        ("articles", "import", str(FIXTURES / "articles.csv")),
        ("customers", "import", str(FIXTURES / "customers.csv"), "--as-of", "2010-06-30"),
    ):
        assert _cli(config_path, *args).returncode == 0
    for code in ("C001", "C002", "C003", "C004", "C005", "C006", "C007", "C008"):
        assert (
            _cli(
                config_path,
                "subscribe",
                code,
                "--article",
                "SUB_MONTH",
                "--start",
                "2010-07-01",
                "--months",
                "3",
                "--as-of",
                "2010-06-20",
            ).returncode
            == 0
        )

    with ThreadPoolExecutor(2) as pool:
        runs = list(
            pool.map(
                lambda _: _cli(
                    config_path, "scheduler", "run-due", "--as-of", "2010-07-01", "--json"
                ),
                range(2),
            )
        )
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    collected = sorted(json.loads(r.stdout)["jobs"]["collection"].split()[1] for r in runs)
    assert collected == ["0", "8"]  # one of them collected all eight, the other nothing

    engine = create_engine(postgres_url)
    with engine.connect() as connection:
        files = connection.execute(text("SELECT count(*) FROM bank_files")).scalar_one()
        submitted = connection.execute(
            text("SELECT count(*) FROM ledger_lines WHERE status = 'SUBMITTED'")
        ).scalar_one()
        first = connection.execute(
            text(
                "SELECT end_to_end_id, amount_cents FROM ledger_lines "
                "WHERE status = 'SUBMITTED' ORDER BY id LIMIT 1"
            )
        ).one()
    assert (files, submitted) == (1, 8)

    returned = tmp_path / "camt054.xml"
    returned.write_bytes(
        camt054(
            "NTF-2P",
            "FR7630006000011234567890189",
            [(first[0], first[1], "AM04", 0)],
            date(2010, 7, 9),
        )
    )
    with ThreadPoolExecutor(2) as pool:
        imports = list(
            pool.map(
                lambda _: _cli(
                    config_path,
                    "returns",
                    "import",
                    str(returned),
                    "--as-of",
                    "2010-07-09",
                    "--json",
                ),
                range(2),
            )
        )
    outcomes = sorted(
        (
            json.loads(r.stdout)["files"][0]["applied"],
            json.loads(r.stdout)["files"][0]["duplicates"],
        )
        for r in imports
    )
    assert outcomes == [(0, 1), (1, 0)]
    with engine.connect() as connection:
        unpaid = connection.execute(
            text("SELECT count(*) FROM ledger_lines WHERE status = 'UNPAID'")
        ).scalar_one()
        representations = connection.execute(
            text("SELECT count(*) FROM ledger_lines WHERE represents_id IS NOT NULL")
        ).scalar_one()
    engine.dispose()
    assert (unpaid, representations) == (1, 1)
