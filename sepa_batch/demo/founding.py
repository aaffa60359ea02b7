"""What the club starts with: its configuration, its first day, its articles, and its members
with valid accounts (French, German, Belgian, a few Swiss) and signed mandates, made up from a
seed. No simulated bank here: the back office's end of the demo (``cli.web``) reads it too."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from schwifty import IBAN

#: The first day of the story: the first instalments fall due in this month.
START = date(2026, 1, 1)

FIRST_NAMES = (
    "Élodie",
    "François",
    "Chloé",
    "Jérôme",
    "Anaïs",
    "Théo",
    "Maëlle",
    "Zoé",
    "Jürgen",
    "Sören",
    "Lena",
    "Lukas",
    "Pieter",
    "Ines",
    "Noé",
    "Léa",
    "Björn",
    "Agnès",
    "Hélène",
    "Loïc",
    "Ueli",
    "Margaux",
    "Yannick",
    "Céline",
)
LAST_NAMES = (
    "Martin",
    "Lefèvre",
    "Dubois-Müller",
    "Garçon",
    "N'Guyen",
    "Weiß",
    "Groß",
    "Schäfer",
    "Van den Broeck",
    "De Smet",
    "Rivière",
    "Bernard",
    "Moreau",
    "Fournier",
    "Zürcher",
    "Peeters",
    "Müller",
    "Faure",
    "Lambert",
    "Dupont & Fils",
)
TOWNS = {
    "FR": ("Lyon", "69002"),
    "DE": ("Köln", "50667"),
    "BE": ("Liège", "4000"),
    "CH": ("Genève", "1201"),
}
BANKS = {
    "FR": ("20041", "30004", "10278", "18206", "30003"),
    "DE": ("37040044", "50010517", "10020030"),
    "BE": ("539", "096", "068"),
    "CH": ("00762",),
}
ARTICLES = """code,label,price,kind
SUB_MONTH,Abonnement mensuel,39.90,SUBSCRIPTION
SUB_YOUTH,Abonnement jeune,24.50,SUBSCRIPTION
FRAIS_REJET,Frais de rejet de prélèvement,10.00,REJECTION_FEE
FRAIS_RELANCE,Frais de relance,5.00,DUNNING_FEE
"""


def _account(rng: random.Random, country: str) -> str:
    bank = rng.choice(BANKS[country])
    if country == "FR":
        account = f"{rng.randrange(10**5):05d}{rng.randrange(10**11):011d}"
        return IBAN.generate("FR", bank_code=bank + account[:5], account_code=account[5:]).compact
    digits = {"DE": 10, "BE": 7, "CH": 12}[country]
    return IBAN.generate(
        country, bank_code=bank, account_code=f"{rng.randrange(10**digits):0{digits}d}"
    ).compact


def members_csv(count: int, seed: int) -> str:
    """A club of ``count`` members with valid IBANs, mandates signed before the start."""
    rng = random.Random(seed)
    lines = [
        "customer_id,name,email,street,building_number,postcode,town,country,iban,bic,"
        "mandate_id,mandate_signed_on"
    ]
    for number in range(1, count + 1):
        country = rng.choices(("FR", "DE", "BE", "CH"), weights=(80, 9, 9, 2))[0]
        town, postcode = TOWNS[country]
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        signed = START - timedelta(days=rng.randrange(10, 400))
        lines.append(
            ",".join(
                [
                    f"M{number:05d}",
                    name,
                    f"member{number}@example.org",
                    "Rue du Parc",
                    str(rng.randrange(1, 120)),
                    postcode,
                    town,
                    country,
                    _account(rng, country),
                    "",
                    f"DEMO-M{number:05d}",
                    signed.isoformat(),
                ]
            )
        )
    return "\n".join(lines) + "\n"


def last_day(months: int) -> date:
    """The last day of a story of ``months`` months from ``START``.

    >>> last_day(2)
    datetime.date(2026, 2, 28)
    """
    year, month = divmod(START.year * 12 + START.month - 1 + months, 12)
    return date(year, month + 1, START.day) - timedelta(days=1)


def write_config(folder: Path, *, pre_notification_days: int = 2) -> Path:
    """A configuration whose database and folders live in ``folder``."""
    path = folder / "config" / "sepa_batch.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "# written by `sepa-batch demo`: the built-in defaults with the folders here\n"
        '[database]\nurl = "sqlite:///var/sepa_batch.db"  # relative to the folder of config/\n\n'
        f"[collection]\npre_notification_days = {pre_notification_days}\n",
        encoding="utf-8",
    )
    return path
