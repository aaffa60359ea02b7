"""Paths and small helpers the tests share (importable: ``tests`` is on the pytest path)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
#: Other projects' real bank files, beside the repository; never copied into it.
SAMPLES = ROOT.parent / "shared" / "samples"
