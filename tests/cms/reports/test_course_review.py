"""The content review of a course (issue 19, item 10): the date and reviewer that only the academy records, the
"Revisado el" line on the course page, and the academy's list of courses not reviewed for 12 months."""

from datetime import date, timedelta

from django.test import SimpleTestCase
from django.urls import reverse
from django.utils import timezone

from cms import roles
from courses.models import CoursePage
from courses.selectors import courses_due_for_review, months_before
from tests.cms.roles_setup import RolesTestCase, in_group
from tests.factories.learners import make_user

REPORT = "cms_reports_course_review"


class MonthsBeforeTests(SimpleTestCase):
    def test_same_day_a_year_earlier(self):
        self.assertEqual(months_before(date(2026, 3, 22), 12), date(2025, 3, 22))
        self.assertEqual(months_before(date(2026, 1, 15), 1), date(2025, 12, 15))

    def test_a_day_missing_in_the_earlier_month_is_its_last_day(self):
        self.assertEqual(months_before(date(2028, 2, 29), 12), date(2027, 2, 28))
        self.assertEqual(months_before(date(2026, 3, 31), 1), date(2026, 2, 28))


class CourseReviewTests(RolesTestCase):
    def review(self, course, on, by="Academia"):
        course = self.reload(course)
        course.last_reviewed_on = on
        course.last_reviewed_by = by
        course.save_revision().publish()
        return course

    # -- the selector and the report ---------------------------------------------------------------------------
    def test_due_means_never_reviewed_or_twelve_months_ago_or_more(self):
        today = date(2026, 12, 6)
        self.review(self.mine, date(2025, 12, 6))  # exactly 12 months: due
        self.assertEqual(list(courses_due_for_review(today=today)), [self.other, self.mine])  # never reviewed first
        self.review(self.mine, date(2025, 12, 7))  # one day less than 12 months: not yet
        self.assertEqual(list(courses_due_for_review(today=today)), [self.other])
        self.review(self.other, today)
        self.assertEqual(list(courses_due_for_review(today=today)), [])

    def test_the_academy_sees_the_courses_to_review(self):
        today = timezone.localdate()
        self.review(self.mine, today - timedelta(days=400), by="Valentina Orellana")
        self.client.force_login(self.academy)
        response = self.client.get(reverse(REPORT))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Cursos por revisar")
        self.assertContains(response, self.mine.title)
        self.assertContains(response, (today - timedelta(days=400)).strftime("%d/%m/%Y"))
        self.assertContains(response, "Valentina Orellana")
        self.assertContains(response, self.other.title)
        self.assertContains(response, "Nunca")
        self.assertContains(response, reverse("wagtailadmin_pages:edit", args=[self.mine.pk]))
        self.assertEqual(self.client.get(reverse(f"{REPORT}_results")).status_code, 200)
        self.review(self.mine, today)
        self.assertNotContains(self.client.get(reverse(REPORT)), self.mine.title)

    def test_an_export_request_shows_the_page(self):
        self.client.force_login(self.academy)
        for export in ("csv", "xlsx", "nada"):
            response = self.client.get(reverse(REPORT), {"export": export})
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response["Content-Type"], "text/html; charset=utf-8")

    def test_the_administrator_sees_it_too(self):
        self.client.force_login(self.administrator)
        self.assertEqual(self.client.get(reverse(REPORT)).status_code, 200)

    def test_other_roles_are_refused(self):
        for user in (self.instructor, self.coordinator, self.nobody):
            with self.subTest(user=user.email):
                self.client.force_login(user)
                for name in (REPORT, f"{REPORT}_results"):
                    response = self.client.get(reverse(name))
                    self.assertNotEqual(response.status_code, 200)
                    self.assertNotContains(response, self.mine.title, status_code=response.status_code)

    def test_anonymous_and_inactive_accounts_are_sent_to_log_in(self):
        self.client.logout()
        response = self.client.get(reverse(REPORT))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("wagtailadmin_login"), response["Location"])
        inactive = in_group(make_user(email="academia-inactiva@example.cl"), roles.ACADEMY)
        inactive.is_active = False
        inactive.save(update_fields=["is_active"])
        self.client.force_login(inactive)
        response = self.client.get(reverse(REPORT))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("wagtailadmin_login"), response["Location"])

    def test_the_menu_item_follows_the_permission(self):
        self.client.force_login(self.academy)
        self.assertContains(self.client.get(reverse("wagtailadmin_home")), reverse(REPORT))
        for user in (self.instructor, self.coordinator):
            self.client.force_login(user)
            self.assertNotContains(self.client.get(reverse("wagtailadmin_home")), reverse(REPORT))

    # -- who records a review ----------------------------------------------------------------------------------
    def form_fields(self, user) -> set[str]:
        form_class = CoursePage.get_edit_handler().get_form_class()
        return set(form_class(instance=self.reload(self.mine), for_user=user).fields)

    def test_only_the_academy_records_a_review(self):
        self.assertTrue({"last_reviewed_on", "last_reviewed_by"} <= self.form_fields(self.academy))
        self.assertTrue({"last_reviewed_on", "last_reviewed_by"} <= self.form_fields(self.administrator))
        fields = self.form_fields(self.instructor)
        self.assertIn("summary", fields)  # she edits the course…
        self.assertFalse({"last_reviewed_on", "last_reviewed_by"} & fields)  # …but cannot record its review

    def test_the_edit_page_shows_the_review_fields_to_the_academy_only(self):
        url = reverse("wagtailadmin_pages:edit", args=[self.mine.pk])
        self.client.force_login(self.academy)
        self.assertContains(self.client.get(url), 'name="last_reviewed_on"')
        self.client.force_login(self.instructor)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, 'name="last_reviewed_on"')

    def test_the_academy_role_holds_the_permission(self):
        self.assertTrue(self.academy.has_perm("courses.review_coursepage"))
        for user in (self.instructor, self.coordinator, self.nobody):
            self.assertFalse(type(user).objects.get(pk=user.pk).has_perm("courses.review_coursepage"))

    # -- the public course page --------------------------------------------------------------------------------
    def test_the_course_page_says_when_it_was_reviewed(self):
        self.assertNotContains(self.client.get(self.mine.url), "Revisado el")
        self.review(self.mine, date(2026, 3, 22), by="Valentina Orellana")
        response = self.client.get(self.reload(self.mine).url)
        self.assertContains(response, "Revisado el 22/03/2026")
        self.assertNotContains(response, "Valentina Orellana")  # the reviewer is for the academy, not the page
