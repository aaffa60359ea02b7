"""SEPA direct-debit batches for clubs (see README.md)."""

#: The one place the version is written (pyproject.toml reads it): ``--version`` prints it
#: without importing ``importlib.metadata`` (a quarter of a second at start-up).
__version__ = "0.1.0"
