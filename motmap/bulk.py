"""Set a few fields of many rows in one statement: UPDATE ... FROM (VALUES ...); copy rows in
one INSERT ... SELECT.

Django's bulk_update writes a CASE WHEN per field and row, which costs seconds of Python for
thousands of rows; this sends the values as a table and joins on the primary key. Same SQL on
PostgreSQL and SQLite (3.33+); PostgreSQL gets the column types as casts.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models import Func, Lookup, Q, QuerySet
from django.db.models.functions import Cast


def _column(field: object) -> tuple[models.Field, str]:
    """A field that is a column of the table, and the column's name; anything else (a reverse
    relation, a field without a column) cannot be set this way."""
    if not isinstance(field, models.Field) or field.column is None:
        raise TypeError(f"{field} is not a column")
    return field, field.column


class RandomUUID(Func):
    """A new random UUID (version 4) made by the database, in the form a UUIDField stores: the
    primary key of rows written by INSERT ... SELECT, without a Python object or a parameter
    per row. PostgreSQL's gen_random_uuid(); on SQLite, the same layout from randomblob()."""

    template = "gen_random_uuid()"
    output_field = models.UUIDField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # 32 hex digits (no dashes, as Django stores a UUID on SQLite): 12 random, the
        # version 4, 3 random, the variant (8, 9, a or b), 15 random.
        template = (
            "lower(hex(randomblob(6)) || '4' || substr(hex(randomblob(2)), 2) "
            "|| substr('89ab', 1 + (abs(random()) & 3), 1) || substr(hex(randomblob(2)), 2) "
            "|| hex(randomblob(6)))"
        )
        return self.as_sql(compiler, connection, template=template, **extra)


class AnyOf(Lookup):
    """`column = ANY(%s)` with the values as one array (PostgreSQL), filter(AnyOf(F("name"),
    values)): thousands of values without a parameter each, nor Django preparing each one;
    values already of the column's type. Elsewhere a plain IN (...), within the caller's cap
    on parameters."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            raise EmptyResultSet
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


def stored_key(name: str = "pk") -> Cast:
    """A key column read as the database stores it, as text (a UUID: its text on PostgreSQL,
    its 32 hex digits on SQLite), to read thousands of keys without a UUID object each and to
    send them back to update_rows, set_rows or insert_rows as they are."""
    return Cast(name, output_field=models.TextField())


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
    meta = model._meta
    attnames = [meta.pk.attname, *(_column(meta.get_field(name))[0].attname for name in fields)]
    rows = [[getattr(obj, name) for name in attnames] for obj in objs]
    return update_rows(model, fields, rows, **constants)


def update_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[object]],
    **constants: object,
) -> int:
    """set_rows without returning the keys (nothing to send back): the number of rows
    written."""
    return _update(model, fields, rows, None, constants, returning=False)[1]


def set_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    where: Q | None = None,
    **constants: object,
) -> list[Any]:
    """Write `fields` from `rows` (each: primary key, then one value per field), and
    `constants` (field=value) to all of them, and return the primary keys of the rows written:
    UPDATE ... FROM (VALUES ...) ... RETURNING. Bypasses save(), signals and auto_now.

    `where` (a Q on the model's own columns) keeps the rows that no longer match unwritten. It
    is a claim: on PostgreSQL a row another transaction changed meanwhile is checked again
    once its lock is free, so of two callers with the same rows each row goes to one. As many
    statements as the cap on parameters needs (one on PostgreSQL for a batch of hundreds).
    """
    return _update(model, fields, rows, where, constants, returning=True)[0]


def _update(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[object]],
    where: Q | None,
    constants: dict[str, object],
    *,
    returning: bool,
) -> tuple[list[Any], int]:
    """UPDATE ... FROM (VALUES ...): the keys written (when `returning`) and their number."""
    if not rows:
        return [], 0
    meta = model._meta
    qn = connection.ops.quote_name
    table, (pk, pk_column) = qn(meta.db_table), _column(meta.pk)
    columns = [_column(meta.get_field(name)) for name in fields]
    written_fields = [pk, *(f for f, _name in columns)]
    fixed = [(*_column(meta.get_field(name)), value) for name, value in constants.items()]
    compiled = [_constant(model, f, value, cast=False) for f, _c, value in fixed]
    assignments = ", ".join(
        # A VALUES list names its columns column1, column2, ... on PostgreSQL and SQLite.
        [f"{qn(column)} = v.column{i + 2}" for i, (_f, column) in enumerate(columns)]
        + [
            f"{qn(column)} = {sql}"
            for (_f, column, _v), (sql, _p) in zip(fixed, compiled, strict=True)
        ]
    )
    fixed_params = [param for _sql, params in compiled for param in params]
    condition, condition_params = _where(model, where)
    size = connection.ops.bulk_batch_size([*written_fields, *(f for f, _c, _v in fixed)], rows)
    prepare = [_preparer(f) for f in written_fields]
    written: list[Any] = []
    count = 0
    returned = f" RETURNING {table}.{qn(pk_column)}" if returning else ""
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            params: list[Any] = [
                prep(value) for row in chunk for prep, value in zip(prepare, row, strict=True)
            ]
            # Only names from the model's meta and placeholders are formatted into the SQL.
            sql = (
                f"UPDATE {table} SET {assignments} "  # noqa: S608
                f"FROM (VALUES {_values(written_fields, len(chunk))}) AS v "
                f"WHERE {table}.{qn(pk_column)} = v.column1{condition}{returned}"
            )
            cursor.execute(sql, [*fixed_params, *params, *condition_params])
            count += cursor.rowcount
            if returning:
                written += [pk.to_python(value) for (value,) in cursor.fetchall()]
    return written, count


def _values(fields: Sequence[models.Field], count: int) -> str:
    """The rows of a VALUES list of `count` rows of `fields`, as placeholders. On PostgreSQL
    the first row casts each value to its column's type, which the other rows then take (a
    VALUES column has the type of its first typed value): a cast per row would make a
    statement of thousands of rows several times longer to send and to parse."""
    plain = "(" + ", ".join(["%s"] * len(fields)) + ")"
    if connection.vendor != "postgresql":
        return ", ".join([plain] * count)
    typed = "(" + ", ".join(f"CAST(%s AS {f.db_type(connection)})" for f in fields) + ")"
    return ", ".join([typed, *[plain] * (count - 1)])


def _preparer(field: models.Field) -> Callable[[Any], Any]:
    """`field.get_db_prep_value` on this connection, remembering each value's result: the
    values set on many rows repeat (the same time, the same state), the keys do not."""
    wrapper = connections[DEFAULT_DB_ALIAS]  # not the proxy: it is asked once per value
    prep = field.get_db_prep_value
    if field.primary_key or field.is_relation:  # keys: each value once
        # A key read as the database stores it (stored_key) is sent as it is: no UUID made
        # or quoted per row.
        return lambda value: value if isinstance(value, str) else prep(value, wrapper)
    seen: dict[Any, Any] = {}

    def prepared(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            seen[value] = result = prep(value, wrapper)
            return result
        except TypeError:  # not hashable
            return prep(value, wrapper)

    return prepared


def _constant(
    model: type[models.Model], field: models.Field, value: object, *, cast: bool
) -> tuple[str, list[Any]]:
    """SQL and parameters for a value written to every row: an expression (F("version") + 1,
    RandomUUID()) compiled against the model's table, or a placeholder (cast to the column's
    type on PostgreSQL when `cast`)."""
    if hasattr(value, "resolve_expression"):
        query = model._base_manager.all().query
        resolved = value.resolve_expression(query, allow_joins=False, for_save=True)
        sql, params = query.get_compiler(connection=connection).compile(resolved)
        return sql, list(params)
    placeholder = (
        f"CAST(%s AS {field.db_type(connection)})"
        if cast and connection.vendor == "postgresql"
        else "%s"
    )
    return placeholder, [field.get_db_prep_value(value, connection)]


def _where(model: type[models.Model], where: Q | None) -> tuple[str, list[Any]]:
    """` AND (...)` and its parameters for a Q on the model's own columns ("", [] for None)."""
    if where is None:
        return "", []
    query = model._base_manager.filter(where).query
    sql, params = query.where.as_sql(query.get_compiler(connection=connection), connection)
    if len(query.alias_map) > 1:
        raise ValueError(f"{where} reaches beyond {model._meta.db_table}")
    return f" AND ({sql})", list(params)


def insert_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[object]],
    **constants: object,
) -> int:
    """Insert `rows` (each: one value per field), with `constants` (field=value) in every one:
    INSERT ... SELECT ... FROM (VALUES ...), each constant sent once per statement.

    Bypasses save(), signals and field defaults: `fields` and `constants` name every column
    the rows need, the primary key too. As many statements as the cap on parameters needs (one
    on PostgreSQL). Returns the number of rows.
    """
    if not rows:
        return 0
    meta = model._meta
    qn = connection.ops.quote_name
    columns = [_column(meta.get_field(name)) for name in fields]
    fixed = [(*_column(meta.get_field(name)), value) for name, value in constants.items()]
    compiled = [_constant(model, f, value, cast=True) for f, _c, value in fixed]
    targets = ", ".join(qn(c) for c in [*(c for _f, c in columns), *(c for _f, c, _v in fixed)])
    # A VALUES list names its columns column1, column2, ... on PostgreSQL and SQLite alike.
    selected = ", ".join(
        [*(f"v.column{i}" for i in range(1, len(columns) + 1)), *(sql for sql, _p in compiled)]
    )
    fixed_params = [param for _sql, params in compiled for param in params]
    cap = connection.features.max_query_params
    size = len(rows) if cap is None else max(1, (cap - len(fixed_params)) // len(columns))
    preps = [_preparer(f) for f, _c in columns]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            params = [prep(value) for row in chunk for prep, value in zip(preps, row, strict=True)]
            # Only names from the model's meta and placeholders are formatted into the SQL.
            sql = (
                f"INSERT INTO {qn(meta.db_table)} ({targets}) SELECT {selected} "  # noqa: S608
                f"FROM (VALUES {_values([f for f, _c in columns], len(chunk))}) AS v"
            )
            cursor.execute(sql, [*fixed_params, *params])
    return len(rows)


def insert_from(model: type[models.Model], fields: Sequence[str], rows: QuerySet[Any]) -> int:
    """INSERT INTO model (fields) SELECT ...: copy `rows` (a values_list of the same length as
    `fields`, constants as Value(...)) into new rows of `model`, in one statement, without a
    Python object per row. `model`'s primary key must be made by the database. Returns the
    number of rows written."""
    meta = model._meta
    qn = connection.ops.quote_name
    columns = ", ".join(qn(_column(meta.get_field(name))[1]) for name in fields)
    try:
        select, params = rows.query.sql_with_params()
    except EmptyResultSet:  # e.g. pk__in=[]: nothing to copy
        return 0
    with connection.cursor() as cursor:
        # Only names from the model's meta and the queryset's own SQL are formatted in.
        cursor.execute(f"INSERT INTO {qn(meta.db_table)} ({columns}) {select}", params)  # noqa: S608
        return cursor.rowcount


def add_counts(
    model: type[models.Model],
    keys: dict[str, object],
    counts: dict[str, int],
    **constants: object,
) -> None:
    """Add `counts` (field=n) to the row of `model` with `keys` (field=value, the fields of a
    unique constraint), making the row, with `constants` too, if there is none: one INSERT ...
    ON CONFLICT DO UPDATE SET n = n + excluded.n, on PostgreSQL and SQLite alike. Two writers
    adding at once both count: the database serialises them on the row, nothing is read."""
    add_counts_to_rows(model, [(keys, counts)], **constants)


def add_counts_to_rows(
    model: type[models.Model],
    rows: Sequence[tuple[dict[str, object], dict[str, int]]],
    **constants: object,
) -> None:
    """add_counts for many rows at once: [(keys, counts), ...], every one naming the same
    fields, in as few statements as the database's cap on parameters allows (one on
    PostgreSQL for thousands of rows). The rows' keys must differ; a count must not be
    negative (the row to insert is checked against the table's constraints first)."""
    if not rows:
        return
    meta = model._meta
    qn = connection.ops.quote_name
    first_keys, first_counts = rows[0]
    key_fields = [_column(meta.get_field(name)) for name in first_keys]
    count_fields = [_column(meta.get_field(name)) for name in first_counts]
    fixed_fields = [_column(meta.get_field(name)) for name in constants]
    written = [*key_fields, *fixed_fields, *count_fields]
    columns = ", ".join(qn(c) for _f, c in written)
    row_placeholders = "(" + ", ".join(["%s"] * len(written)) + ")"
    conflict = ", ".join(qn(c) for _f, c in key_fields)
    table = qn(meta.db_table)
    added = ", ".join(f"{qn(c)} = {table}.{qn(c)} + excluded.{qn(c)}" for _f, c in count_fields)
    cap = connection.features.max_query_params
    per_statement = len(rows) if cap is None else max(1, cap // len(written))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            part = rows[start : start + per_statement]
            params = []
            for keys, counts in part:
                values = [*keys.values(), *constants.values(), *counts.values()]
                params += [
                    f.get_db_prep_value(v, connection)
                    for (f, _c), v in zip(written, values, strict=True)
                ]
            placeholders = ", ".join([row_placeholders] * len(part))
            # Only names from the model's meta and placeholders are formatted into the SQL.
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {placeholders} "  # noqa: S608
                f"ON CONFLICT ({conflict}) DO UPDATE SET {added}",
                params,
            )
