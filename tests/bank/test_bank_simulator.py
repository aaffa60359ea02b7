"""The simulated bank: which debits it refuses or returns, and what its answer files say.

The answers are parsed here with plain lxml and compared with the submitted pain.008, also
parsed here, so the tests do not lean on the simulator's own reader.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta

import holidays
import pytest
from bank.bank_sim_inputs import FIRST_DAY, SECOND_DAY, build_pain008
from lxml import etree

from sepa_batch.bank.simulator import REJECT_REASONS, RETURN_REASONS, simulate, write_answer
from sepa_batch.errors import InvalidInput, RefusedFile
from sepa_batch.money import parse_amount

# -- reading XML by local name ------------------------------------------------------------


def _all(element, path: str) -> list:
    return element.findall("/".join(f"{{*}}{step}" for step in path.split("/")))


def _text(element, path: str) -> str:
    return element.find("/".join(f"{{*}}{step}" for step in path.split("/"))).text


def _cents(element, path: str) -> int:
    return parse_amount(_text(element, path))


def _submitted(pain008: bytes) -> dict:
    """MsgId, version and, per PmtInf, its CtrlSum, date and {EndToEndId: (cents, mandate)}."""
    root = etree.fromstring(pain008)
    initiation = root.find("{*}CstmrDrctDbtInitn")
    blocks = {}
    for block in _all(initiation, "PmtInf"):
        blocks[_text(block, "PmtInfId")] = {
            "ctrl_sum": _cents(block, "CtrlSum"),
            "date": date.fromisoformat(_text(block, "ReqdColltnDt")),
            "debits": {
                _text(tx, "PmtId/EndToEndId"): (
                    _cents(tx, "InstdAmt"),
                    _text(tx, "DrctDbtTx/MndtRltdInf/MndtId"),
                )
                for tx in _all(block, "DrctDbtTxInf")
            },
        }
    return {
        "msg_id": _text(initiation, "GrpHdr/MsgId"),
        "version": re.search(r"pain\.008\.001\.\d\d", root.nsmap[None]).group(0),
        "blocks": blocks,
    }


def _debits(submitted: dict) -> dict:
    return {e2e: d for b in submitted["blocks"].values() for e2e, d in b["debits"].items()}


def _block_of(submitted: dict, end_to_end_id: str) -> dict:
    return next(b for b in submitted["blocks"].values() if end_to_end_id in b["debits"])


def _some(debits: dict, rate: float) -> float:
    """``rate`` for a file of many debits; certainty for a one-debit sample."""
    return rate if len(debits) > 10 else 1.0


_TARGET2_CLOSED = holidays.financial_holidays("XECB", years=range(2010, 2031))


def _open(day: date) -> bool:
    return day.weekday() < 5 and day not in _TARGET2_CLOSED


def _business_days_between(start: date, end: date) -> int:
    """TARGET2 business days in (start, end]."""
    return sum(_open(start + timedelta(days=n)) for n in range(1, (end - start).days + 1))


# -- determinism --------------------------------------------------------------------------


def test_same_file_and_seed_give_identical_bytes(pain008):
    first = simulate(pain008, reject_rate=0.3, return_rate=0.3, seed=7)
    second = simulate(pain008, reject_rate=0.3, return_rate=0.3, seed=7)
    assert first == second


def test_another_seed_changes_the_rejects(sepaxml_08):
    first = simulate(sepaxml_08, reject_rate=0.1, seed=1)
    second = simulate(sepaxml_08, reject_rate=0.1, seed=2)
    assert first.rejected and second.rejected
    assert set(first.rejected) != set(second.rejected)


def test_another_file_with_the_same_seed_gets_other_rejects():
    january = simulate(build_pain008("pain.008.001.08", msg_id="CLUB-JAN"), reject_rate=0.1)
    february = simulate(build_pain008("pain.008.001.08", msg_id="CLUB-FEB"), reject_rate=0.1)
    assert set(january.rejected) != set(february.rejected)


# -- fates --------------------------------------------------------------------------------


def test_rejected_and_returned_are_disjoint_debits_of_the_file(pain008):
    answer = simulate(pain008, reject_rate=0.3, return_rate=0.3, seed=3)
    submitted_ids = set(_debits(_submitted(pain008)))
    assert set(answer.rejected) <= submitted_ids
    assert set(answer.returned) <= submitted_ids
    assert not set(answer.rejected) & set(answer.returned)


@pytest.mark.parametrize("schema", ["pain.008.001.02", "pain.008.001.08"])
def test_rates_are_roughly_honoured(schema):
    answer = simulate(build_pain008(schema), reject_rate=0.5, return_rate=0.3, seed=11)
    assert 60 <= len(answer.rejected) <= 140
    assert 30 <= len(answer.returned) <= 90


def test_zero_rates_give_no_status_report_and_no_notification(pain008):
    answer = simulate(pain008, reject_rate=0, return_rate=0)
    assert (answer.pain002, answer.camt054, answer.rejected, answer.returned) == (
        None,
        None,
        (),
        (),
    )
    assert answer.camt053


def test_reason_codes_come_from_the_tables_and_insufficient_funds_dominates(sepaxml_08):
    refused = etree.fromstring(simulate(sepaxml_08, reject_rate=1, return_rate=0).pain002)
    returned = etree.fromstring(simulate(sepaxml_08, reject_rate=0, return_rate=1).camt054)
    reject_codes = Counter(c.text for c in refused.iterfind(".//{*}TxInfAndSts//{*}Rsn/{*}Cd"))
    return_codes = Counter(c.text for c in returned.iterfind(".//{*}RtrInf/{*}Rsn/{*}Cd"))
    assert set(reject_codes) <= {code for code, _, _ in REJECT_REASONS}
    assert set(return_codes) <= {code for code, _, _ in RETURN_REASONS}
    assert reject_codes.most_common(1)[0][0] == "AM04"
    assert return_codes.most_common(1)[0][0] == "AM04"
    assert sum(reject_codes.values()) == sum(return_codes.values()) == 200


# -- pain.002 -----------------------------------------------------------------------------


def test_status_report_lists_each_rejected_debit_with_its_original_data(pain008):
    submitted = _submitted(pain008)
    debits = _debits(submitted)
    answer = simulate(pain008, reject_rate=_some(debits, 0.4), return_rate=0, seed=5)
    report = etree.fromstring(answer.pain002).find("{*}CstmrPmtStsRpt")
    group = report.find("{*}OrgnlGrpInfAndSts")
    assert _text(group, "OrgnlMsgId") == submitted["msg_id"]
    assert _text(group, "OrgnlMsgNmId") == submitted["version"]
    everything_refused = len(answer.rejected) == len(debits)
    assert _text(group, "GrpSts") == ("RJCT" if everything_refused else "PART")
    listed = []
    for block in _all(report, "OrgnlPmtInfAndSts"):
        original = submitted["blocks"][_text(block, "OrgnlPmtInfId")]
        transactions = _all(block, "TxInfAndSts")
        whole_block = len(transactions) == len(original["debits"])
        assert _text(block, "PmtInfSts") == ("RJCT" if whole_block else "PART")
        for tx in transactions:
            end_to_end_id = _text(tx, "OrgnlEndToEndId")
            listed.append(end_to_end_id)
            assert _text(tx, "TxSts") == "RJCT"
            assert _text(tx, "StsRsnInf/Rsn/Cd")
            reference = tx.find("{*}OrgnlTxRef")
            amount, mandate = debits[end_to_end_id]
            assert _cents(reference, "Amt/InstdAmt") == amount
            assert _text(reference, "MndtRltdInf/MndtId") == mandate
            assert _text(reference, "ReqdColltnDt") == original["date"].isoformat()
            assert _text(reference, "Dbtr/Pty/Nm")
            assert _text(reference, "DbtrAcct/Id/IBAN")
    assert sorted(listed) == sorted(answer.rejected)


def test_a_fully_rejected_file_is_rjct_at_every_level(sepaxml_02):
    report = etree.fromstring(simulate(sepaxml_02, reject_rate=1, return_rate=0).pain002)
    assert [s.text for s in report.iterfind(".//{*}GrpSts")] == ["RJCT"]
    assert {s.text for s in report.iterfind(".//{*}PmtInfSts")} == {"RJCT"}


def test_rejects_are_reported_the_business_day_before_collection(sepaxml_08):
    answer = simulate(sepaxml_08, reject_rate=0.2, seed=4)
    created = date.fromisoformat(_text(etree.fromstring(answer.pain002), "*/GrpHdr/CreDtTm")[:10])
    assert created < FIRST_DAY and _open(created)
    assert _business_days_between(created, FIRST_DAY) == 1


# -- camt.054 -----------------------------------------------------------------------------


def _return_entries(answer) -> list:
    return etree.fromstring(answer.camt054).findall(".//{*}Ntfctn/{*}Ntry")


def test_notification_lists_each_returned_debit_once(pain008):
    submitted = _submitted(pain008)
    debits = _debits(submitted)
    answer = simulate(pain008, reject_rate=0, return_rate=_some(debits, 0.4), seed=9)
    entries = _return_entries(answer)
    assert sorted(_text(e, "NtryDtls/TxDtls/Refs/EndToEndId") for e in entries) == sorted(
        answer.returned
    )
    for entry in entries:
        tx = entry.find("{*}NtryDtls/{*}TxDtls")
        end_to_end_id = _text(tx, "Refs/EndToEndId")
        assert _text(entry, "CdtDbtInd") == "DBIT"
        assert _text(entry, "Sts") == "BOOK"
        assert _text(entry, "BkTxCd/Domn/Fmly/SubFmlyCd") == "UPDD"
        assert _text(tx, "Refs/MsgId") == submitted["msg_id"]
        assert _text(tx, "Refs/PmtInfId") in submitted["blocks"]
        assert _text(tx, "Refs/MndtId") == debits[end_to_end_id][1]
        assert _cents(tx, "AmtDtls/InstdAmt/Amt") == debits[end_to_end_id][0]
        assert _text(tx, "RtrInf/Rsn/Cd")


def test_a_charged_return_costs_the_amount_plus_the_charge(sepaxml_08):
    answer = simulate(sepaxml_08, reject_rate=0, return_rate=0.5, charge_cents=450, seed=2)
    charges = []
    for entry in _return_entries(answer):
        tx = entry.find("{*}NtryDtls/{*}TxDtls")
        charge = sum(parse_amount(a.text) for a in tx.iterfind("{*}Chrgs/{*}Amt"))
        charges.append(charge)
        assert _cents(entry, "Amt") == _cents(tx, "AmtDtls/InstdAmt/Amt") + charge
    assert set(charges) == {0, 450}  # charge_rate 0.5: some returns charged, some not


def test_returns_are_booked_two_to_five_business_days_after_collection(sepaxml_02):
    answer = simulate(sepaxml_02, reject_rate=0, return_rate=0.5, seed=6)
    submitted = _submitted(sepaxml_02)
    delays = set()
    for entry in _return_entries(answer):
        booked = date.fromisoformat(_text(entry, "BookgDt/Dt"))
        collected = _block_of(submitted, _text(entry, "NtryDtls/TxDtls/Refs/EndToEndId"))["date"]
        delays.add(_business_days_between(collected, booked))
        assert _open(booked)
    assert delays <= {2, 3, 4, 5} and len(delays) > 1


# -- camt.053 -----------------------------------------------------------------------------


def _statements(answer) -> list:
    return etree.fromstring(answer.camt053).findall(".//{*}Stmt")


def test_each_block_is_credited_its_control_sum_less_its_rejects(pain008):
    answer = simulate(pain008, reject_rate=0.3, return_rate=0.2, seed=8)
    submitted = _submitted(pain008)
    debits = _debits(submitted)
    credited = {}
    for statement in _statements(answer):
        for entry in _all(statement, "Ntry"):
            if _text(entry, "CdtDbtInd") == "CRDT":
                batch = entry.find("{*}NtryDtls/{*}Btch")
                pmt_inf_id = _text(batch, "PmtInfId")
                assert _text(batch, "MsgId") == submitted["msg_id"]
                assert pmt_inf_id in _text(entry, "AddtlNtryInf")
                assert _cents(batch, "TtlAmt") == _cents(entry, "Amt")
                day = date.fromisoformat(_text(entry, "BookgDt/Dt"))
                assert day == submitted["blocks"][pmt_inf_id]["date"]
                credited[pmt_inf_id] = _cents(entry, "Amt")
    for pmt_inf_id, block in submitted["blocks"].items():
        refused = sum(debits[e2e][0] for e2e in answer.rejected if e2e in block["debits"])
        assert credited.get(pmt_inf_id, 0) == block["ctrl_sum"] - refused


def _balance(statement, kind: str) -> int:
    for balance in _all(statement, "Bal"):
        if _text(balance, "Tp/CdOrPrtry/Cd") == kind:
            sign = 1 if _text(balance, "CdtDbtInd") == "CRDT" else -1
            return sign * _cents(balance, "Amt")
    raise AssertionError(f"no {kind} balance")


def test_statement_balances_add_up_across_days(sepaxml_08):
    answer = simulate(sepaxml_08, reject_rate=0.1, return_rate=0.2, seed=12)
    statements = _statements(answer)
    assert [_text(s, "FrToDt/FrDtTm")[:10] for s in statements] == [
        FIRST_DAY.isoformat(),
        SECOND_DAY.isoformat(),
    ]
    for statement in statements:
        movement = sum(
            _cents(e, "Amt") * (1 if _text(e, "CdtDbtInd") == "CRDT" else -1)
            for e in _all(statement, "Ntry")
        )
        assert _balance(statement, "CLBD") == _balance(statement, "OPBD") + movement
    # Returns booked between the two statement days lower the second opening balance.
    between = sum(
        _cents(e, "Amt")
        for e in _return_entries(answer)
        if FIRST_DAY < date.fromisoformat(_text(e, "BookgDt/Dt")) < SECOND_DAY
    )
    assert between > 0
    assert _balance(statements[1], "OPBD") == _balance(statements[0], "CLBD") - between


# -- files, options and bad input ---------------------------------------------------------


def test_write_answer_writes_the_files_that_exist(tmp_path, sepaxml_08):
    source = tmp_path / "club-2026-12.xml"
    source.write_bytes(sepaxml_08)
    options = {"reject_rate": 0.2, "return_rate": 0.2, "seed": 1}
    written = write_answer(source, tmp_path / "bank", **options)
    answer = simulate(sepaxml_08, **options)
    assert [p.name for p in written] == [
        "club-2026-12.pain002.xml",
        "club-2026-12.camt054.xml",
        "club-2026-12.camt053.xml",
    ]
    assert [p.read_bytes() for p in written] == [answer.pain002, answer.camt054, answer.camt053]
    quiet = write_answer(source, tmp_path / "quiet", reject_rate=0, return_rate=0)
    assert [p.name for p in quiet] == ["club-2026-12.camt053.xml"]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"reject_rate": -0.1}, "reject_rate"),  # a negative probability
        ({"return_rate": 1.5}, "return_rate"),  # above one
        ({"reject_rate": 0.6, "return_rate": 0.6}, "return_rate"),  # fates overlap
        ({"charge_rate": 2}, "charge_rate"),
        ({"charge_cents": -300}, "charge_cents"),
    ],
)
def test_bad_options_are_refused(sepaxml_08, options, field):
    with pytest.raises(InvalidInput) as error:
        simulate(sepaxml_08, **options)
    assert error.value.field == field


@pytest.mark.parametrize(
    "content",
    [
        b"not xml at all",  # not XML
        b"<Document><CstmrCdtTrfInitn/></Document>",  # a credit transfer, not a direct debit
    ],
)
def test_unreadable_files_are_refused(content):
    with pytest.raises(RefusedFile):
        simulate(content)


def test_a_debit_without_end_to_end_id_is_named(sepaxml_08):
    broken = re.sub(rb"<EndToEndId>E2E-00007</EndToEndId>", b"", sepaxml_08)
    with pytest.raises(InvalidInput) as error:
        simulate(broken)
    assert error.value.field == "PmtId/EndToEndId"


def test_entities_are_not_expanded(sepaxml_08):
    hostile = sepaxml_08.replace(
        b"?>", b'?><!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/hostname">]>', 1
    ).replace(b"<Nm>Membre Numero 0</Nm>", b"<Nm>Membre &x;</Nm>")
    answer = simulate(hostile, reject_rate=1, return_rate=0)
    report = etree.fromstring(answer.pain002)
    names = [n.text for n in report.iterfind(".//{*}OrgnlTxRef/{*}Dbtr/{*}Pty/{*}Nm")]
    assert "Membre" in names  # the entity reference was dropped, not resolved
