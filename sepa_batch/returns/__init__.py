"""Bank return files (pain.002, camt.052, camt.053, camt.054) read into plain records.

Pure: no database, no clock. :func:`parse_bytes` / :func:`parse_file` give a
:class:`ParsedFile` of :class:`ReturnItem`; :func:`inspect_document` its JSON form.
"""

from sepa_batch.returns.parse import parse_bytes, parse_file
from sepa_batch.returns.records import ParsedFile, ReturnItem, inspect_document

__all__ = ["ParsedFile", "ReturnItem", "inspect_document", "parse_bytes", "parse_file"]
