"""Time-based notifications: session reminders, daily summaries, weekly staff summaries and retries.

Run it every few minutes from cron or a systemd timer (README, "Avisos por correo"); running it twice, or on two
machines at once, sends nothing twice. ``--loop SECONDS`` keeps it running (``make run`` does, for the demo)."""

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from learners.notifications.scheduler import notifications_tick


class Command(BaseCommand):
    help = "Envía los recordatorios de sesiones, los resúmenes y los reintentos de avisos pendientes."

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=int, default=0, help="Repetir cada N segundos (desarrollo).")

    def handle(self, *args, loop: int = 0, **options):
        while True:
            tick = notifications_tick()
            if options["verbosity"] > 1 or tick.queued or tick.digests or tick.retried:
                self.stdout.write(
                    f"avisos: {tick.queued} nuevos, {tick.digests} resúmenes diarios, {tick.retried} reintentos"
                )
            if not loop:
                return
            close_old_connections()
            time.sleep(loop)
