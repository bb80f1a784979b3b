"""The permission matrix: every role against the admin views and actions, allowed and refused, including staff
opening by URL what lies outside their courses or municipality; instructors' rights follow the course's list."""

from io import StringIO

from django.apps import apps
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import SimpleTestCase, TestCase
from django.urls import get_resolver, reverse
from wagtail.models import GroupPagePermission, Page

from cms import roles
from learners.staff import selectors
from tests.cms.roles_setup import PENALOLEN, RolesTestCase, name_instructors
from tests.factories.courses import build_course
from tests.factories.h5p_activities import make_activity

INSTRUCTOR, ACADEMY, COORDINATOR, ADMINISTRATOR = "instructor", "academy", "coordinator", "administrator"
ROLES = (INSTRUCTOR, ACADEMY, COORDINATOR, ADMINISTRATOR)
OK, DENIED, HIDDEN = "ok", "denied", "hidden"


def allowed(*who, hidden=()):
    return {role: OK if role in who else HIDDEN if role in hidden else DENIED for role in ROLES}


EVERY_ROLE = allowed(*ROLES)
MANAGERS_LIST = (ACADEMY, ADMINISTRATOR)
MANAGERS = allowed(*MANAGERS_LIST)


class PermissionMatrixTests(RolesTestCase):
    def outcome(self, response) -> str:
        if response.status_code == 200:
            return OK
        if response.status_code == 404:
            return HIDDEN
        if response.status_code == 403 or (
            response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
        ):
            return DENIED
        return f"unexpected {response.status_code} {response.get('Location', '')}"

    def matrix(self):
        activity = self.activity_in_own_lesson()
        unused = make_activity(title="De otro curso")
        library = activity_library()
        return [
            # Cohorts and sessions
            ("cohorts", reverse("learners_cohort:index"), EVERY_ROLE),
            ("add a cohort", reverse("learners_cohort:add"), MANAGERS),
            ("edit own cohort", reverse("learners_cohort:edit", args=[self.mine_cohort.pk]), MANAGERS),
            (
                "delete another's cohort",
                reverse("learners_cohort:delete", args=[self.other_cohort.pk]),
                allowed(*MANAGERS_LIST, hidden=(INSTRUCTOR, COORDINATOR)),
            ),
            ("delete own cohort", reverse("learners_cohort:delete", args=[self.mine_cohort.pk]), MANAGERS),
            ("sessions", reverse("learners_session:index"), EVERY_ROLE),
            ("add a session", reverse("learners_session:add"), MANAGERS),
            ("edit another's session", reverse("learners_session:edit", args=[self.other_session.pk]), MANAGERS),
            # Enrolments, learners, attempts
            ("enrolments", reverse("learners_enrolment:index"), EVERY_ROLE),
            ("enrolments as CSV", reverse("learners_enrolment:index") + "?export=csv", EVERY_ROLE),
            (
                "inspect an enrolment in scope",
                reverse("learners_enrolment:inspect", args=[self.ana_enrolment.pk]),
                EVERY_ROLE,
            ),
            (
                "inspect an enrolment out of scope",
                reverse("learners_enrolment:inspect", args=[self.luis_enrolment.pk]),
                allowed(ACADEMY, ADMINISTRATOR, hidden=(INSTRUCTOR, COORDINATOR)),
            ),
            ("edit an enrolment", reverse("learners_enrolment:edit", args=[self.ana_enrolment.pk]), MANAGERS),
            ("bulk enrol", reverse("learners_bulk_enrol"), MANAGERS),
            ("invitations not activated", reverse("learners_invitations"), MANAGERS),
            ("unpublished drafts", reverse("courses_drafts"), allowed(INSTRUCTOR, ACADEMY, ADMINISTRATOR)),
            ("learners", reverse("learners_profile:index"), EVERY_ROLE),
            (
                "inspect a learner in scope",
                reverse("learners_profile:inspect", args=[self.ana.learner_profile.pk]),
                EVERY_ROLE,
            ),
            (
                "inspect a learner out of scope",
                reverse("learners_profile:inspect", args=[self.luis.learner_profile.pk]),
                allowed(ACADEMY, ADMINISTRATOR, hidden=(INSTRUCTOR, COORDINATOR)),
            ),
            ("H5P attempts", reverse("learners_h5pattempt:index"), allowed(INSTRUCTOR, ACADEMY, ADMINISTRATOR)),
            # Attendance (outside the admin, for phones)
            ("attendance sessions", reverse("learners_staff:sessions"), EVERY_ROLE),
            (
                "attendance of own cohort",
                reverse("learners_staff:attendance", args=[self.mine_session.pk]),
                allowed(INSTRUCTOR, ACADEMY, ADMINISTRATOR, hidden=(COORDINATOR,)),
            ),
            (
                "attendance of another cohort",
                reverse("learners_staff:attendance", args=[self.other_session.pk]),
                allowed(ACADEMY, ADMINISTRATOR, hidden=(INSTRUCTOR, COORDINATOR)),
            ),
            # H5P
            ("H5P activities", "/admin/snippets/courses/h5pactivity/", allowed(INSTRUCTOR, ACADEMY, ADMINISTRATOR)),
            (
                "edit an H5P activity of own lesson",
                f"/admin/snippets/courses/h5pactivity/edit/{activity.pk}/",
                allowed(INSTRUCTOR, ACADEMY, ADMINISTRATOR),
            ),
            (
                "edit an H5P activity not in own courses",
                f"/admin/snippets/courses/h5pactivity/edit/{unused.pk}/",
                allowed(ACADEMY, ADMINISTRATOR, hidden=(INSTRUCTOR,)),
            ),
            (
                "delete an H5P activity",
                f"/admin/snippets/courses/h5pactivity/delete/{activity.pk}/",
                allowed(ACADEMY, ADMINISTRATOR),
            ),
            ("upload an H5P activity", "/admin/snippets/courses/h5pactivity/add/", allowed(INSTRUCTOR, *MANAGERS_LIST)),
            ("H5P libraries", reverse("courses_h5p_libraries:index"), MANAGERS),
            (
                "approve an H5P library",
                reverse("courses_h5p_library_review", args=[library.pk]),
                allowed(ADMINISTRATOR),
            ),
            # Certificates
            ("certificate templates", "/admin/snippets/certificates/certificatetemplate/", MANAGERS),
            ("issued certificates", reverse("certificates_issued:index"), MANAGERS),
            ("revoke a certificate", reverse("certificates_revoke", args=[self.certificate.pk]), MANAGERS),
            ("reissue a certificate", reverse("certificates_reissue", args=[self.certificate.pk]), MANAGERS),
            # Pages
            (
                "edit own course",
                reverse("wagtailadmin_pages:edit", args=[self.mine.pk]),
                allowed(INSTRUCTOR, *MANAGERS_LIST),
            ),
            (
                "edit own lesson",
                reverse("wagtailadmin_pages:edit", args=[self.mine_lesson.pk]),
                allowed(INSTRUCTOR, *MANAGERS_LIST),
            ),
            (
                "add a lesson to own module",
                reverse("wagtailadmin_pages:add", args=["courses", "lessonpage", self.mine_module.pk]),
                allowed(INSTRUCTOR, *MANAGERS_LIST),
            ),
            ("edit another course", reverse("wagtailadmin_pages:edit", args=[self.other.pk]), MANAGERS),
            ("edit another course's lesson", reverse("wagtailadmin_pages:edit", args=[self.other_lesson.pk]), MANAGERS),
            (
                "add a lesson to another course",
                reverse("wagtailadmin_pages:add", args=["courses", "lessonpage", self.other_module.pk]),
                MANAGERS,
            ),
            ("delete own lesson", reverse("wagtailadmin_pages:delete", args=[self.mine_lesson.pk]), MANAGERS),
            ("edit the catalogue", reverse("wagtailadmin_pages:edit", args=[self.catalogue.pk]), MANAGERS),
            # Users, roles and municipalities
            ("users", reverse("wagtailusers_users:index"), allowed(ADMINISTRATOR)),
            ("groups", reverse("wagtailusers_groups:index"), allowed(ADMINISTRATOR)),
            ("staff municipalities", reverse("cms_staff_municipality:index"), allowed(ADMINISTRATOR)),
            ("workflows", reverse("wagtailadmin_workflows:index"), allowed(ADMINISTRATOR)),
            *[
                (name, reverse(name), allowed(ACADEMY, COORDINATOR, ADMINISTRATOR))
                for name in report_url_names()
                if not name.startswith("cms_reports_course_review")
            ],
            # Courses due for a content review: the academy's, not the coordinators' (it is about content)
            ("courses to review", reverse("cms_reports_course_review"), allowed(ACADEMY, ADMINISTRATOR)),
        ]

    def activity_in_own_lesson(self):
        activity = make_activity(title="Del curso propio")
        lesson = self.reload(self.mine_lesson)
        lesson.body.append(("h5p", {"activity": activity, "required": True, "pass_percentage": 60}))
        lesson.save_revision().publish()
        return activity

    def test_instructor_lists_the_h5p_activities_of_her_courses_and_her_own(self):
        used = self.activity_in_own_lesson()
        uploaded = make_activity(title="Subida por ella", uploaded_by=self.instructor)
        make_activity(title="De otro curso")
        self.client.force_login(self.instructor)
        response = self.client.get("/admin/snippets/courses/h5pactivity/")
        self.assertEqual({a.pk for a in response.context["object_list"]}, {used.pk, uploaded.pk})
        self.client.force_login(self.academy)
        response = self.client.get("/admin/snippets/courses/h5pactivity/")
        self.assertEqual(len(response.context["object_list"]), 3)

    def test_every_role_against_every_view(self):
        accounts = {
            INSTRUCTOR: self.instructor,
            ACADEMY: self.academy,
            COORDINATOR: self.coordinator,
            ADMINISTRATOR: self.administrator,
        }
        failures = []
        for label, url, expected in self.matrix():
            for role, user in accounts.items():
                self.client.force_login(user)
                got = self.outcome(self.client.get(url))
                if got != expected[role]:
                    failures.append(f"{role} · {label} ({url}): expected {expected[role]}, got {got}")
        self.assertEqual(failures, [])

    def test_accounts_without_a_role_cannot_enter_the_admin(self):
        self.client.force_login(self.nobody)
        for url in (reverse("wagtailadmin_home"), reverse("learners_enrolment:index")):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302)
            self.assertIn(reverse("wagtailadmin_login"), response["Location"])

    def test_instructor_cannot_publish_nor_post_changes_to_another_course(self):
        self.client.force_login(self.instructor)
        response = self.client.post(
            reverse("wagtailadmin_pages:edit", args=[self.other.pk]),
            {"title": "Cambiado", "slug": self.other.slug, "action-publish": "1"},
        )
        self.assertEqual(self.outcome(response), DENIED)
        self.assertEqual(self.reload(self.other).title, "Liderazgo comunitario")
        permissions = self.mine.permissions_for_user(self.instructor)
        self.assertTrue(permissions.can_edit())
        self.assertFalse(permissions.can_publish())
        self.assertFalse(permissions.can_delete())

    def test_listings_show_only_the_scope(self):
        expectations = {
            self.instructor: {self.ana_enrolment.pk},
            self.coordinator: {self.ana_enrolment.pk},
            self.academy: {self.ana_enrolment.pk, self.luis_enrolment.pk},
        }
        for user, expected in expectations.items():
            self.client.force_login(user)
            response = self.client.get(reverse("learners_enrolment:index"))
            self.assertEqual({e.pk for e in response.context["object_list"]}, expected, user)
            export = b"".join(self.client.get(reverse("learners_enrolment:index") + "?export=csv").streaming_content)
            self.assertEqual(b"luis@example.cl" in export, self.luis_enrolment.pk in expected, user)
        self.client.force_login(self.coordinator)
        cohorts = self.client.get(reverse("learners_cohort:index")).context["object_list"]
        self.assertEqual([c.pk for c in cohorts], [self.mine_cohort.pk])
        profiles = self.client.get(reverse("learners_profile:index")).context["object_list"]
        self.assertEqual([p.user_id for p in profiles], [self.ana.pk])

    def test_cohort_filters_offer_only_the_scope(self):
        self.client.force_login(self.instructor)
        response = self.client.get(reverse("learners_enrolment:index"))
        choices = list(response.context["filters"].form.fields["cohort"].queryset)
        self.assertEqual(choices, [self.mine_cohort])

    def test_coordinator_without_a_municipality_sees_no_learner(self):
        self.coordinator.staff_profile.delete()
        self.client.force_login(self.coordinator)
        response = self.client.get(reverse("learners_enrolment:index"))
        self.assertEqual(list(response.context["object_list"]), [])

    def test_coordinator_sees_learners_living_in_her_municipality(self):
        scope = selectors.staff_scope(user=self.coordinator)
        self.assertEqual(scope.municipality_id, PENALOLEN)
        self.assertFalse(scope.everything)
        self.assertTrue(selectors.staff_scope(user=self.academy).everything)

    def test_menu_shows_each_role_its_items(self):
        expected = {
            self.instructor: (
                ["/admin/learners/cohorts/", "/equipo/sesiones/", "/admin/snippets/courses/h5pactivity/"],
                ["/admin/certificates/issued/", "/admin/users/"],
            ),
            self.coordinator: (
                ["/admin/learners/enrolments/", "/admin/learners/profiles/"],
                ["/admin/snippets/courses/h5pactivity/", "/admin/certificates/issued/"],
            ),
            self.academy: (
                [
                    "/admin/learners/cohorts/",
                    "/admin/learners/sessions/",
                    "/admin/learners/enrolments/",
                    "/admin/learners/profiles/",
                    "/admin/snippets/courses/h5pactivity/",
                    "/admin/courses/h5p-libraries/",
                    "/admin/snippets/certificates/certificatetemplate/",
                    "/admin/certificates/issued/",
                ],
                ["/admin/staff-municipalities/"],
            ),
            self.administrator: (["/admin/staff-municipalities/", "/admin/users/"], []),
        }
        for user, (shown, hidden) in expected.items():
            self.client.force_login(user)
            response = self.client.get(reverse("wagtailadmin_home"))
            for url in shown:
                self.assertContains(response, f'"{url}', msg_prefix=user.email)
            for url in hidden:
                self.assertNotContains(response, f'"{url}', msg_prefix=user.email)


class CourseGroupTests(RolesTestCase):
    def test_naming_grants_and_removing_revokes(self):
        group = roles.course_group(course=self.mine)
        self.assertEqual(group.name, "Instructores · Presupuestos participativos")
        self.assertEqual(list(group.user_set.all()), [self.instructor])
        self.assertEqual(
            set(GroupPagePermission.objects.filter(group=group).values_list("page_id", "permission__codename")),
            {(self.mine.pk, "add_page"), (self.mine.pk, "change_page")},
        )
        self.assertTrue(self.instructor.groups.filter(name=roles.INSTRUCTOR).exists())
        self.assertTrue(self.mine_lesson.permissions_for_user(self.instructor).can_edit())

        self.mine_cohort.instructors.clear()
        name_instructors(self.mine)  # nobody with an account any more
        instructor = fresh(self.instructor)
        self.assertFalse(instructor.groups.exists())
        self.assertFalse(self.reload(self.mine_lesson).permissions_for_user(instructor).can_edit())

    def test_instructor_keeps_the_role_while_teaching_another_course(self):
        second = build_course(catalogue=self.catalogue, modules=0, title="Segundo curso")
        name_instructors(second, self.instructor)
        name_instructors(self.mine)
        self.assertFalse(roles.course_group(course=self.mine).user_set.exists())
        self.assertTrue(self.instructor.groups.filter(name=roles.INSTRUCTOR).exists())
        self.assertTrue(second.permissions_for_user(fresh(self.instructor)).can_edit())
        self.assertFalse(self.reload(self.mine).permissions_for_user(fresh(self.instructor)).can_edit())

    def test_renaming_the_course_renames_its_group_and_deleting_it_removes_the_group(self):
        self.mine.title = "Presupuestos 2027"
        self.mine.save_revision().publish()
        self.assertEqual(roles.course_group(course=self.mine).name, "Instructores · Presupuestos 2027")
        lonely = build_course(catalogue=self.catalogue, modules=0, title="Curso sin uso")
        outsider = self.nobody
        name_instructors(lonely, outsider)
        group_pk = roles.course_group(course=lonely).pk
        self.client.force_login(self.administrator)
        response = self.client.post(reverse("wagtailadmin_pages:delete", args=[lonely.pk]))
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Page.objects.filter(pk=lonely.pk).exists())
        self.assertFalse(Group.objects.filter(pk=group_pk).exists())
        self.assertFalse(outsider.groups.exists())

    def test_sync_roles_is_idempotent_and_repairs(self):
        academy = Group.objects.get(name=roles.ACADEMY)
        academy.permissions.clear()
        roles.course_group(course=self.mine).user_set.clear()
        out = StringIO()
        call_command("sync_roles", stdout=out)
        call_command("sync_roles", stdout=out)
        self.assertIn("4 groups", out.getvalue())
        self.assertTrue(self.academy.has_perm("learners.change_cohort"))
        self.assertEqual(list(roles.course_group(course=self.mine).user_set.all()), [self.instructor])
        self.assertEqual(Group.objects.filter(name__in=roles.ROLE_NAMES).count(), 4)
        self.assertEqual(Group.objects.filter(name__startswith=roles.COURSE_GROUP_PREFIX).count(), 1)

    def test_the_migration_created_the_roles(self):
        names = set(Group.objects.values_list("name", flat=True))
        self.assertTrue({"Instructor", "Academia", "Coordinación municipal", "Administrador"} <= names)
        self.assertFalse(self.coordinator.has_perm("learners.change_enrolment"))
        self.assertTrue(self.administrator.has_perm("auth.change_user"))
        self.assertTrue(self.administrator.has_perm("courses.approve_h5plibrary"))
        self.assertFalse(self.academy.has_perm("courses.approve_h5plibrary"))
        self.assertTrue(self.instructor.has_perm("wagtailadmin.access_admin"))


# What the academy manages and a municipal school's administration does not, and the other way round. A permission
# added to one of the two roles only (not to roles.ADMINISTRATION_PERMISSIONS, which both have) changes these sets:
# update them here, on purpose, after deciding whether the other role needs it too.
ACADEMY_ONLY = {
    "courses.delete_h5pactivity",
    "courses.view_h5plibrary",
    "learners.view_datarequest",
    "learners.change_datarequest",
    "learners.view_privacynotice",
    "learners.view_loginlock",
    "learners.delete_loginlock",
    "learners.view_outboxmessage",
    "courses.review_coursepage",
    "courses.add_school",
    "courses.change_school",
    "courses.delete_school",
    "courses.view_school",
    "certificates.*",
}
SCHOOL_ADMINISTRATION_ONLY = {"certificates.view_issuedcertificate", "certificates.change_issuedcertificate"}


class AcademyAndSchoolAdministrationTests(SimpleTestCase):
    def test_the_two_administrations_differ_exactly_by_the_stated_permissions(self):
        academy = next(role for role in roles.ROLES if role.name == roles.ACADEMY)
        self.assertIs(academy.permissions, roles.ACADEMY_PERMISSIONS)
        academy, school = set(roles.ACADEMY_PERMISSIONS), set(roles.SCHOOL_ADMIN_PERMISSIONS)
        self.assertEqual(academy - school, ACADEMY_ONLY)
        self.assertEqual(school - academy, SCHOOL_ADMINISTRATION_ONLY)
        for permissions in (roles.ACADEMY_PERMISSIONS, roles.SCHOOL_ADMIN_PERMISSIONS):
            self.assertEqual(len(permissions), len(set(permissions)))


class SchoolAdministrationWithinTheAcademysTests(TestCase):
    def test_a_schools_administration_gets_no_permission_the_academy_lacks(self):
        def resolved(names):
            return {(p.content_type.app_label, p.codename) for p in roles._permissions(apps, names)}

        school, academy = resolved(roles.SCHOOL_ADMIN_PERMISSIONS), resolved(roles.ACADEMY_PERMISSIONS)
        self.assertEqual(len(school), len(roles.SCHOOL_ADMIN_PERMISSIONS))  # every name is a real permission
        self.assertLessEqual(school, academy)


def fresh(user):
    """The account read again, without the permissions Django and Wagtail cached on the object."""
    return type(user).objects.get(pk=user.pk)


def activity_library():
    from courses.models import H5PLibrary

    return H5PLibrary.objects.create(
        machine_name="H5P.Prueba",
        major_version=1,
        minor_version=0,
        patch_version=0,
        title="Prueba",
        tree_sha256="0" * 64,
    )


def report_url_names() -> list[str]:
    """The reports helper's pages (``cms_reports_*`` URL names without arguments), when they exist."""
    names = []
    for name in get_resolver().reverse_dict:
        if isinstance(name, str) and name.startswith("cms_reports_"):
            try:
                reverse(name)
            except Exception:  # noqa: BLE001 - names that need arguments are left to the reports' own tests
                continue
            names.append(name)
    return sorted(names)
