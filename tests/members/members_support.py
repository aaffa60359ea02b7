"""A club moving in: a generated member list, and helpers of the member tests."""

from __future__ import annotations

from datetime import date

from schwifty import IBAN

from sepa_batch.services.master_data import CUSTOMER_COLUMNS

MIGRATION_HEADER = ",".join([*CUSTOMER_COLUMNS, "mandate_last_collected_on", "mandate_sequence"])


def member_iban(n: int) -> str:
    return IBAN.generate("FR", bank_code="3000600001", account_code=f"{n:011d}").compact


def signed_on(n: int) -> date:
    """Signatures spread over 2015–2025, a member a fortnight or so apart."""
    return date(2015 + n % 11, 1 + n % 12, 1 + n % 28)


def member_row(n: int, *, last_collected: str = "", sequence: str = "") -> str:
    code = f"M{n:04d}"
    return (
        f"{code},Membre {n},m{n}@example.fr,Rue du Stade,{n},69001,Lyon,FR,{member_iban(n)},,"
        f"RUM-{code},{signed_on(n)},{last_collected},{sequence}"
    )


def club_csv(members: int, *, last_collected: str = "", sequence=lambda n: "") -> str:
    rows = [
        member_row(n, last_collected=last_collected, sequence=sequence(n)) for n in range(members)
    ]
    return "\n".join([MIGRATION_HEADER, *rows]) + "\n"
