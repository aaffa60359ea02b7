"""``sepa-batch demo``: the story told month by month, then its end."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from rich.console import Console

from sepa_batch.demo.closing import closing
from sepa_batch.demo.club import Club
from sepa_batch.demo.founding import START
from sepa_batch.demo.month import month_table


def run_demo(
    folder: Path, *, members: int, months: int, seed: int = 2026, console: Console | None = None
) -> dict:
    """Tell the story month by month; returns the closing figures (also printed)."""
    console = console or Console()
    club = Club(folder, members=members, months=months, seed=seed)
    console.rule(f"[bold]sepa-batch demo: {club.config.creditor.name}")
    console.print(f"folder {folder}  ·  database {club.config.database_url}")
    club.open()
    console.print(
        f"{members} members with a SEPA mandate subscribe for {months} month(s); "
        f"instalments fall due on day {club.config.collection_day} of each month."
    )
    month_first = START
    for day, _ in club.days():
        if (day + timedelta(days=1)).month != day.month and day >= START:
            console.print(month_table(club, month_first, day))
            month_first = day + timedelta(days=1)
    return closing(club, console)
