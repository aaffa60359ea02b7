"""Benchmark of start-up: ``sepa-batch --version`` and ``sepa-batch ledger CUSTOMER``.

    .venv/bin/python benchmarks/startup.py
    .venv/bin/python benchmarks/startup.py --database postgresql --runs 21
    .venv/bin/python benchmarks/startup.py --source /tmp/old-checkout   # another version's code

Builds a realistic database (``realistic.py``, 1,000 customers with a year of history by
default; SQLite, or a PostgreSQL schema of its own with ``--database postgresql``), then runs
each command ``--runs`` times as a fresh process (``python -m sepa_batch``, the code of
``--source``, this checkout by default) and reports the median wall time, the median CPU time
of the child (user + system, less sensitive to the machine's load than the wall time) and the
median peak RSS of the child. The last line printed is one JSON object: ``wall_s``, ``cpu_s``
and ``peak_rss_mb`` of ``ledger`` (the command with a database), the same for ``--version``,
``database`` and the load average.

The child runs as an installed package would: a bare virtual environment made for the run
(no pip) whose one ``.pth`` file puts ``--source`` and this environment's site-packages on the
path, so the editable install's import hook (``__editable___sepa_batch_*_finder``, loaded by
this environment's ``site`` at every start) is not measured. ``--editable`` runs this
environment's own interpreter instead, hook included.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
import realistic  # noqa: E402

TIME = Path("/usr/bin/time")


def plain_python(folder: Path) -> Path:
    """A bare virtual environment in ``folder`` seeing this one's packages through a ``.pth``
    path line (whose folder's own ``.pth`` files, the editable hook among them, are not run);
    ``--source`` comes first on the path through ``PYTHONPATH``."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(purelib) / "sepa_batch_benchmark.pth").write_text("\n".join(sorted(ours)) + "\n")
    return python


def run_once(command: list[str], env: dict, cwd: Path) -> tuple[float, float, float, str]:
    """One fresh process: wall seconds, its CPU seconds (user + system), its peak RSS in MB,
    its output. CPU and peak come from GNU time when there is one: a child forked from this
    (large) process would otherwise be charged this process's memory until it execs."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        wrapped = command
        if TIME.exists():
            wrapped = [str(TIME), "-f", "%M %U %S", "-o", rss.name, *command]
        started = time.perf_counter()
        process = subprocess.run(wrapped, env=env, cwd=cwd, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if process.returncode:
            raise SystemExit(f"{' '.join(command)} failed:\n{process.stdout}{process.stderr}")
        text = rss.read().strip()
    peak, cpu = float("nan"), float("nan")
    if text:
        kib, user, system = text.splitlines()[-1].split()
        peak, cpu = int(kib) / 1024, float(user) + float(system)
    return wall, cpu, peak, process.stdout


def measure(command: list[str], runs: int, env: dict, cwd: Path) -> dict:
    run_once(command, env, cwd)  # warm: compiled bytecode and the page cache
    walls, cpus, peaks = [], [], []
    for _ in range(runs):
        wall, cpu, peak, _ = run_once(command, env, cwd)
        walls.append(wall)
        cpus.append(cpu)
        peaks.append(peak)
    return {"wall_s": round(statistics.median(walls), 3), "min_s": round(min(walls), 3),
            "max_s": round(max(walls), 3), "cpu_s": round(statistics.median(cpus), 3),
            "peak_rss_mb": round(statistics.median(peaks), 1)}  # fmt: skip


def line(name: str, figures: dict) -> str:
    return (f"{name}: median {figures['wall_s']:.3f} s ({figures['min_s']:.3f}–"
            f"{figures['max_s']:.3f}), CPU {figures['cpu_s']:.2f} s, "
            f"{figures['peak_rss_mb']:.0f} MB")  # fmt: skip


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--runs", type=int, default=11, help="runs of each command (median)")
    parser.add_argument("--customers", type=int, default=1_000, help="size of the database")
    parser.add_argument("--source", type=Path, default=ROOT, help="the checkout to run")
    parser.add_argument(
        "--editable", action="store_true", help="run this environment's own interpreter"
    )
    args = parser.parse_args(argv)

    print(realistic.machine())
    env = {**os.environ, "PYTHONPATH": str(args.source.resolve())}
    env.pop("SEPA_BATCH_CONFIG", None)
    with tempfile.TemporaryDirectory(prefix="sepa-bench-startup-") as scratch:
        folder = Path(scratch)
        interpreter = sys.executable if args.editable else plain_python(folder / "venv")
        python = [str(interpreter), "-m", "sepa_batch"]
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
            *_, shown = run_once(ledger_command, env, args.source)
            print(shown.rstrip())
            ledger = measure(ledger_command, args.runs, env, args.source)
    print(f"{line('--version', version)}; {line('ledger', ledger)}; {args.runs} runs each")
    figures = {"database": args.database, "source": str(args.source), "runs": args.runs,
               "editable": args.editable, "wall_s": ledger["wall_s"],
               "min_s": ledger["min_s"], "max_s": ledger["max_s"], "cpu_s": ledger["cpu_s"],
               "peak_rss_mb": ledger["peak_rss_mb"], "version_wall_s": version["wall_s"],
               "version_min_s": version["min_s"], "version_cpu_s": version["cpu_s"],
               "version_peak_rss_mb": version["peak_rss_mb"],
               "load_average": [round(x, 2) for x in os.getloadavg()]}  # fmt: skip
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
