"""The product's small exception hierarchy. Every message names the record and the field."""

from __future__ import annotations


class SepaBatchError(Exception):
    """Base of every error the product raises on purpose (exit status 1 on the CLI)."""


class InvalidInput(SepaBatchError):
    """Bad input: names the record (a row, a line, a key) and the field, and says why."""

    def __init__(self, record: str, field: str, reason: str):
        self.record = record
        self.field = field
        self.reason = reason
        super().__init__(f"{record}: {field}: {reason}")


class InvalidInputs(SepaBatchError):
    """Several bad inputs found together (e.g. every bad row of an import)."""

    def __init__(self, what: str, problems: list[InvalidInput]):
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{what}: {len(problems)} problem(s), nothing changed\n{lines}")


class NotFound(SepaBatchError):
    """A record named on the command line does not exist."""


class TransitionRefused(SepaBatchError):
    """A state change that the rules do not allow (pay a paid line, unpay twice, ...)."""


class RefusedFile(SepaBatchError):
    """A bank file that cannot be read safely: hostile, truncated, not XML, wrong message."""


class NotReady(SepaBatchError):
    """The machine, not the input: no database yet, a server that cannot be reached, a folder
    that cannot be written. The message says what to do."""
