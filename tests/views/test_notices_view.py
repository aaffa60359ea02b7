"""``services.notices_view``: no notice listed before any is issued; a notice not written (or
of no known kind) is not found."""

from __future__ import annotations

import pytest

from sepa_batch.errors import NotFound
from sepa_batch.services import notices_view


def test_no_notice_yet(db):
    assert notices_view.notice_rows(db) == []


@pytest.mark.parametrize(("kind", "notice_id"), [("dunning", 1), ("prenotification", 1), ("x", 1)])
def test_a_notice_never_written_is_not_found(db, kind, notice_id):
    with pytest.raises(NotFound, match=f"{kind} notice {notice_id}: not found"):
        notices_view.written_notice(db, kind, notice_id)
