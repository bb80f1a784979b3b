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
