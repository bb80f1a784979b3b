"""Readiness checks for ``/salud/listo/``: the database, the cache, the file storage and the task queue.

Each check returns a ``Check``; a failure says in Spanish what failed, never the exception (the page is public,
for the load balancer); the exception goes to the log.
"""

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

logger = logging.getLogger("cms.ops.health")


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    ms: float
    detail: str = ""
    data: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        body = {"ok": self.ok, "ms": round(self.ms, 1), **self.data}
        if self.detail:
            body["detalle"] = self.detail
        return body


def _timed(name: str, failure: str, probe: Callable[[], dict | None]) -> Check:
    began = time.perf_counter()
    try:
        data = probe() or {}
    except Exception:
        logger.exception("Readiness check %s failed", name)
        return Check(name=name, ok=False, ms=(time.perf_counter() - began) * 1000, detail=failure)
    ms = (time.perf_counter() - began) * 1000
    problem = data.pop("_problem", "")
    return Check(name=name, ok=not problem, ms=ms, detail=problem, data=data)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> dict | None:
    key, value = f"salud:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=30)
    read = cache.get(key)
    cache.delete(key)
    if read != value:
        return {"_problem": "La caché no devolvió lo que se guardó en ella."}
    return None


def _storage() -> dict | None:
    name = default_storage.save(f"salud/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name, "rb") as handle:
            if handle.read() != b"ok":
                return {"_problem": "El almacenamiento de archivos no devolvió lo que se guardó en él."}
    finally:
        default_storage.delete(name)
    return None


def queue_uses_database(backend_name: str = "default") -> bool:
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends[backend_name], DatabaseBackend)


def queue_depth() -> int:
    """Tasks waiting in the database queue that are due now."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.ready().count()


def _queue() -> dict:
    if not queue_uses_database():
        return {"aplica": False}
    depth, limit = queue_depth(), settings.OPS_QUEUE_DEPTH_LIMIT
    data = {"pendientes": depth, "limite": limit}
    if depth > limit:
        data["_problem"] = (
            f"La cola de tareas tiene {depth} tareas esperando, más que el límite de {limit}: "
            "revisa que los procesos de trabajo (run_worker) estén corriendo."
        )
    return data


def readiness() -> list[Check]:
    """Every check, in order; the site is ready when all pass."""
    return [
        _timed("base_de_datos", "No se pudo consultar la base de datos.", _database),
        _timed("cache", "No se pudo escribir ni leer en la caché.", _cache),
        _timed("almacenamiento", "No se pudo escribir ni borrar un archivo en el almacenamiento.", _storage),
        _timed("cola", "No se pudo contar la cola de tareas.", _queue),
    ]
