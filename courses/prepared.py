"""Querysets compiled once per process, then run with new ids: the few reads that every learner request makes.

For a small query, Django spends far more CPU turning the queryset into SQL than the database spends answering it:
her enrolment in a course with its cohort and whether she completed the lesson (``enrolment_for``) took 1.1 ms to
build and compile on this machine and a fraction of that to run, on a lesson page that costs 4 ms in all. A
``PreparedQuery`` builds the queryset once per process and database connection (with stand-in ids), keeps the SQL
and the compiler's description of the columns, and on each call runs that SQL with the real ids through Django's
own row-to-model code (``ModelIterable``: ``select_related`` and annotations included). The results are the same
model instances the queryset gives; ``tests/courses/test_prepared.py`` compares both on many inputs.

Only integer arguments (ids), and only querysets whose SQL does not depend on them (no ``__in`` lists, no
``None``): each argument must reach the SQL as one or more parameters equal to it, which is checked when the query
is compiled. Built on Django 5.2's compiler (``execute_sql`` calls ``as_sql`` once, ``ModelIterable`` reads
``select``, ``klass_info`` and ``annotation_col_map``); the pinned version is tested.
"""

import copy
import inspect
from collections.abc import Callable
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

# Stand-in ids for compiling, distinct from each other: near the top of a 32-bit column's range (Django's lookups
# answer "no rows" without SQL for a value outside the column's range, so a bigger or negative stand-in compiles to
# nothing on PostgreSQL's integer columns), and far beyond any id this platform will reach.
_SENTINEL_BASE = 2_147_483_000
_SMALLEST_ID, _LARGEST_ID = -(2**63), 2**63 - 1  # a 64-bit signed integer (SQLite refuses more)


@dataclass(frozen=True)
class _Compiled:
    queryset: QuerySet  # the one built with stand-in ids: its model, query and kind of results (values_list…)
    compiler: object  # an SQLCompiler that ran as_sql() once: select, klass_info, annotation_col_map are set
    sql: str
    params: tuple
    slots: tuple[tuple[int, str], ...]  # (position in params, argument name)


class _BoundQuery:
    """What the result iterables ask of ``queryset.query``: our compiler (with the SQL already made), and for the
    rest (the names of a ``values_list``) the compiled query itself, which nothing here changes."""

    def __init__(self, compiler, query):
        self.compiler = compiler
        self.query = query

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        return self.compiler

    def __getattr__(self, name):
        return getattr(self.query, name)


class PreparedQuery:
    """``PreparedQuery(lambda user, course: Enrolment.objects.filter(user_id=user, course_id=course))``; then
    ``query(user=5, course=7)`` gives the list that ``list(queryset)`` gives: model instances, or the rows of a
    ``values_list`` (flat or not)."""

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self.names = tuple(inspect.signature(build).parameters)
        self._compiled: dict[tuple, _Compiled] = {}

    def _compile(self, using: str) -> _Compiled:
        sentinels = {name: _SENTINEL_BASE + index for index, name in enumerate(self.names)}
        queryset = self.build(**sentinels).using(using)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        by_value = {value: name for name, value in sentinels.items()}
        slots = tuple((position, by_value[value]) for position, value in enumerate(params) if value in by_value)
        missing = set(self.names) - {name for _, name in slots}
        if missing:
            raise ValueError(f"PreparedQuery: {sorted(missing)} do not reach the SQL as parameters")
        return _Compiled(queryset, compiler, sql, tuple(params), slots)

    def first(self, *, using: str = DEFAULT_DB_ALIAS, **values: int):
        """The first result, or None (for a query of one row at most: by id, or by a unique pair)."""
        found = self(using=using, **values)
        return found[0] if found else None

    def forget(self) -> None:
        """Compile again at the next call (a setting the SQL depends on changed, such as the user model)."""
        self._compiled.clear()

    def __call__(self, *, using: str = DEFAULT_DB_ALIAS, **values: int) -> list:
        connection = connections[using]
        key = (using, connection.vendor, connection.settings_dict["NAME"])
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(using)
        params = list(compiled.params)
        for position, name in compiled.slots:
            value = values[name]
            if type(value) is not int:  # noqa: E721  (bool and other int subclasses are not ids)
                raise TypeError(f"PreparedQuery: {name} must be an int, not {type(value).__name__}")
            if not _SMALLEST_ID <= value <= _LARGEST_ID:
                return []  # no row has such an id (the ORM says the same: an empty result, no database error)
            params[position] = value
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connection  # the calling thread's connection, not the one that compiled
        sql = compiled.sql
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        template = compiled.queryset
        queryset = QuerySet(model=template.model, query=_BoundQuery(compiler, template.query), using=using)
        queryset._iterable_class, queryset._fields = template._iterable_class, template._fields
        return list(queryset)
