"""customers.csv import: all or nothing, every bad row named with its line and field."""

from datetime import date

import pytest
from sqlalchemy import func, select
from support import FIXTURES

from sepa_batch.db.schema import Customer, Mandate
from sepa_batch.errors import InvalidInputs
from sepa_batch.services.master_data import CUSTOMER_COLUMNS, import_customers

HEADER = ",".join(CUSTOMER_COLUMNS)
GOOD = (
    "C100,Anne Lévy,anne@example.fr,Rue Neuve,2,69001,Lyon,FR,"
    "FR7630006000011234567890189,AGRIFRPP,M-C100,2010-01-10"
)
TODAY = date(2010, 7, 1)


def count(db, model) -> int:
    with db.reader() as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def test_fixture_club_imports(db):
    result = import_customers(db, (FIXTURES / "customers.csv").read_text("utf-8"), today=TODAY)
    assert (result.customers, result.mandates) == (12, 11)
    with db.reader() as session:
        names = set(session.execute(select(Customer.name)).scalars())
    assert "Jérôme & Anaïs Garçon" in names  # kept as written; transliterated only in bank files


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        # wrong IBAN checksum (last digits changed)
        (GOOD.replace("0189", "0188"), "iban", "invalid IBAN"),
        (GOOD.replace("AGRIFRPP", "AGRIXXPP"), "bic", "invalid BIC"),
        (GOOD.replace("2010-01-10", "2010-07-02"), "mandate_signed_on", "in the future"),
        (GOOD.replace("2010-01-10", "10/01/2010"), "mandate_signed_on", "not a date"),
        (GOOD.replace(",FR,", ",XX,"), "country", "unknown country"),
        (GOOD.replace(",Lyon,", ",,"), "town", "missing"),
        (GOOD.replace(",FR,", ",,"), "country", "missing"),
    ],
)
def test_each_bad_row_kind_is_named_and_nothing_imported(db, row, field, words):
    text = "\n".join([HEADER, GOOD.replace("C100", "C101").replace("M-C100", "M-C101"), row])
    with pytest.raises(InvalidInputs) as caught:
        import_customers(db, text, today=TODAY)
    [problem] = caught.value.problems
    assert problem.record.endswith("line 3")
    assert problem.field == field
    assert words in problem.reason
    assert count(db, Customer) == 0 and count(db, Mandate) == 0


def test_duplicates_in_the_file_and_in_the_database(db):
    import_customers(db, f"{HEADER}\n{GOOD}\n", today=TODAY)
    twice = GOOD.replace("C100", "C200", 1)  # same mandate reference as the stored one
    text = "\n".join([HEADER, twice, twice.replace("M-C100", "M-C200")])
    with pytest.raises(InvalidInputs) as caught:
        import_customers(db, text, today=TODAY)
    found = {(p.record.rsplit(" ", 1)[-1], p.field) for p in caught.value.problems}
    assert found == {("2", "mandate_id"), ("3", "customer_id")}
    assert count(db, Customer) == 1


def test_every_bad_row_is_listed_not_just_the_first(db):
    bad_iban = GOOD.replace("0189", "0188")
    text = "\n".join([HEADER, bad_iban, bad_iban.replace("C100", "C101").replace("M-C100", "M")])
    with pytest.raises(InvalidInputs) as caught:
        import_customers(db, text, today=TODAY)
    assert [p.record.rsplit(" ", 1)[-1] for p in caught.value.problems] == ["2", "3"]
    assert "nothing changed" in str(caught.value)


def test_dry_run_imports_nothing(db):
    result = import_customers(db, f"{HEADER}\n{GOOD}\n", today=TODAY, dry_run=True)
    assert result.customers == 1 and result.dry_run
    assert count(db, Customer) == 0


def test_customer_without_mandate(db):
    import_customers(db, f"{HEADER}\nC300,Sans Mandat,,,,,Lyon,FR,,,,\n", today=TODAY)
    assert (count(db, Customer), count(db, Mandate)) == (1, 0)


def test_missing_column_is_refused(db):
    with pytest.raises(Exception, match="missing column"):
        import_customers(db, "customer_id,name\nC1,X\n", today=TODAY)
