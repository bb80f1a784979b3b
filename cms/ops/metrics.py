"""Prometheus metrics (prometheus-client): request latency and count by route and status, server errors, and the
depth of the task queue, at ``/metricas/`` for the operator only.

Under gunicorn each worker process keeps its own counters; with ``PROMETHEUS_MULTIPROC_DIR`` set (an empty folder,
created fresh on each start: deploy/systemd/escuela-web.service) they are written there and summed at scrape time
(prometheus-client's multiprocess mode; deploy/gunicorn.conf.py forgets the processes that exit).
"""

import os
import time

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

REQUESTS = Counter(
    "escuela_http_requests", "Requests answered, by method, route and status.", ["method", "route", "status"]
)
SERVER_ERRORS = Counter("escuela_http_server_errors", "Responses with a 5xx status, by route.", ["route"])
LATENCY = Histogram(
    "escuela_http_request_duration_seconds",
    "Time from the request reaching the site to its response, by method and route.",
    ["method", "route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0),
)


def observe_request(*, method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)
    if status >= 500:
        SERVER_ERRORS.labels(route).inc()


class QueueCollector:
    """The task queue, read from the database at scrape time (one query per state)."""

    def collect(self):
        from django_tasks_db.models import DBTaskResult

        from cms.ops.health import queue_uses_database

        if not queue_uses_database():
            return
        depth = GaugeMetricFamily("escuela_task_queue_depth", "Tasks waiting and due, by queue.", labels=["queue"])
        running = GaugeMetricFamily("escuela_task_queue_running", "Tasks running now, by queue.", labels=["queue"])
        oldest = GaugeMetricFamily(
            "escuela_task_queue_oldest_seconds", "Age of the oldest task waiting, by queue.", labels=["queue"]
        )
        ready = DBTaskResult.objects.ready()
        for queue, count in _counts(ready):
            depth.add_metric([queue], count)
        for queue, count in _counts(DBTaskResult.objects.running()):
            running.add_metric([queue], count)
        now = time.time()
        for queue in {queue for queue, _count in _counts(ready)}:
            first = ready.filter(queue_name=queue).order_by("enqueued_at").values_list("enqueued_at", flat=True)[:1]
            if first:
                oldest.add_metric([queue], max(0.0, now - first[0].timestamp()))
        yield depth
        yield running
        yield oldest


def _counts(queryset) -> list[tuple[str, int]]:
    from django.db.models import Count

    return list(queryset.order_by().values_list("queue_name").annotate(n=Count("pk")).values_list("queue_name", "n"))


def exposition() -> bytes:
    """The metrics page in Prometheus' text format: this process's (or every gunicorn process's) metrics, then the
    queue's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        own = generate_latest(registry)
    else:
        from prometheus_client import REGISTRY

        own = generate_latest(REGISTRY)
    queue = CollectorRegistry()
    queue.register(QueueCollector())
    return own + generate_latest(queue)
