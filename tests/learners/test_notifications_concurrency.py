"""The scheduler run from two processes at the same moment (as from two machines' cron) sends each reminder once.

On PostgreSQL the two runs are real processes on the test database (committed rows, so a TransactionTestCase);
on SQLite, whose test database lives in this process's memory, they run one after the other in this process and
must agree."""

import subprocess
import sys
import tempfile
from collections import Counter
from datetime import time, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test import TransactionTestCase, override_settings

from learners.enrolment import services as enrolment_services
from learners.enrolment.models import Enrolment
from learners.notifications.models import OutboxMessage
from learners.notifications.scheduler import notifications_tick
from tests.factories.courses import CourseIndexPageFactory, CoursePageFactory, ensure_site_baseline, site_root
from tests.factories.learners import learner, make_cohort
from tests.learners.test_notifications import DAY, at
from tests.smtp_server import SmtpServer

SCRIPT = Path(settings.BASE_DIR) / "tests" / "notifications_tick_process.py"
LEARNERS = 40


class TwoSchedulersTests(TransactionTestCase):
    def setUp(self):
        ensure_site_baseline()  # another transactional test's flush removed what migrations created
        catalogue = CourseIndexPageFactory(parent=site_root())
        course = CoursePageFactory(parent=catalogue, title="Presupuesto participativo")
        cohort = make_cohort(course=course, name="Grupo Ñuñoa")
        enrolment_services.session_create(
            cohort=cohort, date=DAY, start_time=time(18, 30), end_time=time(20, 30), place="Sede vecinal"
        )
        Enrolment.objects.bulk_create(
            [Enrolment(user=learner(), course=course, cohort=cohort) for _number in range(LEARNERS)]
        )

    def run_two(self, server, now) -> list[int]:
        if connection.vendor != "postgresql":
            with override_settings(**server.email_settings()):
                return [notifications_tick(now=now).queued, notifications_tick(now=now).queued]
        with tempfile.TemporaryDirectory() as folder:
            start = Path(folder) / "start"
            args = [sys.executable, str(SCRIPT), connection.settings_dict["NAME"], str(server.port), now.isoformat()]
            processes = [
                subprocess.Popen([*args, str(start)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _number in range(2)
            ]
            start.touch()
            results = [process.communicate(timeout=120) for process in processes]
        for process, (_out, err) in zip(processes, results, strict=True):
            self.assertEqual(process.returncode, 0, err)
        return [int(out.strip().splitlines()[-1]) for out, _err in results]

    def test_two_schedulers_at_once_send_each_reminder_once(self):
        now = at(DAY - timedelta(days=1), 19)
        with SmtpServer() as server:
            queued = self.run_two(server, now)
            again = self.run_two(server, now + timedelta(minutes=5))  # and both run again later: nothing new
        self.assertEqual(sum(queued), LEARNERS, queued)  # each row created by one of them
        self.assertEqual(again, [0, 0])
        arrived = Counter(rcpt for rcpts in server.recipients for rcpt in rcpts)
        self.assertEqual(len(arrived), LEARNERS)
        self.assertEqual(set(arrived.values()), {1})
        self.assertEqual(OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT).count(), LEARNERS)
