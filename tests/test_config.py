"""Configuration: the example file says what the defaults are; errors name the key."""

import pytest
from support import ROOT

from sepa_batch import config as config_module
from sepa_batch.errors import InvalidInput


def load_text(tmp_path, text):
    path = tmp_path / "sepa_batch.toml"
    path.write_text(text, encoding="utf-8")
    return config_module.load(path)


def test_the_example_file_equals_the_built_in_defaults(tmp_path):
    example = config_module.load(ROOT / "config" / "sepa_batch.example.toml")
    defaults = config_module.build(config_module.DEFAULTS, source="d", base=ROOT)
    for name in config_module.Config.__slots__:
        if name not in ("source",):
            assert getattr(example, name) == getattr(defaults, name), name


def test_no_file_gives_the_demo_creditor(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    loaded = config_module.load()
    assert loaded.creditor.creditor_id == "FR72ZZZ123456"
    assert loaded.database_url == f"sqlite:///{tmp_path / 'var' / 'sepa_batch.db'}"


def test_database_url_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SEPA_BATCH_DATABASE_URL", "sqlite:////elsewhere.db")
    assert load_text(tmp_path, "").database_url == "sqlite:////elsewhere.db"


@pytest.mark.parametrize(
    ("text", "key", "words"),
    [
        ('[creditor]\niban = "FR7630006000011234567890188"', "creditor.iban", "invalid IBAN"),
        ('[creditor]\nbic = "AGRIXXPP"', "creditor.bic", "invalid BIC"),
        ('[creditor]\ncreditor_id = "FR73ZZZ123456"', "creditor.creditor_id", "creditor id"),
        ('[creditor.address]\ntown = ""', "creditor.address.town", "must not be empty"),
        ('[bank]\npain008_version = "pain.008.003.02"', "bank.pain008_version", "not one of"),
        ("[bank]\nwant_frst = 1", "bank.want_frst", "expected bool"),
        ("[collection]\nday_of_month = 31", "collection.day_of_month", "between 1 and 28"),
        (
            '[[policy.rows]]\ncodes = ["AM04"]\naction = "retry"\nfee = true\nmode = "CHEQUE"\n'
            'date = "today"\nmax_direct_debit_tries = 0\nmandate = "keep"',
            "policy.rows[0].action",
            "not one of",
        ),
        ('[dunning]\nlanguage = "de"', "dunning.language", "not fr or en"),
    ],
)
def test_errors_name_the_key(tmp_path, text, key, words):
    with pytest.raises(InvalidInput) as caught:
        load_text(tmp_path, text)
    assert caught.value.field == key
    assert words in caught.value.reason


def test_a_code_in_two_policy_rows_is_refused(tmp_path):
    row = (
        '[[policy.rows]]\ncodes = ["AM04"]\naction = "unpaid"\nfee = true\nmode = "CHEQUE"\n'
        'date = "today"\nmax_direct_debit_tries = 0\nmandate = "keep"\n'
    )
    with pytest.raises(InvalidInput, match=r"already in policy\.rows"):
        load_text(tmp_path, row + row)


def test_syntax_error_names_the_file(tmp_path):
    with pytest.raises(InvalidInput) as caught:
        load_text(tmp_path, "[bank\n")
    assert caught.value.field == "syntax" and "sepa_batch.toml" in caught.value.record


def test_the_optional_smtp_section_is_known_and_a_typo_of_it_is_named(tmp_path):
    path = tmp_path / "sepa_batch.toml"
    path.write_text('[smtp]\nhost = "smtp.example.org"\nsender = "club@example.org"\n')
    assert config_module.load(path).smtp.host == "smtp.example.org"
    path.write_text('[smpt]\nhost = "smtp.example.org"\n')
    with pytest.raises(InvalidInput, match=r"smpt: unknown section; did you mean \[smtp\]"):
        config_module.load(path)


def test_without_the_creditor_everything_else_is_read_and_checked(tmp_path):
    """``load(creditor=False)`` (for a command that never uses the creditor) skips only the
    creditor: its identifiers are not checked; every other section is, as before."""
    path = tmp_path / "sepa_batch.toml"
    path.write_text('[creditor]\niban = "FR7630006000011234567890188"\n', encoding="utf-8")
    light = config_module.load(path, creditor=False)
    assert light.creditor is None
    whole = config_module.load(ROOT / "config" / "sepa_batch.example.toml")
    for name in config_module.Config.__slots__:
        if name not in ("source", "creditor", "folders", "database_url"):
            assert getattr(light, name) == getattr(whole, name), name
    path.write_text("[collection]\nday_of_month = 31\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        config_module.load(path, creditor=False)
    assert caught.value.field == "collection.day_of_month"
