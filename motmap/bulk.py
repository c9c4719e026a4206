"""Set a few fields of many rows in one statement: UPDATE ... FROM (VALUES ...).

Django's bulk_update writes a CASE WHEN per field and row, which costs seconds of Python for
thousands of rows; this sends the values as a table and joins on the primary key. Same SQL on
PostgreSQL and SQLite (3.33+); PostgreSQL gets the column types as casts.
"""

from django.db import connection


def bulk_set(model, objs, fields, **constants):
    """Write `fields` of `objs` (by primary key), and `constants` (field=value) to all of them.

    One statement on PostgreSQL; on SQLite as many as its cap on parameters needs. Bypasses
    save(), signals and auto_now: callers set what they need. Returns the number of rows.
    """
    if not objs:
        return 0
    meta = model._meta
    qn = connection.ops.quote_name
    table, pk = qn(meta.db_table), meta.pk
    columns = [meta.get_field(name) for name in fields]
    fixed = [(meta.get_field(name), value) for name, value in constants.items()]
    cast = connection.vendor == "postgresql"

    def slot(field):
        return f"CAST(%s AS {field.db_type(connection)})" if cast else "%s"

    row_sql = "(" + ", ".join(slot(f) for f in (pk, *columns)) + ")"
    names = ", ".join(["pk", *(f"c{i}" for i in range(len(columns)))])
    assignments = [f"{qn(f.column)} = v.c{i}" for i, f in enumerate(columns)]
    assignments += [f"{qn(f.column)} = %s" for f, _ in fixed]
    fixed_params = [f.get_db_prep_value(value, connection) for f, value in fixed]
    size = connection.ops.bulk_batch_size([pk, *columns, *(f for f, _ in fixed)], objs)
    written = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            params = []
            for obj in chunk:
                params += [
                    f.get_db_prep_value(getattr(obj, f.attname), connection) for f in (pk, *columns)
                ]
            # Only names from the model's meta and placeholders are formatted into the SQL.
            values = ", ".join([row_sql] * len(chunk))
            sql = (
                f"WITH v({names}) AS (VALUES {values}) UPDATE {table} "  # noqa: S608
                f"SET {', '.join(assignments)} FROM v WHERE {table}.{qn(pk.column)} = v.pk"
            )
            cursor.execute(sql, [*params, *fixed_params])
            written += cursor.rowcount
    return written
