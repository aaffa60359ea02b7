"""The light Core tables of the fast read-only commands (``db.read_tables``) are the schema's:
every column they name exists in ``db.schema`` with the same type."""

from sepa_batch.db import read_tables
from sepa_batch.db.schema import Base


def test_every_read_column_is_the_schemas_with_its_type():
    for light in read_tables.TABLES:
        table = Base.metadata.tables[light.name]
        for column in light.columns:
            assert column.name in table.columns, f"{light.name}.{column.name}"
            declared = type(table.columns[column.name].type)
            assert type(column.type) is declared, (light.name, column.name, declared)
