import socket

from django.core.management.base import BaseCommand, CommandError
from django_tasks_db.management.commands import db_worker

from cms.ops import worker


class Command(BaseCommand):
    help = (
        "Run the background worker (django-tasks-db's db_worker loop) so that it survives: a lost database "
        "connection is closed and retried with back-off, a task cut off by it goes back to the queue, and on start "
        "the tasks this worker id left running are queued again. --processes N supervises N workers and restarts "
        "any that dies. Logs go to stderr."
    )

    def add_arguments(self, parser):
        parser.add_argument("--queue-name", default="default", help="Queues to process, comma-separated; '*' = all.")
        parser.add_argument("--exclude-queues", default="", help="Queues to leave out (with --queue-name='*').")
        parser.add_argument("--interval", type=db_worker.valid_interval, default=1.0, help="Seconds between polls.")
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")
        parser.add_argument("--max-tasks", type=db_worker.valid_max_tasks, default=None)
        parser.add_argument("--backend", dest="backend_name", type=db_worker.valid_backend_name, default="default")
        parser.add_argument("--no-startup-delay", action="store_false", dest="startup_delay")
        parser.add_argument(
            "--worker-id",
            type=db_worker.validate_worker_id,
            default=None,
            help=(
                "Stable id of this worker, unique among all workers of every server (default: the host name). "
                "A worker started again with the same id puts back in the queue the tasks it left running."
            ),
        )
        parser.add_argument(
            "--processes", type=int, default=0, help="Supervise this many worker processes (default: run here)."
        )
        parser.add_argument("--min-delay", type=float, default=1.0, help="First back-off after a failure (s).")
        parser.add_argument("--max-delay", type=float, default=60.0, help="Longest back-off (s).")
        parser.add_argument(
            "--heartbeat", type=float, default=10.0, help="Seconds between this worker's signs of life (default 10)."
        )
        parser.add_argument(
            "--lease",
            type=float,
            default=120.0,
            help=(
                "A task RUNNING under a worker silent for this many seconds (its machine is gone) goes back to the "
                "queue (default 120; keep it several heartbeats long)."
            ),
        )
        parser.add_argument("--supervised", action="store_true", help="(internal) started by --processes")

    def handle(self, *args, **options):
        queue_names = tuple(options["queue_name"].split(","))
        excluded = tuple(name for name in options["exclude_queues"].split(",") if name)
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        if options["processes"] < 0 or options["min_delay"] <= 0 or options["max_delay"] < options["min_delay"]:
            raise CommandError("--processes ≥ 0 and 0 < --min-delay ≤ --max-delay")
        if options["heartbeat"] <= 0 or options["lease"] < 2 * options["heartbeat"]:
            raise CommandError("--heartbeat > 0 and --lease ≥ 2 × --heartbeat")
        worker_id = options["worker_id"] or socket.gethostname()[:50]
        settings = worker.WorkerOptions(
            worker_id=worker_id,
            backend_name=options["backend_name"],
            queue_names=queue_names,
            excluded_queue_names=excluded,
            interval=options["interval"],
            batch=options["batch"],
            max_tasks=options["max_tasks"],
            startup_delay=options["startup_delay"],
            min_delay=options["min_delay"],
            max_delay=options["max_delay"],
            heartbeat_seconds=options["heartbeat"],
            lease_seconds=options["lease"],
        )
        worker.configure_logging(verbosity=options["verbosity"])
        if options["processes"]:
            child_argv = ["--supervised", "--queue-name", options["queue_name"], "--interval", str(settings.interval)]
            child_argv += ["--backend", settings.backend_name, "--min-delay", str(settings.min_delay)]
            child_argv += ["--max-delay", str(settings.max_delay), "--verbosity", str(options["verbosity"])]
            child_argv += ["--heartbeat", str(settings.heartbeat_seconds), "--lease", str(settings.lease_seconds)]
            if excluded:
                child_argv += ["--exclude-queues", options["exclude_queues"]]
            if settings.batch:
                child_argv.append("--batch")
            if not settings.startup_delay:
                child_argv.append("--no-startup-delay")
            worker.supervise(processes=options["processes"], options=settings, child_argv=child_argv)
            return
        if options["supervised"]:
            worker.stop_with_parent()
        worker.run_worker(settings)
