"""The shape of the code: the import contracts of pyproject.toml hold, and the product's
commands do not load the simulated bank (README, "Design")."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_import_contracts_hold():
    """``lint-imports`` (import-linter) keeps the layers, the pure domain and the bank apart."""
    process = subprocess.run(
        [Path(sys.executable).with_name("lint-imports"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert process.returncode == 0, process.stdout + process.stderr
    assert "0 broken" in process.stdout


def test_the_command_line_does_not_load_the_simulated_bank_or_the_demo():
    """Only ``bank simulate`` and ``demo`` import them, when they run."""
    code = (
        "import sys, sepa_batch.cli\n"
        "names = ('sepa_batch.bank', 'sepa_batch.demo')\n"
        "loaded = (m for m in sys.modules if m.startswith(names))\n"
        "print(sorted(loaded))"
    )
    process = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert process.returncode == 0, process.stderr
    assert process.stdout.strip() == "[]"
