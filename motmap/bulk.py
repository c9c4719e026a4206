"""Set a few fields of many rows in one statement: UPDATE ... FROM (VALUES ...).

Django's bulk_update writes a CASE WHEN per field and row, which costs seconds of Python for
thousands of rows; this sends the values as a table and joins on the primary key. Same SQL on
PostgreSQL and SQLite (3.33+); PostgreSQL gets the column types as casts.
"""

from collections.abc import Sequence

from django.db import connection, models


def _column(field: object) -> tuple[models.Field, str]:
    """A field that is a column of the table, and the column's name; anything else (a reverse
    relation, a field without a column) cannot be set this way."""
    if not isinstance(field, models.Field) or field.column is None:
        raise TypeError(f"{field} is not a column")
    return field, field.column


def bulk_set(
    model: type[models.Model],
    objs: Sequence[models.Model],
    fields: Sequence[str],
    **constants: object,
) -> int:
    """Write `fields` of `objs` (by primary key), and `constants` (field=value) to all of them.

    One statement on PostgreSQL; on SQLite as many as its cap on parameters needs. Bypasses
    save(), signals and auto_now: callers set what they need. Returns the number of rows.
    """
    if not objs:
        return 0
    meta = model._meta
    qn = connection.ops.quote_name
    table, (pk, pk_column) = qn(meta.db_table), _column(meta.pk)
    columns = [_column(meta.get_field(name)) for name in fields]
    fixed = [(*_column(meta.get_field(name)), value) for name, value in constants.items()]
    cast = connection.vendor == "postgresql"

    def slot(field: models.Field) -> str:
        return f"CAST(%s AS {field.db_type(connection)})" if cast else "%s"

    written_fields = [pk, *(f for f, _name in columns)]
    row_sql = "(" + ", ".join(slot(f) for f in written_fields) + ")"
    names = ", ".join(["pk", *(f"c{i}" for i in range(len(columns)))])
    assignments = [f"{qn(column)} = v.c{i}" for i, (_f, column) in enumerate(columns)]
    assignments += [f"{qn(column)} = %s" for _f, column, _value in fixed]
    fixed_params = [f.get_db_prep_value(value, connection) for f, _name, value in fixed]
    size = connection.ops.bulk_batch_size([*written_fields, *(f for f, _c, _v in fixed)], objs)
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            params = []
            for obj in chunk:
                params += [
                    f.get_db_prep_value(getattr(obj, f.attname), connection) for f in written_fields
                ]
            # Only names from the model's meta and placeholders are formatted into the SQL.
            values = ", ".join([row_sql] * len(chunk))
            sql = (
                f"WITH v({names}) AS (VALUES {values}) UPDATE {table} "  # noqa: S608
                f"SET {', '.join(assignments)} FROM v WHERE {table}.{qn(pk_column)} = v.pk"
            )
            cursor.execute(sql, [*params, *fixed_params])
            written += cursor.rowcount
    return written
