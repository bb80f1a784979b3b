"""The municipal coordinator (read-only) never sees an action she cannot use (issue 13, item 8): her "Asistencia"
page lists her municipality's sessions without "Tomar asistencia" links, the admin's session list offers the
link only to whoever may take attendance, and no link on any page she can open leads to a refusal or a 404."""

import re
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from tests.cms.roles_setup import RolesTestCase
from tests.factories.learners import make_session

HREF = re.compile(r'href="(/(?:equipo|admin)/[^"#?]*)')
MENU = re.compile(r'"url": "(/(?:equipo|admin)/[^"#?]*)')  # the admin menu's items, in the sidebar's JSON


class CoordinatorAttendanceTests(RolesTestCase):
    def setUp(self):
        today = timezone.localdate()
        self.upcoming = [make_session(cohort=self.mine_cohort, date=today + timedelta(days=d)) for d in (1, 8, 15)]
        self.elsewhere = make_session(cohort=self.other_cohort, date=today + timedelta(days=2))

    def test_her_attendance_page_lists_her_municipalitys_upcoming_sessions_without_links(self):
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("learners_staff:sessions"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Asistencia: sesiones de mi comuna")
        self.assertNotContains(response, "No hay próximas sesiones")
        upcoming = {s.pk for s in response.context["upcoming"]}
        self.assertEqual(upcoming, {self.mine_session.pk, *(s.pk for s in self.upcoming)})  # today's counts too
        self.assertContains(response, "session-card__link", count=4)
        self.assertContains(response, "Asistencia registrada: 0 de ")
        for session in [*self.upcoming, self.elsewhere, self.mine_session]:
            self.assertNotContains(response, reverse("learners_staff:attendance", args=[session.pk]))

    def test_she_still_cannot_open_nor_post_attendance(self):
        self.client.force_login(self.coordinator)
        url = reverse("learners_staff:attendance", args=[self.upcoming[0].pk])
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.post(url, {}).status_code, 404)

    def test_instructor_and_academy_keep_their_links(self):
        self.client.force_login(self.instructor)
        response = self.client.get(reverse("learners_staff:sessions"))
        self.assertContains(response, reverse("learners_staff:attendance", args=[self.upcoming[0].pk]))
        self.assertNotContains(response, reverse("learners_staff:attendance", args=[self.elsewhere.pk]))
        self.assertContains(response, "Asistencia: mis sesiones")
        self.client.force_login(self.academy)
        response = self.client.get(reverse("learners_staff:sessions"))
        self.assertContains(response, reverse("learners_staff:attendance", args=[self.elsewhere.pk]))

    def test_admin_session_list_links_attendance_only_for_whoever_may_take_it(self):
        index = reverse("learners_session:index")
        mine = reverse("learners_staff:attendance", args=[self.mine_session.pk])
        self.client.force_login(self.coordinator)
        response = self.client.get(index)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "/asistencia/")
        self.assertNotContains(response, "Tomar asistencia")
        self.client.force_login(self.academy)
        self.assertContains(self.client.get(index), mine)

    def test_no_link_on_her_pages_leads_to_a_refusal(self):
        """Every /equipo/ and /admin/ link on the pages she opens (her admin menu items, her groups, her
        attendance, the admin's lists), opened as her, answers 200: she is never shown a way into a 404 or a
        "permission denied"."""
        self.client.force_login(self.coordinator)
        start = [
            "/admin/",
            reverse("learners_staff:sessions"),
            reverse("learners_staff:groups"),
            reverse("learners_staff:group", args=[self.mine_cohort.pk]),
            reverse("learners_staff:reflections"),
            reverse("learners_session:index"),
            reverse("learners_cohort:index"),
            reverse("learners_enrolment:index"),
        ]
        links = set()
        for url in start:
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, url)
            links |= set(HREF.findall(response.content.decode())) | set(MENU.findall(response.content.decode()))
        skip = ("/admin/logout/", "/admin/jsi18n/", "/admin/account/")
        checked, refused = 0, []
        for link in sorted(links):
            if link.startswith(skip) or link.endswith((".js", ".css", ".svg", ".png")):
                continue
            status = self.client.get(link).status_code
            checked += 1
            if status not in (200,):
                refused.append((link, status))
        self.assertGreater(checked, 10)
        self.assertEqual(refused, [])
