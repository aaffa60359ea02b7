"""The SEPA Latin character set: transliteration, identifiers, lengths (EPC IG, section 1.4)."""

from __future__ import annotations

import doctest

import pytest

from sepa_batch.errors import InvalidInput
from sepa_batch.sepa import charset
from sepa_batch.sepa.charset import is_sepa_text, to_sepa_id, to_sepa_text

TEXT_CASES = [
    # (text, max_len, expected)
    (
        "Jean-Luc O'Neil (club), n. 4/5 ? : +",
        70,
        "Jean-Luc O'Neil (club), n. 4/5 ? : +",
    ),  # all allowed
    ("Société Générale", 70, "Societe Generale"),  # French accents
    ("Émile Zola à Noël, garçon", 70, "Emile Zola a Noel, garcon"),  # capitals, cedilla
    ("Müller-Lüdenscheidt", 70, "Muller-Ludenscheidt"),  # umlauts: the EPC's first choice
    ("Straße", 70, "Strasse"),  # sharp s
    ("ÄÖÜ äöü", 70, "AOU aou"),  # every umlaut
    ("Øresund Ærø Åse", 70, "Oresund Aero Ase"),  # Danish, Norwegian, Swedish
    ("Þór Guðmundsson", 70, "Thor Gudmundsson"),  # Icelandic
    ("Łódź Świętokrzyska", 70, "Lodz Swietokrzyska"),  # Polish
    ("Œuvre de l'Été", 70, "Oeuvre de l'Ete"),  # ligature and apostrophe
    ("Dupont & Fils", 70, "Dupont + Fils"),  # ampersand becomes plus
    ("Société Générale & Fils — Müller", 70, "Societe Generale + Fils - Muller"),  # dash
    ("Stage 🎾 tennis ☀️", 70, "Stage tennis"),  # emoji dropped, spaces collapsed
    ("👍🏽", 70, ""),  # nothing left
    ('mail@club_1; #3 * 50% "vip"', 70, "mailclub1 3 50 vip"),  # left outside the set
    ("  a \t b\nc\u00a0d  ", 70, "a b c d"),  # tabs, new lines, no-break space
    ("n° 42 ©", 70, "n 42"),  # symbols (category So) dropped
    ("Prix 10 €", 70, "Prix 10 EUR"),  # currency sign spelt out
    ("x" * 80, 70, "x" * 70),  # cut to the maximum
    ("abcdef ghij", 7, "abcdef"),  # cut, no trailing space
    ("é" * 80, 70, "e" * 70),  # cut after transliteration
    ("", 70, ""),  # empty
]


@pytest.mark.parametrize(("text", "max_len", "expected"), TEXT_CASES)
def test_to_sepa_text(text, max_len, expected):
    result = to_sepa_text(text, max_len)
    assert result == expected
    assert is_sepa_text(result)
    assert len(result) <= max_len


ID_CASES = [
    # (text, max_len, expected)
    ("ABO-2026-0001", 35, "ABO-2026-0001"),  # already fine
    ("/ABO-1", 35, "ABO-1"),  # leading slash
    ("ABO-1/", 35, "ABO-1"),  # trailing slash
    ("ABO//2026///1", 35, "ABO/2026/1"),  # double slashes collapsed
    ("//ABO//2023/0009/", 35, "ABO/2023/0009"),  # all of it
    ("Réf. Müller & Co", 35, "Ref. Muller + Co"),  # transliterated like texts
    ("A" * 34 + "/B", 35, "A" * 34),  # cut leaves a trailing slash: stripped
    ("A" * 40, 35, "A" * 35),  # cut to 35
]


@pytest.mark.parametrize(("text", "max_len", "expected"), ID_CASES)
def test_to_sepa_id(text, max_len, expected):
    result = to_sepa_id(text, max_len)
    assert result == expected
    assert "//" not in result
    assert not result.startswith("/")
    assert not result.endswith("/")


@pytest.mark.parametrize("text", ["", "///", "🎾", " / / "])
def test_to_sepa_id_refuses_an_identifier_with_nothing_left(text):
    with pytest.raises(InvalidInput, match="end_to_end_id"):
        to_sepa_id(text, field="end_to_end_id")


IS_SEPA_CASES = [
    # (text, expected)
    ("Muller 12/B (x) ?:.,'+-", True),  # every special character
    ("", True),  # nothing outside the set
    ("Müller", False),  # umlaut
    ("a&b", False),  # ampersand
    ("a_b", False),  # underscore
    ("a\tb", False),  # tab
    ("a\nb", False),  # new line
]


@pytest.mark.parametrize(("text", "expected"), IS_SEPA_CASES)
def test_is_sepa_text(text, expected):
    assert is_sepa_text(text) is expected


def test_max_len_must_be_positive():
    with pytest.raises(ValueError):
        to_sepa_text("abc", 0)


def test_doctests():
    result = doctest.testmod(charset)
    assert result.attempted > 0
    assert result.failed == 0
