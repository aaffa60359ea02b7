"""The notices' RFC 2047 headers: byte for byte what ``email.header.Header(...).encode()``
gives, whichever path renders them, and rendered without ``Header`` when the encoded value
fits on the line (the subjects of a large return file: issue 17)."""

from __future__ import annotations

from datetime import date
from email.header import Header

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sepa_batch import notices

NAMES = ("Subject", "From", "To", "Message-ID", "X-A-Rather-Long-Header-Name-For-Folding")


def header_by_email_header(name: str, value: str) -> str:
    """What the notices wrote before issue 17: short ASCII as it is, every other header by
    ``email.header``."""
    if value.isascii() and len(name) + 2 + len(value) <= notices.MAX_LINE:
        return f"{name}: {value}\n"
    charset = "us-ascii" if value.isascii() else "utf-8"
    return f"{name}: {Header(value, charset, header_name=name).encode()}\n"


SUBJECTS = [
    "Prélèvement SEPA du 05/12/2026 : 57,00 EUR",
    "Prélèvement SEPA du 20/11/2026 : 64,37 EUR",
    "Prélèvement SEPA du 05/12/2026 : 1234,56 EUR",  # folds by one character
    "Prélèvement SEPA du 05/12/2026 : 123456,78 EUR",
    "Deuxième rappel: 60.00 EUR overdue",
    "Rappel : 60,00 EUR en retard",
    "Deuxième rappel avant la suspension de l'accès à l'établissement : 64,37 EUR en retard",
    "SEPA direct debit on 2026-12-05: 57.00 EUR",
    "A plain ASCII subject that is long enough to be folded by the header encoder, twice over "
    "and then some more words to be sure",
    "=?utf-8?q?looks_encoded?= but is not — é",
    "=?utf-8?q?looks_encoded?=",
    "Ελληνικά: προειδοποίηση πληρωμής 57,00 EUR",
    "Оплата по подписке: 57,00 EUR — спасибо",
    "会費の口座振替のお知らせ 57,00 EUR",
    "😀 emoji subject 57,00 EUR 😀",
    "é" * 40,
    "x" * 60 + "é",
    "é",
    " leading and trailing spaces é ",
    "tab\tinside é",
    "vertical\x0btab é",  # str.splitlines() splits here: email.header makes two lines
    "form\x0cfeed é",
    "line\u2028separator é",
    "next\x85line é",
    "underscore_and=equals?question é",
    "Trésorerie du Club <tresorerie@club.example>",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("value", SUBJECTS)
def test_headers_are_what_email_header_gives(name, value):
    assert notices._header(name, value) == header_by_email_header(name, value)


@settings(max_examples=400, deadline=None)
@given(
    name=st.sampled_from(NAMES),
    value=st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=120
    ),
)
@example(name="Subject", value="Prélèvement SEPA du 05/12/2026 : 9999,99 EUR")
def test_any_header_is_what_email_header_gives(name, value):
    assert notices._header(name, value) == header_by_email_header(name, value)


@settings(deadline=None)
@given(
    amount=st.integers(0, 10**9),
    day=st.dates(date(2000, 1, 1), date(2099, 12, 31)),
    language=st.sampled_from(("fr", "en")),
)
def test_every_prenotification_subject_is_what_email_header_gives(amount, day, language):
    subject = notices.TEXTS[language]["prenotification_subject"].format(
        due=notices._format_day(day, language), amount=notices._money(amount, language)
    )
    assert notices._header("Subject", subject) == header_by_email_header("Subject", subject)


def test_a_subject_that_fits_on_the_line_is_encoded_without_email_header(monkeypatch):
    def refused(*args, **kwargs):
        raise AssertionError("email.header.Header used for a one-line subject")

    monkeypatch.setattr(notices, "Header", refused)
    for cents in range(5700, 5800):  # all different: no cache can answer
        subject = f"Prélèvement SEPA du 05/12/2026 : {cents // 100},{cents % 100:02d} EUR"
        assert notices._header("Subject", subject).startswith("Subject: =?utf-8?q?Pr=C3=A9l")


def test_a_french_prenotification_is_byte_identical():
    """Rendered by the code before issue 17 (``email.header`` for every encoded header)."""
    text = notices.prenotification(
        language="fr", sender="Trésorerie du Club <tresorerie@club.example>",
        creditor="Club Sportif Étoile", creditor_id="FR72ZZZ123456", name="Élodie Martin",
        email="elodie.martin@example.fr", amount_cents=6437, due=date(2026, 12, 5),
        label="Re-présentation Abonnement 24 mois 11/2026", mandate="RUM-0000000007",
        day=date(2026, 12, 1), line_id=42,
    )  # fmt: skip
    assert text == (
        "From: =?utf-8?q?Tr=C3=A9sorerie_du_Club?= <tresorerie@club.example>\n"
        "To: elodie.martin@example.fr\n"
        "Subject: =?utf-8?q?Pr=C3=A9l=C3=A8vement_SEPA_du_05/12/2026_=3A_64=2C37_EUR?=\n"
        "Date: Tue, 01 Dec 2026 00:00:00 +0000\n"
        "Message-ID: <prenotification-42@sepa-batch>\n"
        'Content-Type: text/plain; charset="utf-8"\n'
        "Content-Transfer-Encoding: quoted-printable\n"
        "MIME-Version: 1.0\n"
        "\n"
        "Bonjour =C3=89lodie Martin,\n"
        "\n"
        "Nous vous informons qu'un pr=C3=A9l=C3=A8vement SEPA de 64,37 EUR sera pr=\n"
        "=C3=A9sent=C3=A9 sur votre compte le 05/12/2026.\n"
        "Il correspond =C3=A0 : Re-pr=C3=A9sentation Abonnement 24 mois 11/2026.\n"
        "\n"
        "R=C3=A9f=C3=A9rence unique du mandat (RUM) : RUM-0000000007\n"
        "Identifiant cr=C3=A9ancier SEPA (ICS) : FR72ZZZ123456\n"
        "\n"
        "Cordialement,\n"
        "Club Sportif =C3=89toile\n"
    )


def test_a_long_french_dunning_subject_is_folded_as_before():
    text = notices.dunning_letter(
        language="fr", sender="Trésorerie du Club <tresorerie@club.example>",
        creditor="Club Sportif Étoile", name="Zoë Groß-Bäcker", email="m7@example.org",
        title="Deuxième rappel avant la suspension de l'accès à l'établissement",
        overdue_cents=6437, since=date(2026, 11, 20), day=date(2026, 12, 5),
        lines=[("Re-présentation Abonnement 24 mois 11/2026", date(2026, 11, 20), 6437)],
        notice_key="M00000007-20261120-level2", fee_cents=700,
    )  # fmt: skip
    assert text.split("Date:")[0] == (
        "From: =?utf-8?q?Tr=C3=A9sorerie_du_Club?= <tresorerie@club.example>\n"
        "To: m7@example.org\n"
        "Subject: =?utf-8?q?Deuxi=C3=A8me_rappel_avant_la_suspension_de_l=27acc=C3=A8?=\n"
        " =?utf-8?q?s_=C3=A0_l=27=C3=A9tablissement_=3A_64=2C37_EUR_en_retard?=\n"
    )
