from unittest import mock

from django.db import connection
from django.test import SimpleTestCase

from learners.checks import check_sqlite_version


class SqliteVersionCheckTests(SimpleTestCase):
    databases = {"default"}

    def test_old_sqlite_is_reported(self):
        with mock.patch("learners.checks.sqlite3") as fake:
            fake.sqlite_version_info, fake.sqlite_version = (3, 31, 1), "3.31.1"
            errors = check_sqlite_version(databases=["default"])
        if connection.vendor == "sqlite":
            self.assertEqual([error.id for error in errors], ["learners.E001"])
        else:
            self.assertEqual(errors, [])

    def test_this_machine_passes(self):
        self.assertEqual(check_sqlite_version(databases=["default"]), [])
