"""Reading and checking the sections of the file, one function each (``[smtp]`` has its own
module). The creditor's identifiers are checked with schwifty and python-stdnum, imported only
when a command loads the creditor."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sepa_batch.config.model import Address, Creditor, DunningLevel, Folders
from sepa_batch.config.reader import Reader
from sepa_batch.domain.model import Mode
from sepa_batch.domain.policy import Action, DateRule, MandateAction, PolicyTable, ReasonPolicy


def creditor(r: Reader) -> Creditor:
    from sepa_batch.identifiers import Bic, CreditorId, Iban, InvalidIdentifier

    def identifier(kind, key: str, optional: bool = False) -> str | None:
        value = r.text(key, optional=optional)
        if value is None:
            return None
        try:
            return str(kind(value))
        except InvalidIdentifier as exc:
            raise r.fail(key, str(exc)) from None

    iban = identifier(Iban, "creditor.iban")
    bic = identifier(Bic, "creditor.bic", optional=True)
    creditor_id = identifier(CreditorId, "creditor.creditor_id")
    country = r.text("creditor.address.country").upper()
    if len(country) != 2 or not country.isalpha():
        raise r.fail("creditor.address.country", f"{country!r} is not an ISO country code")
    return Creditor(
        name=r.text("creditor.name"),
        iban=iban,
        bic=bic,
        creditor_id=creditor_id,
        address=Address(
            street=r.text("creditor.address.street", optional=True),
            building_number=r.text("creditor.address.building_number", optional=True),
            postcode=r.text("creditor.address.postcode", optional=True),
            town=r.text("creditor.address.town"),
            country=country,
        ),
    )


def policy_row(r: Reader, tree: dict, label: str, codes: tuple[str, ...]) -> ReasonPolicy:
    def sub(key: str) -> str:
        return f"{label}.{key}"

    fee = r.get("fee", bool, tree)
    tries = r.get("max_direct_debit_tries", int, tree)
    if tries < 0:
        raise r.fail(sub("max_direct_debit_tries"), "must be 0 or more")
    return ReasonPolicy(
        codes=codes,
        meaning=str(tree.get("meaning", "")),
        action=r.choice("action", Action, tree, sub("action")),
        fee=fee,
        mode=r.choice("mode", Mode, tree, sub("mode")),
        date_rule=r.choice("date", DateRule, tree, sub("date")),
        max_direct_debit_tries=tries,
        mandate=r.choice("mandate", MandateAction, tree, sub("mandate")),
    )


def policy(r: Reader) -> PolicyTable:
    rows = r.get("policy.rows", list)
    seen: dict[str, int] = {}
    parsed = []
    for index, tree in enumerate(rows):
        label = f"policy.rows[{index}]"
        if not isinstance(tree, dict):
            raise r.fail(label, "must be a table")
        codes = tuple(code.upper() for code in r.get("codes", list, tree))
        for code in codes:
            if code in seen:
                raise r.fail(f"{label}.codes", f"{code} is already in policy.rows[{seen[code]}]")
            seen[code] = index
        parsed.append(policy_row(r, tree, label, codes))
    default = policy_row(r, r.get("policy.default", dict), "policy.default", ())
    return PolicyTable(rows=tuple(parsed), default=default)


def levels(r: Reader) -> tuple[DunningLevel, ...]:
    levels = []
    for index, tree in enumerate(r.get("dunning.levels", list)):
        label = f"dunning.levels[{index}]"
        days = r.get("days", int, tree)
        if days < 0:
            raise r.fail(f"{label}.days", "must be 0 or more")
        levels.append(
            DunningLevel(
                level=r.get("level", int, tree),
                days=days,
                title=r.get("title", str, tree),
                fee_article=(tree.get("fee_article") or None),
            )
        )
    numbers = [level.level for level in levels]
    if numbers != sorted(set(numbers)):
        raise r.fail("dunning.levels", "levels must be numbered in increasing order, once each")
    return tuple(levels)


def folders(r: Reader, base: Path) -> Folders:
    def path(key: str) -> Path:
        value = Path(r.text(f"folders.{key}"))
        return value if value.is_absolute() else base / value

    return Folders(**{key: path(key) for key in Folders.__slots__})


def relative_sqlite(url: str, base: Path) -> str:
    """An SQLite file named by a relative path in the config file lives under ``base`` (like
    the relative folders), wherever the command is run from."""
    if not url.startswith("sqlite:///") or url.startswith("sqlite:////"):
        return url
    path, _, query = url[len("sqlite:///") :].partition("?")
    if not path or path == ":memory:" or path.startswith("file:") or Path(path).is_absolute():
        return url
    return f"sqlite:///{(base / path).as_posix()}" + (f"?{query}" if query else "")


def language(r: Reader, key: str) -> str:
    language = r.text(key).lower()
    if language not in ("fr", "en"):
        raise r.fail(key, f"{language!r} is not fr or en")
    return language


def timezone(r: Reader) -> str:
    name = r.text("club.timezone")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail("club.timezone", f"{name!r} is not a time zone such as Europe/Paris") from None
    return name
