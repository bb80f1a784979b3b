"""One-row writes of the hottest paths with their SQL written once per process (issue 18: CPU per request).

For an xAPI statement, composing the same few statements through the ORM cost more CPU than PostgreSQL spent running
them. Reads go through ``courses.prepared.PreparedQuery`` (the ORM compiles the queryset once); the writes here are
one row's ``INSERT``, ``UPDATE`` by primary key or ``DELETE`` by equal fields, their SQL written once per (model,
columns, alias) from the model's metadata, the values prepared by the fields (``get_db_prep_save``) as
``Model.save`` does. They send no ``pre_save``/``post_save``/``post_delete`` signal and apply no default nor
``auto_now``: only for models that have no receiver of their own (H5P statements, attempts, saved state).

Use these only where a profile shows the ORM's composing cost matters, with the ORM everywhere else.
"""

from collections.abc import Callable
from typing import Any

from django.core.signals import setting_changed
from django.db import connections, models, router

_statements: dict[tuple, str] = {}


def _statement(key: tuple, write: Callable[[], str]) -> str:
    """The SQL under ``key``, written by ``write()`` the first time."""
    sql = _statements.get(key)
    if sql is None:
        sql = _statements[key] = write()
    return sql


def insert_row(
    model: type[models.Model],
    values: dict[str, Any],
    *,
    unless_conflict: tuple[str, ...] = (),
    returning: str | None = None,
    using: str | None = None,
) -> Any:
    """INSERT one row of ``model`` (``values``: attribute name → Python value); True when it was inserted, or with
    ``returning`` (a field name, e.g. ``"id"``) that column's value (None when nothing was inserted). Every column
    must be given: fields' defaults and ``auto_now`` are not applied.

    ``unless_conflict`` names the fields of a unique constraint: a row that would break it is not inserted
    (``ON CONFLICT (…) DO NOTHING``, PostgreSQL and SQLite ≥ 3.24) and False (None) is returned, with no error that
    would spoil the surrounding transaction. Other violations raise IntegrityError as ``save`` would. No signals are
    sent and no instance is built (see the module docstring).
    """
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    fields = [model._meta.get_field(name) for name in values]

    def write() -> str:
        quote = connection.ops.quote_name
        conflict = [_column(model, name, connection) for name in unless_conflict]
        columns = ", ".join(_column(model, field.name, connection) for field in fields)
        sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        if conflict:
            sql += f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
        if returning:
            sql += f" RETURNING {_column(model, returning, connection)}"
        return sql

    sql = _statement(("insert", model, tuple(values), unless_conflict, returning, alias), write)
    params = [field.get_db_prep_save(value, connection) for field, value in zip(fields, values.values(), strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if returning:
            row = cursor.fetchone()
            return row[0] if row is not None else None
        return cursor.rowcount != 0


def update_row(model: type[models.Model], pk: Any, values: dict[str, Any], *, using: str | None = None) -> int:
    """UPDATE the row ``pk`` of ``model`` with ``values`` (attribute name → Python value), as
    ``save(update_fields=…)`` writes them but without its signals nor ``auto_now``; the rows changed (0 or 1)."""
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    fields = [model._meta.get_field(name) for name in values]

    def write() -> str:
        assignments = ", ".join(f"{_column(model, field.name, connection)} = %s" for field in fields)
        table = connection.ops.quote_name(model._meta.db_table)
        return f"UPDATE {table} SET {assignments} WHERE {_column(model, model._meta.pk.name, connection)} = %s"

    sql = _statement(("update", model, tuple(values), alias), write)
    params = [field.get_db_prep_save(value, connection) for field, value in zip(fields, values.values(), strict=True)]
    params.append(model._meta.pk.get_db_prep_value(pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def delete_rows(model: type[models.Model], *, using: str | None = None, **equals: Any) -> int:
    """DELETE the rows of ``model`` whose fields equal ``equals`` (ids, strings), without the collector's cascades
    or signals: only for models that nothing references and no receiver watches. The number of rows deleted."""
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    fields = [model._meta.get_field(name) for name in equals]

    def write() -> str:
        if model._meta.related_objects:
            raise ValueError(f"delete_rows cannot delete {model.__name__}: other rows refer to it")
        conditions = " AND ".join(f"{_column(model, field.name, connection)} = %s" for field in fields)
        return f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)} WHERE {conditions}"

    sql = _statement(("delete", model, tuple(equals), alias), write)
    params = [field.get_db_prep_value(value, connection) for field, value in zip(fields, equals.values(), strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _column(model: type[models.Model], name: str, connection) -> str:
    field = model._meta.get_field(name)
    if not field.concrete or hasattr(field, "get_placeholder"):
        raise ValueError(f"{model.__name__}.{name} cannot be written here: use the ORM")
    return connection.ops.quote_name(field.column)


def _forget(setting, **kwargs) -> None:
    """Tests that change the databases or the time zone get freshly compiled SQL."""
    if setting in ("DATABASES", "USE_TZ", "TIME_ZONE"):
        _statements.clear()


setting_changed.connect(_forget)
