"""Read queries compiled once by the ORM and run with new values on every request (issue 18: cheap learner pages).

For a query whose shape never changes — only the id it is about — the ORM spends most of its CPU building the
queryset and compiling it to SQL again on every call ("Mis cursos" ran four such queries per request, each costing
more to compile than the database took to answer it). ``CompiledQuery`` lets the ORM build and compile the query
once per process and database alias, from a function that returns the ``values_list`` queryset for given ids,
called with stand-in ids that it then finds among the compiled parameters. Every call runs that SQL with the real
ids and applies the ORM's own converters to the rows: the same tuples ``list(queryset)`` gives.

It is not a cache: the database is read on every call, so what another request wrote shows at once. Only integer
parameters (ids) vary; every other value in the query is fixed when it is compiled.
"""

import threading
from collections.abc import Callable
from weakref import WeakSet

from django.core.signals import setting_changed
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ValuesListIterable

# Stand-in ids, one per parameter: negative, so no row has them, and unlikely to equal a value written in a query.
STAND_IN = -7_319_000_000_000_001

_every: "WeakSet[CompiledQuery]" = WeakSet()


class CompiledQuery:
    """``CompiledQuery(Model, lambda user_id: Model.objects.filter(user_id=user_id).values_list(…))``; then
    ``query.rows(user_id)`` is ``list(build(user_id))``, compiled once."""

    def __init__(self, model: type[Model], build: Callable[..., QuerySet]):
        self.model = model
        self.build = build
        self._compiled: dict[tuple[str, int], tuple] = {}
        self._lock = threading.Lock()
        _every.add(self)

    def _compile(self, alias: str, arity: int) -> tuple:
        stand_ins = [STAND_IN - index for index in range(arity)]
        queryset = self.build(*stand_ins).using(alias)
        if queryset._iterable_class is not ValuesListIterable:
            raise TypeError("CompiledQuery takes a values_list() queryset (not flat, not named)")
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        slots = []
        for value in params:
            if isinstance(value, int) and value in stand_ins:
                slots.append((True, stand_ins.index(value)))
            else:
                slots.append((False, value))
        missing = {index for index in range(arity)} - {value for is_arg, value in slots if is_arg}
        if missing or any(str(stand_in) in sql for stand_in in stand_ins) or compiler.has_extra_select:
            # an id the ORM wrote into the SQL text or left out, or columns added for the ordering: not one shape
            raise RuntimeError(f"{self.model.__name__}: this query cannot be compiled once ({sql!r}, {params!r})")
        expressions = [expression for expression, _sql, _alias in compiler.select[: compiler.col_count]]
        # {position: (converter functions, expression)}, as the ORM applies them to each row it reads
        converters = list(compiler.get_converters(expressions).items())
        return sql, slots, converters

    def rows(self, *ids: int) -> list[tuple]:
        alias = router.db_for_read(self.model)
        key = (alias, len(ids))
        compiled = self._compiled.get(key)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(key) or self._compile(alias, len(ids))
                self._compiled[key] = compiled
        sql, slots, converters = compiled
        params = [ids[value] if is_arg else value for is_arg, value in slots]
        connection = connections[alias]  # this thread's
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not converters:
            return [tuple(row) for row in rows]
        converted = []
        for row in rows:
            values = list(row)
            for position, (functions, expression) in converters:
                value = values[position]
                for function in functions:
                    value = function(value, expression, connection)
                values[position] = value
            converted.append(tuple(values))
        return converted

    def forget(self) -> None:
        self._compiled.clear()


def _forget_compiled(setting, **kwargs) -> None:
    """Tests that change the databases or the time zone get queries compiled for those."""
    if setting in ("DATABASES", "USE_TZ", "TIME_ZONE"):
        for query in list(_every):
            query.forget()


setting_changed.connect(_forget_compiled)
