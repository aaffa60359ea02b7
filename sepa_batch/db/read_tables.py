"""The columns the fast read-only commands read, as light SQLAlchemy Core tables.

``sepa-batch ledger`` reads through Core (``Database.reading``) so that it starts without the
ORM and the declarative schema (issue 17). These tables name only the columns it reads, with
the types of ``sepa_batch.db.schema`` (a test checks that every column here is the schema's, of
the same type): the schema stays the one description of the database.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Date, Integer, String, Text, column, table

customers = table("customers", column("id", Integer), column("code", String))

ledger_lines = table(
    "ledger_lines",
    column("id", Integer),
    column("customer_id", Integer),
    column("kind", String),
    column("date", Date),
    column("label", String),
    column("amount_cents", BigInteger),
    column("mode", String),
    column("due_date", Date),
    column("status", String),
    column("paid_on", Date),
    column("represents_id", Integer),
    column("end_to_end_id", String),
    column("reason_code", String),
    column("held_by_return_id", Integer),
)

return_items = table("return_items", column("id", Integer), column("review_reason", Text))

TABLES = (customers, ledger_lines, return_items)
