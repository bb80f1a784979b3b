"""gunicorn settings for deploy/systemd/escuela-web.service (README, "Producción")."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# Threads: a worker serves another request while one waits on PostgreSQL or Redis, and keeps connections open
# (the sync worker closes each one after its response). What `make bench-pages-load` measures (README,
# "Rendimiento"). Each thread holds its own database connection: workers × threads connections.
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Keep-alive off by default: a kept-alive connection stays with the worker that accepted it, and gunicorn's accepts
# are not balanced, so 20 steady clients ended 19 on one worker and 1 on the other (one core idle, p99 doubled;
# `ss -tnp` during `make bench-pages-load`). Closing after each response lets the next request go to whichever
# worker is free. The load balancer in front keeps the browsers' connections open (README, "Producción").
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "0"))
timeout = 60
graceful_timeout = 30
accesslog = None  # one JSON line per request comes from the site itself (cms.ops.request_log)
errorlog = "-"


def child_exit(server, worker):
    """Prometheus multiprocess mode: forget the live gauges of a gunicorn worker that exited."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    """Once the application is loaded in a worker: its modules, templates and settings live as long as the process,
    so the garbage collector stops walking them (gc.freeze) and its full collections, which pause every thread of
    the worker, stay short. `make bench-pages-load` on the idle machine: p99 of the course page 245 -> 112 ms, of
    the lesson 163 -> 87 ms (README, "Rendimiento")."""
    import gc

    gc.collect()
    gc.freeze()
