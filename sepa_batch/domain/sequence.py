"""The sequence type of a collection, from the mandate's history and the bank profile.

Since November 2016 a first collection may be sent as RCUR; some banks still want FRST
(a bank-profile setting). A rejected first collection does not use up the FRST.
"""

from __future__ import annotations

from sepa_batch.domain.model import SequenceType


def sequence_type(*, one_off: bool, first_used: bool, bank_wants_frst: bool) -> SequenceType:
    """
    >>> sequence_type(one_off=False, first_used=False, bank_wants_frst=True)
    <SequenceType.FRST: 'FRST'>
    >>> sequence_type(one_off=False, first_used=False, bank_wants_frst=False)
    <SequenceType.RCUR: 'RCUR'>
    """
    if one_off:
        return SequenceType.OOFF
    if bank_wants_frst and not first_used:
        return SequenceType.FRST
    return SequenceType.RCUR
