"""Benchmark of start-up: ``sepa-batch --version`` and ``sepa-batch ledger CUSTOMER``.

    .venv/bin/python benchmarks/startup.py
    .venv/bin/python benchmarks/startup.py --database postgresql --runs 21
    .venv/bin/python benchmarks/startup.py --source /tmp/old-checkout   # another version's code

Builds a realistic database (``realistic.py``, 1,000 customers with a year of history by
default; SQLite, or a PostgreSQL schema of its own with ``--database postgresql``), then runs
each command ``--runs`` times as a fresh process (``python -m sepa_batch``, the code of
``--source``, this checkout by default) and reports the median wall time and the median peak
RSS of the child. The last line printed is one JSON object: ``wall_s`` and ``peak_rss_mb`` of
``ledger`` (the command with a database), the same for ``--version``, and ``database``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import realistic  # noqa: E402

TIME = Path("/usr/bin/time")


def run_once(command: list[str], env: dict, cwd: Path) -> tuple[float, float, str]:
    """One fresh process: wall seconds, its peak RSS in MB, its output. The peak comes from
    GNU time when there is one: a child forked from this (large) process would otherwise be
    charged this process's memory until it execs."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        wrapped = [str(TIME), "-f", "%M", "-o", rss.name, *command] if TIME.exists() else command
        started = time.perf_counter()
        process = subprocess.run(wrapped, env=env, cwd=cwd, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if process.returncode:
            raise SystemExit(f"{' '.join(command)} failed:\n{process.stdout}{process.stderr}")
        text = rss.read().strip()
    peak = int(text.splitlines()[-1]) / 1024 if text else float("nan")  # KiB
    return wall, peak, process.stdout


def measure(command: list[str], runs: int, env: dict, cwd: Path) -> dict:
    run_once(command, env, cwd)  # warm: compiled bytecode and the page cache
    walls, peaks = [], []
    for _ in range(runs):
        wall, peak, _ = run_once(command, env, cwd)
        walls.append(wall)
        peaks.append(peak)
    return {"wall_s": round(statistics.median(walls), 3), "min_s": round(min(walls), 3),
            "max_s": round(max(walls), 3),
            "peak_rss_mb": round(statistics.median(peaks), 1)}  # fmt: skip


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=11, help="runs of each command (median)")
    parser.add_argument("--customers", type=int, default=1_000, help="size of the database")
    parser.add_argument("--source", type=Path, default=ROOT, help="the checkout to run")
    args = parser.parse_args(argv)

    print(realistic.machine())
    env = {**os.environ, "PYTHONPATH": str(args.source.resolve())}
    env.pop("SEPA_BATCH_CONFIG", None)
    python = [sys.executable, "-m", "sepa_batch"]
    with tempfile.TemporaryDirectory(prefix="sepa-bench-startup-") as scratch:
        folder = Path(scratch)
        with realistic.database(args.database, folder) as url:
            built = realistic.build(url, args.customers)
            config = folder / "sepa_batch.toml"
            config.write_text(
                f"[database]\nurl = {json.dumps(url)}\n[folders]\ndata = "
                f"{json.dumps(str(folder / 'data'))}\n",
                encoding="utf-8",
            )
            print(f"built {built.customers} customers, {built.lines} ledger lines")
            version = measure([*python, "--version"], args.runs, env, args.source)
            ledger_command = [*python, "--config", str(config), "ledger", "M00000005",
                              "--as-of", realistic.TODAY.isoformat()]  # fmt: skip
            _, _, shown = run_once(ledger_command, env, args.source)
            print(shown.rstrip())
            ledger = measure(ledger_command, args.runs, env, args.source)
    print(f"--version: median {version['wall_s']:.3f} s ({version['min_s']:.3f}–"
          f"{version['max_s']:.3f}), {version['peak_rss_mb']:.0f} MB; ledger: median "
          f"{ledger['wall_s']:.3f} s ({ledger['min_s']:.3f}–{ledger['max_s']:.3f}), "
          f"{ledger['peak_rss_mb']:.0f} MB; {args.runs} runs each")  # fmt: skip
    figures = {"database": args.database, "source": str(args.source), "runs": args.runs,
               "wall_s": ledger["wall_s"], "peak_rss_mb": ledger["peak_rss_mb"],
               "version_wall_s": version["wall_s"],
               "version_peak_rss_mb": version["peak_rss_mb"],
               "load_average": [round(x, 2) for x in os.getloadavg()]}  # fmt: skip
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
