"""Customers, mandates and articles as a club gives them: the CSV imports and the amendments.

- ``customer_rows``: one row of ``customers.csv`` checked (customer, mandate, migration);
- ``customers_import``: the first import (``customers import``);
- ``member_list``: a season's list imported again (``customers import --update``);
- ``amendment``: a mandate's new IBAN, BIC or reference (``mandate update``);
- ``articles``: the articles (``articles import``);
- ``fields``: the checks of one field.

Imports are all-or-nothing: every bad row is listed (line number, field, why) and nothing is
written. The names below are what the commands, the back office and the demo call.
"""

from __future__ import annotations

from sepa_batch.identifiers import mask_iban
from sepa_batch.services.master_data.amendment import update_mandate
from sepa_batch.services.master_data.articles import ARTICLE_COLUMNS, import_articles
from sepa_batch.services.master_data.customer_rows import CUSTOMER_COLUMNS
from sepa_batch.services.master_data.customers_import import import_customers

__all__ = [
    "ARTICLE_COLUMNS",
    "CUSTOMER_COLUMNS",
    "import_articles",
    "import_customers",
    "mask_iban",
    "update_mandate",
]
