"""The systemd units shipped in deploy/systemd: each service restarts on its own, runs as a non-root user with the
environment file, and starts a command that exists in this project."""

import configparser
import gc
import os
import runpy
import shlex
from pathlib import Path
from unittest import mock

from django.core.management import get_commands
from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parents[3]
UNITS = ROOT / "deploy" / "systemd"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str
    parser.read(UNITS / name)
    return parser


class SystemdUnitTests(SimpleTestCase):
    def test_every_service_restarts_runs_unprivileged_and_reads_the_environment_file(self):
        services = sorted(path.name for path in UNITS.glob("*.service"))
        self.assertEqual(services, ["escuela-scheduler.service", "escuela-web.service", "escuela-worker.service"])
        for name in services:
            service = unit(name)["Service"]
            self.assertIn(service["Restart"], {"always", "on-failure"}, name)
            self.assertGreater(int(service["RestartSec"]), 0, name)
            self.assertNotIn(service.get("User", "root"), {"root", "0", ""}, name)
            self.assertEqual(service["EnvironmentFile"], "/etc/escuela/escuela.env", name)
            self.assertEqual(service["NoNewPrivileges"], "yes", name)

    def test_commands_exist(self):
        commands = get_commands()
        worker = shlex.split(unit("escuela-worker.service")["Service"]["ExecStart"])
        self.assertEqual(worker[1:3], ["manage.py", "run_worker"])
        self.assertIn("run_worker", commands)
        self.assertIn("--worker-id", worker)  # a stable id: a restarted worker requeues what it left running
        # notifications_tick is written on another branch (the notifications work); the unit only names it.
        scheduler = shlex.split(unit("escuela-scheduler.service")["Service"]["ExecStart"])
        self.assertEqual(scheduler[1:], ["manage.py", "notifications_tick"])
        web = shlex.split(unit("escuela-web.service")["Service"]["ExecStart"])
        self.assertEqual(web[1], "cms.wsgi:application")
        self.assertTrue((ROOT / "deploy" / "gunicorn.conf.py").is_file())
        self.assertIn(
            "PROMETHEUS_MULTIPROC_DIR=/run/escuela-metrics", unit("escuela-web.service")["Service"]["Environment"]
        )

    def test_the_timer_starts_the_scheduler(self):
        timer = unit("escuela-scheduler.timer")["Timer"]
        self.assertEqual(timer["Unit"], "escuela-scheduler.service")
        self.assertEqual(timer["Persistent"], "true")
        self.assertTrue(timer["OnCalendar"])


class GunicornSettingsTests(SimpleTestCase):
    """deploy/gunicorn.conf.py, read as gunicorn reads it (a Python file of settings and hooks)."""

    def settings(self, **environ):
        path = ROOT / "deploy" / "gunicorn.conf.py"
        with mock.patch.dict(os.environ, environ):
            namespace = runpy.run_path(str(path))
        return namespace

    def test_threads_and_connections_closed_after_each_response(self):
        settings = self.settings()
        self.assertEqual((settings["worker_class"], settings["workers"], settings["threads"]), ("gthread", 2, 4))
        self.assertEqual(settings["keepalive"], 0)  # kept-alive connections stay on one worker (README)
        self.assertEqual(self.settings(GUNICORN_KEEPALIVE="5")["keepalive"], 5)

    def test_a_worker_freezes_what_it_loaded(self):
        gc.unfreeze()
        self.addCleanup(gc.unfreeze)
        self.settings()["post_worker_init"](worker=None)
        self.assertGreater(gc.get_freeze_count(), 0)
