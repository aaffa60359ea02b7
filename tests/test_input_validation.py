"""Everyday mistakes are refused at the door: one sentence naming the record and the field,
exit status 1 (2 for a malformed option), and nothing changed — every table compared row by
row, and the folders file by file, before and after.

Each case below was accepted (or ended in a traceback) before the rule existed: a mandate
reference that the bank refuses a month later, a text longer than its column (a raw
``DataError`` printing the IBAN on PostgreSQL), a fee article sold as a subscription, a direct
debit for a member without a mandate, a payment dated in the future, a typo in the config.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import Cli, write_config
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from support import FIXTURES

from sepa_batch import config as config_module
from sepa_batch.cli import cli
from sepa_batch.db.schema import Base, Customer
from sepa_batch.db.session import Database
from sepa_batch.services.master_data import ARTICLE_COLUMNS, CUSTOMER_COLUMNS

HEADER = ",".join(CUSTOMER_COLUMNS)
IBAN = "FR7630006000011234567890189"


def customer_row(**fields: str) -> str:
    row = {
        "customer_id": "C100",
        "name": "Anne Lévy",
        "email": "anne@example.fr",
        "street": "Rue Neuve",
        "building_number": "2",
        "postcode": "69001",
        "town": "Lyon",
        "country": "FR",
        "iban": IBAN,
        "bic": "AGRIFRPP",
        "mandate_id": "M-C100",
        "mandate_signed_on": "2010-01-10",
    }
    row.update(fields)
    return ",".join(row[column] for column in CUSTOMER_COLUMNS)


def article_row(**fields: str) -> str:
    row = {"code": "STAGE", "label": "Stage d'été", "price": "120.00", "kind": "OTHER"}
    row.update(fields)
    return ",".join(row[column] for column in ARTICLE_COLUMNS)


# --- what "nothing changed" means ------------------------------------------------------------


def database_url(run: Cli) -> str:
    return config_module.load(run.config_path).database_url


def snapshot(run: Cli, url: str | None = None) -> dict:
    """Every row of every table, and every file under the data folder but the database's."""
    db = Database(url or database_url(run))
    try:
        with db.reader() as session:
            tables = {
                table.name: sorted(map(repr, session.execute(select(table))))
                for table in Base.metadata.sorted_tables
            }
    finally:
        db.dispose()
    root = run.config_path.parent.parent / "var"
    files = sorted(
        (str(path.relative_to(root)), path.is_dir() or path.read_bytes())
        for path in root.rglob("*")
        if ".db" not in path.name and path.relative_to(root).parts[0] != "logs"  # the log may grow
    )
    return {"tables": tables, "files": files}


def invoke(run: Cli, *args) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--config", str(run.config_path), *map(str, args)])
    return result.exit_code, " ".join((result.stdout + result.stderr).split())


# --- the table of refusals -------------------------------------------------------------------

LONG = "x" * 141


def write(tmp: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp / name
    path.write_bytes(text.encode(encoding))
    return path


def customers_file(**fields):
    def args(tmp: Path) -> tuple:
        path = write(tmp, "c.csv", f"{HEADER}\n{customer_row(**fields)}\n")
        return ("customers", "import", path, "--as-of", "2010-07-01")

    return args


def articles_file(**fields):
    def args(tmp: Path) -> tuple:
        header = ",".join(ARTICLE_COLUMNS)
        return ("articles", "import", write(tmp, "a.csv", f"{header}\n{article_row(**fields)}\n"))

    return args


def command(*args):
    return lambda tmp: args


# (case, the command, exit status, words the message must hold: record, field, why)
CASES = [
    # identifiers in customers.csv
    ("reference with //", customers_file(mandate_id="CLUB//C100"), 1,
     ["c.csv line 2", "mandate_id", "'CLUB//C100'", "must not contain '//'"]),
    ("reference outside the SEPA set", customers_file(mandate_id="RÜM-C100"), 1,
     ["c.csv line 2", "mandate_id", "outside the SEPA set: 'Ü'"]),
    ("reference of 36 characters", customers_file(mandate_id="M" * 36), 1,
     ["c.csv line 2", "mandate_id", "has 36 characters, at most 35"]),
    ("reference starting with /", customers_file(mandate_id="/M-C100"), 1,
     ["c.csv line 2", "mandate_id", "must not start or end with '/'"]),
    ("IBAN outside the SEPA zone", customers_file(iban="BR1800360305000010009795493C1"), 1,
     ["c.csv line 2", "iban", "*93C1", "outside the SEPA zone"]),
    ("BIC of 6 characters", customers_file(bic="AGRIFR"), 1,
     ["c.csv line 2", "bic", "'AGRIFR'", "not 8 or 11"]),
    # lengths of customers.csv
    ("name over 140", customers_file(name=LONG), 1,
     ["c.csv line 2", "name", "has 141 characters, at most 140"]),
    ("town over 35", customers_file(town="T" * 36), 1,
     ["c.csv line 2", "town", "has 36 characters, at most 35"]),
    ("street over 70", customers_file(street="S" * 71), 1,
     ["c.csv line 2", "street", "at most 70"]),
    ("postcode over 16", customers_file(postcode="9" * 17), 1,
     ["c.csv line 2", "postcode", "at most 16"]),
    ("customer id over 35", customers_file(customer_id="C" * 36), 1,
     ["c.csv line 2", "customer_id", "at most 35"]),
    ("unquoted delimiter in a cell", customers_file(name="Dupont, Jean"), 1,
     ["c.csv line 2", "row", "13 cells for 12 columns", "must be in double quotes"]),
    ("e-mail", customers_file(email="not-an-email"), 1,
     ["c.csv line 2", "email", "'not-an-email' is not an e-mail address"]),
    # articles.csv
    ("article label over 140", articles_file(label=LONG), 1,
     ["a.csv line 2", "label", "at most 140"]),
    ("article code over 35", articles_file(code="A" * 36), 1,
     ["a.csv line 2", "code", "at most 35"]),
    ("article price too large", articles_file(price="99999999999.00"), 1,
     ["a.csv line 2", "price", "more than the maximum 999999.99"]),
    # amendments
    ("amended reference with //", command("mandate", "update", "C001", "--iban", IBAN,
                                          "--reference", "CLUB//C001"), 1,
     ["customer C001", "--reference", "must not contain '//'"]),
    ("amended reference of 36", command("mandate", "update", "C001", "--iban", IBAN,
                                        "--reference", "R" * 36), 1,
     ["customer C001", "--reference", "at most 35"]),
    ("amended IBAN", command("mandate", "update", "C001", "--iban", IBAN[:-1] + "8"), 1,
     ["customer C001", "--iban", "*0188", "wrong check digits"]),
    # labels and amounts given on the command line
    ("sale label over 140", command("sale", "C001", "--article", "LICENCE", "--label", LONG,
                                    "--as-of", "2010-07-01"), 1,
     ["customer C001", "--label", "at most 140"]),
    ("instalment label over 140", command("instalment", "C001", "--amount", "10.00", "--due",
                                          "2010-08-05", "--label", LONG,
                                          "--as-of", "2010-07-01"), 1,
     ["customer C001", "--label", "at most 140"]),
    ("sale amount too large", command("sale", "C001", "--article", "LICENCE", "--amount",
                                      "99999999999.00", "--as-of", "2010-07-01"), 2,
     ["--amount", "99999999999.00 is more than the maximum 999999.99"]),
    ("instalment amount too large", command("instalment", "C001", "--amount", "99999999999.00",
                                            "--due", "2010-08-05", "--as-of", "2010-07-01"), 2,
     ["--amount", "more than the maximum"]),
    # subscriptions
    ("rejection fee subscribed", command("subscribe", "C001", "--article", "FRAIS_REJET",
                                         "--start", "2010-07-01", "--months", "2",
                                         "--as-of", "2010-07-01"), 1,
     ["customer C001", "--article", "FRAIS_REJET is a REJECTION_FEE article"]),
    ("dunning fee subscribed", command("subscribe", "C001", "--article", "FRAIS_RELANCE",
                                       "--start", "2010-07-01", "--months", "2",
                                       "--as-of", "2010-07-01"), 1,
     ["customer C001", "--article", "DUNNING_FEE"]),
    ("direct debit without mandate", command("subscribe", "C012", "--article", "SUB_MONTH",
                                             "--start", "2010-07-01", "--months", "2",
                                             "--as-of", "2010-07-01"), 1,
     ["customer C012", "--mode", "DIRECT_DEBIT needs a mandate"]),
    ("instalment by debit without mandate", command("instalment", "C012", "--amount", "10.00",
                                                    "--due", "2010-08-05",
                                                    "--as-of", "2010-07-01"), 1,
     ["customer C012", "--mode", "DIRECT_DEBIT needs a mandate"]),
    # files in another encoding
    ("cp1252 customers.csv", lambda tmp: ("customers", "import", write(
        tmp, "ansi.csv", f"{HEADER}\n{customer_row()}\n", "cp1252"), "--as-of", "2010-07-01"), 1,
     ["ansi.csv line 2", "encoding", "not UTF-8", "cp1252", "--encoding cp1252"]),
    ("cp1252 articles.csv", lambda tmp: ("articles", "import", write(
        tmp, "ansi.csv", "code,label,price,kind\nSTAGE,Stage d'été,1.00,OTHER\n", "cp1252")), 1,
     ["ansi.csv line 2", "encoding", "CSV UTF-8"]),
    ("unknown encoding", lambda tmp: ("articles", "import", write(
        tmp, "a.csv", "code,label,price,kind\n"), "--encoding", "klingon"), 1,
     ["a.csv", "--encoding", "unknown encoding 'klingon'"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("command_of", "status", "words"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_refused_with_one_sentence_and_nothing_changed(run, tmp_path, command_of, status, words):
    args = command_of(tmp_path)
    before = snapshot(run)
    code, said = invoke(run, *args)
    assert code == status, said
    for word in words:
        assert word in said, said
    assert "Traceback" not in said and IBAN[:-4] not in said  # an IBAN only by its last four
    assert snapshot(run) == before


# --- the config file -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ("[colection]\nday_of_month = 5\n", ["colection", "unknown section", "[collection]"]),
        (
            "[collection]\nday_of_mont = 5\n",
            ["collection.day_of_mont", "unknown key", "collection.day_of_month"],
        ),
        ("[club]\nlangage = 'en'\n", ["club.langage", "club.language"]),
        ("[[policy.rows]]\ncodes = ['AM04']\nfees = true\n", ["policy.rows[0].fees", "fee"]),
        ("[club]\nlanguage = 'de'\n", ["club.language", "'de' is not fr or en"]),
    ],
)
def test_a_config_typo_is_named_with_the_closest_key(run, extra, words):
    url = database_url(run)
    before = snapshot(run, url)
    write_config(run.config_path.parent.parent, url, extra)
    code, said = invoke(run, "ledger", "C001", "--as-of", "2010-07-01")
    assert code == 1, said
    for word in words:
        assert word in said, said
    assert snapshot(run, url) == before


def test_modes_in_the_config_and_on_the_command_line_take_any_case(run):
    write_config(run.config_path.parent.parent, database_url(run),
                 "[unpaid]\ndefault_mode = 'cheque'\n")  # fmt: skip
    assert config_module.load(run.config_path).default_mode == "CHEQUE"
    run("instalment", "C012", "--amount", "40.00", "--due", "2010-07-05", "--mode", "cheque",
        "--as-of", "2010-07-01")  # fmt: skip
    [line] = run.json("ledger", "C012", "--as-of", "2010-07-01")["lines"]
    assert line["mode"] == "CHEQUE"
    run("pay", line["id"], "--mode", "Cash", "--as-of", "2010-07-06")
    [line] = run.json("ledger", "C012", "--as-of", "2010-07-06")["lines"]
    assert (line["status"], line["mode"], line["paid_on"]) == ("PAID", "CASH", "2010-07-06")


def test_a_payment_dated_after_today_is_refused(run):
    run("instalment", "C012", "--amount", "40.00", "--due", "2010-07-05", "--mode", "CHEQUE",
        "--as-of", "2010-07-01")  # fmt: skip
    [line] = run.json("ledger", "C012", "--as-of", "2010-07-01")["lines"]
    before = snapshot(run)
    code, said = invoke(run, "pay", line["id"], "--date", "2010-08-01", "--as-of", "2010-07-20")
    assert code == 1, said
    assert f"line {line['id']}: --date: 2010-08-01 is in the future (today is 2010-07-20)" in said
    assert snapshot(run) == before


# --- CSV files as spreadsheets write them ----------------------------------------------------


def test_an_excel_csv_with_semicolons_bom_and_crlf_imports(run, tmp_path):
    rows = [customer_row(customer_id=f"C2{n}", mandate_id=f"M-C2{n}") for n in range(2)]
    text = "\r\n".join([HEADER, *rows]).replace(",", ";") + "\r\n;;;;;;;;;;;\r\n"
    path = write(tmp_path, "excel.csv", "\ufeff" + text)
    result = run("customers", "import", path, "--as-of", "2010-07-01")
    assert "imported 2 customers and 2 mandates" in result.stdout
    assert run.json("ledger", "C21", "--as-of", "2010-07-01")["customer"] == "C21"


def test_a_cp1252_file_imports_with_its_encoding_named(run, tmp_path):
    header = ",".join(ARTICLE_COLUMNS)
    path = write(tmp_path, "ansi.csv", f"{header}\r\nSTAGE,Stage d'été,120.00,OTHER\r\n", "cp1252")
    run("articles", "import", path, "--encoding", "cp1252")
    run("sale", "C001", "--article", "STAGE", "--as-of", "2010-07-01")
    lines = run.json("ledger", "C001", "--as-of", "2010-07-01")["lines"]
    assert [line["label"] for line in lines] == ["Stage d'été"]


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [("code;label;price;kind\r\n", ";"), ("code,label,price,kind\n", ","),
     ("code\tlabel\tprice\tkind\n", "\t"), ("label;price,code;kind\n", ";")],
)  # fmt: skip
def test_the_delimiter_is_the_one_that_splits_the_header(text, delimiter):
    from sepa_batch import csvfile

    assert csvfile._delimiter(text.rstrip(), ARTICLE_COLUMNS) == delimiter


# --- PostgreSQL never prints a statement's values ---------------------------------------------


def test_a_database_error_does_not_print_the_values(db):
    secret = "FR76-SECRET-VALUE"
    with db.transaction() as session:
        session.execute(insert(Customer).values(code="C1", name=secret, town="Lyon", country="FR"))
    with pytest.raises(IntegrityError) as caught, db.transaction() as session:
        session.execute(insert(Customer).values(code="C1", name=secret, town="Lyon", country="FR"))
    assert secret not in str(caught.value)
    assert "hidden due to hide_parameters" in str(caught.value)


# --- labels of generated lines -----------------------------------------------------------------


def _unpaid_cheque_chain(run, times: int) -> list[dict]:
    """A cheque instalment of C012 bounced, and its re-presentation bounced ``times`` - 1
    times again; C012's ledger lines."""
    run("instalment", "C012", "--amount", "40.00", "--due", "2010-07-05", "--mode", "CHEQUE",
        "--label", "Licence 2010", "--as-of", "2010-07-01")  # fmt: skip
    [line] = run.json("ledger", "C012", "--as-of", "2010-07-01")["lines"]
    target = line["id"]
    for day in range(times):
        as_of = f"2010-07-{10 + day}"
        run("pay", target, "--as-of", as_of)
        outcome = run.json("unpay", target, "--as-of", as_of, "--mode", "cheque")
        [target] = outcome["representation_lines"]
    return run.json("ledger", "C012", "--as-of", "2010-07-31")["lines"]


def test_a_representation_names_the_original_instalment_and_never_nests(run):
    lines = _unpaid_cheque_chain(run, 3)
    again = [line["label"] for line in lines if line["represents"]]
    assert again == ["Nouvelle présentation de l'impayé : Licence 2010 du 05/07/2010"] * 3
    reversals = [line["label"] for line in lines if line["amount"].startswith("-")]
    assert reversals[0].startswith("Annulation du paiement impayé n° ")
    assert all(" of " not in line["label"] for line in lines)


def test_a_bounced_cheque_is_not_billed_as_a_rejected_direct_debit(run):
    lines = _unpaid_cheque_chain(run, 1)
    [fee] = [line for line in lines if line["kind"] == "sale"]
    assert fee["label"].startswith("Frais de chèque impayé, paiement n° ")
    assert "prélèvement" not in fee["label"]


def test_labels_follow_the_club_language(run):
    write_config(run.config_path.parent.parent, database_url(run),
                 "[club]\nlanguage = 'en'\n")  # fmt: skip
    lines = _unpaid_cheque_chain(run, 2)
    labels_ = {line["label"] for line in lines}
    assert "Re-presentation of unpaid Licence 2010 of 05/07/2010" in labels_
    assert any(label.startswith("Returned cheque fee, payment #") for label in labels_)
    run("instalment", "C001", "--amount", "9.00", "--due", "2010-09-05", "--as-of", "2010-07-01")
    ledger = run.json("ledger", "C001", "--as-of", "2010-07-01")["lines"]
    assert ledger[-1]["label"] == "Instalment 05/09/2010"


# --- the modules' own examples ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["identifiers", "csvfile", "labels"])
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(f"sepa_batch.{name}"))
    assert result.attempted > 0 and result.failed == 0


def test_the_fixture_files_still_import(tmp_path, sqlite_url):
    runner = Cli(write_config(tmp_path, sqlite_url))
    runner("init")
    runner("articles", "import", FIXTURES / "articles.csv")
    result = runner("customers", "import", FIXTURES / "customers.csv", "--as-of", "2010-07-01")
    assert "imported 12 customers and 11 mandates" in result.stdout
