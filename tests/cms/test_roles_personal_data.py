"""The roles against the personal-data admin: the academy answers learners' requests; notices and the audit log
belong to administrators; instructors and coordinators see none of it."""

from django.urls import reverse

from tests.cms.roles_setup import RolesTestCase


class PersonalDataAdminTests(RolesTestCase):
    def status(self, user, url):
        self.client.force_login(user)
        response = self.client.get(url)
        if response.status_code == 302 and response["Location"].startswith(reverse("wagtailadmin_home")):
            return "refused"
        return "allowed" if response.status_code == 200 else response.status_code

    def test_matrix(self):
        urls = {
            "requests": reverse("learners_data_request:index"),
            "notices": reverse("learners_privacy_notice:index"),
            "audit": reverse("learners_audit:index"),
        }
        expected = {
            self.instructor: {"requests": "refused", "notices": "refused", "audit": "refused"},
            self.academy: {"requests": "allowed", "notices": "allowed", "audit": "refused"},
            self.coordinator: {"requests": "refused", "notices": "refused", "audit": "refused"},
            self.administrator: {"requests": "allowed", "notices": "allowed", "audit": "allowed"},
        }
        for user, rows in expected.items():
            for name, outcome in rows.items():
                with self.subTest(user=user.email, view=name):
                    self.assertEqual(self.status(user, urls[name]), outcome)


class RolesFromMigrationsTests(RolesTestCase):
    def test_the_migrations_grant_reports_and_data_requests(self):
        from django.contrib.auth.models import Group

        from cms import roles

        def codenames(name):
            return set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))

        self.assertTrue({"view_reports", "view_datarequest", "change_datarequest"} <= codenames(roles.ACADEMY))
        self.assertIn("view_reports", codenames(roles.COORDINATOR))
        self.assertNotIn("view_reports", codenames(roles.INSTRUCTOR))
        self.assertNotIn("view_auditevent", codenames(roles.ACADEMY))
