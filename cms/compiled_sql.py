"""Queries of the hottest paths with their SQL put together once per process (issue 18: CPU per request).

Building a QuerySet and compiling it costs far more CPU than PostgreSQL spends running a simple indexed query: for an
xAPI statement, about half of the application's CPU went into the ORM composing the same few statements again. The
two helpers here keep the ORM's own SQL, quoting and conversions, and skip the composing:

- ``CompiledSelect``: the ORM compiles the queryset once per database alias, with a unique placeholder value for each
  named parameter; each call runs that SQL with the real values and builds rows (or model instances, with
  ``Model.from_db`` and the ORM's converters, as iterating the queryset does). No cache: the database is read on every
  call.
- ``insert_row``, ``update_row`` and ``delete_rows``: one row's ``INSERT`` or ``UPDATE`` by primary key, or a
  ``DELETE`` by equal fields, their SQL written once per (model, columns, alias) from the model's metadata, the values
  prepared by the fields (``get_db_prep_save``) as ``Model.save`` does. They send no ``pre_save``/``post_save``/
  ``post_delete`` signal: only for models that have no receiver of their own (H5P statements, attempts, saved
  state).

Use these only where a profile shows the ORM's composing cost matters, with a plain queryset everywhere else.
"""

import itertools
import threading
from collections.abc import Callable
from typing import Any

from django.core.signals import setting_changed
from django.db import connections, models, router
from django.db.models.query import ModelIterable, QuerySet

# Placeholder values that no real parameter takes (ids are positive); each compiled parameter gets its own.
_sentinels = itertools.count(-9_000_000_001, -1)
_registry: list["CompiledSelect"] = []
_statements: dict[tuple, str] = {}
_lock = threading.Lock()


class CompiledSelect:
    """A SELECT that the ORM compiles once per database alias, run with new values for its named parameters.

    ``build`` receives one keyword argument per name in ``params`` and returns the queryset, e.g.
    ``CompiledSelect(lambda user_id: Enrolment.objects.filter(user_id=user_id).only("id"), "user_id")``. The
    parameters are integers (ids): each must reach the SQL unchanged and exactly once, which compiling checks.
    ``select_for_update()`` querysets are compiled inside the caller's transaction, like the ORM's.
    """

    def __init__(self, build: Callable[..., QuerySet], *params: str):
        self.build = build
        self.params = params
        self._compiled: dict[str, tuple] = {}
        _registry.append(self)

    def _compile(self, alias: str) -> tuple:
        sentinels = {name: next(_sentinels) for name in self.params}
        queryset = self.build(**sentinels).using(alias)
        if queryset._iterable_class is ModelIterable and queryset.query.select_related:
            raise ValueError("CompiledSelect does not follow select_related(): read the related rows on their own")
        compiler = queryset.query.get_compiler(using=alias)
        sql, sql_params = compiler.as_sql()
        positions = {}
        for name, value in sentinels.items():
            found = [index for index, param in enumerate(sql_params) if param == value]
            if len(found) != 1:
                raise ValueError(f"parameter {name!r} must appear once in the SQL, unchanged: {sql_params!r}")
            positions[found[0]] = name
        expressions = [expression for expression, _sql, _alias in compiler.select]
        converters = [
            (index, functions, expression)
            for index, (functions, expression) in compiler.get_converters(expressions).items()
        ]
        model = queryset.model if queryset._iterable_class is ModelIterable else None
        columns = [expression.target.attname for expression in expressions] if model is not None else None
        template = [None if index in positions else param for index, param in enumerate(sql_params)]
        return sql, template, positions, converters, model, columns

    def _run(self, values: dict[str, int], alias: str | None) -> tuple[list[list], tuple]:
        if set(values) != set(self.params):
            raise TypeError(f"expected the parameters {self.params!r}, got {sorted(values)!r}")
        alias = alias or "default"
        compiled = self._compiled.get(alias)
        if compiled is None:
            with _lock:
                compiled = self._compiled[alias] = self._compile(alias)
        sql, template, positions, converters, _model, _columns = compiled
        params = list(template)
        for index, name in positions.items():
            params[index] = int(values[name])
        connection = connections[alias]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = [list(row) for row in cursor.fetchall()]
        for row in rows:
            for index, functions, expression in converters:
                for function in functions:
                    row[index] = function(row[index], expression, connection)
        return rows, compiled

    def rows(self, *, using: str | None = None, **values: int) -> list[tuple]:
        """The rows, as ``values_list()`` gives them."""
        rows, _compiled = self._run(values, using)
        return [tuple(row) for row in rows]

    def instances(self, *, using: str | None = None, **values: int) -> list[models.Model]:
        """The model instances, as iterating the queryset gives them (fields left out by ``only()`` deferred)."""
        alias = using or "default"
        rows, compiled = self._run(values, alias)
        model, columns = compiled[4], compiled[5]
        if model is None:
            raise TypeError("instances() needs a queryset of model instances, not values()")
        return [model.from_db(alias, columns, row) for row in rows]

    def first(self, *, using: str | None = None, **values: int) -> models.Model | None:
        found = self.instances(using=using, **values)
        return found[0] if found else None


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
    key = ("insert", model, tuple(values), unless_conflict, returning, alias)
    sql = _statements.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        conflict = [_column(model, name, connection) for name in unless_conflict]
        columns = ", ".join(_column(model, field.name, connection) for field in fields)
        sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        if conflict:
            sql += f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
        if returning:
            sql += f" RETURNING {_column(model, returning, connection)}"
        _statements[key] = sql
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
    key = ("update", model, tuple(values), alias)
    sql = _statements.get(key)
    if sql is None:
        assignments = ", ".join(f"{_column(model, field.name, connection)} = %s" for field in fields)
        table = connection.ops.quote_name(model._meta.db_table)
        pk_column = _column(model, model._meta.pk.name, connection)
        sql = _statements[key] = f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s"
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
    key = ("delete", model, tuple(equals), alias)
    sql = _statements.get(key)
    if sql is None:
        if model._meta.related_objects:
            raise ValueError(f"delete_rows cannot delete {model.__name__}: other rows refer to it")
        conditions = " AND ".join(f"{_column(model, field.name, connection)} = %s" for field in fields)
        sql = _statements[key] = f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)} WHERE {conditions}"
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
        for query in _registry:
            query._compiled.clear()
        _statements.clear()


setting_changed.connect(_forget)
