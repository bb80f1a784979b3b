"""Issue 15, item 3: an account works for one municipal school. Groups of two schools are refused where they are
given (the admin's user forms, ``school_create``'s first administrator, the ``User.groups`` relation itself), with
a Spanish message naming both schools; an account that already is in two schools (data from before) is not
limited to one by guess: it sees nothing, the admin refuses it with a Spanish page, and the academy's admin home
and a system check list it."""

from io import StringIO

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import TestCase
from django.urls import reverse

from cms import roles
from cms.schools import services
from courses.checks import check_accounts_in_one_school
from courses.models import CourseIndexPage, School
from courses.schools.selectors import accounts_in_several_schools
from learners.attendance.selectors import sessions_for
from learners.gradebook.selectors import gradebook_access
from learners.models import Cohort
from learners.staff.selectors import (
    COHORT_LOOKUPS,
    school_administration_accounts,
    school_membership,
    staff_scope,
    staff_scope_q,
)
from tests.factories.courses import build_course
from tests.factories.learners import ensure_comuna, make_cohort, make_session, make_user

PENALOLEN, VALPARAISO, TEMUCO = "13122", "05101", "09101"
BOTH = "no puede ser parte del equipo de dos escuelas"
User = get_user_model()


class OneSchoolPerAccountTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        ensure_comuna(PENALOLEN, "Peñalolén")
        ensure_comuna(VALPARAISO, "Valparaíso")
        ensure_comuna(TEMUCO, "Temuco")
        created_a = services.school_create(
            name="Escuela Ciudadana de Peñalolén",
            comuna_code=PENALOLEN,
            host="penalolen.localhost",
            admin_email="daniela@penalolen.cl",
        )
        cls.school_a, cls.admin_a = created_a.school, created_a.administrator
        cls.school_b = services.school_create(
            name="Escuela Ciudadana de Valparaíso",
            comuna_code=VALPARAISO,
            host="valparaiso.localhost",
            admin_email="admin@valparaiso.cl",
        ).school
        cls.groups_a = roles.school_groups(school=cls.school_a)
        cls.groups_b = roles.school_groups(school=cls.school_b)
        cls.superuser = make_user(email="root@example.cl", is_superuser=True, is_staff=True)
        cls.academy = make_user(email="academia@example.cl")
        cls.academy.groups.add(Group.objects.get(name=roles.ACADEMY))

    def assertNamesBoth(self, text: str):
        self.assertIn(BOTH, text)
        self.assertIn("Escuela Ciudadana de Peñalolén", text)
        self.assertIn("Escuela Ciudadana de Valparaíso", text)

    def legacy_account(self):
        """An account put in two schools' groups around the guard (as data from before it existed)."""
        user = make_user(email="doble@example.cl")
        through = User.groups.through
        through.objects.bulk_create(
            [
                through(user_id=user.pk, group_id=self.groups_a[roles.ADMINISTRATION].pk),
                through(user_id=user.pk, group_id=self.groups_b[roles.TEACHING].pk),
            ]
        )
        return user

    # refused when given ------------------------------------------------------------------------------------------

    def test_adding_a_second_schools_group_is_refused_both_ways(self):
        # (each refusal in its own savepoint: the relation's writes run in a transaction that the error undoes)
        with self.assertRaises(ValidationError) as refused, transaction.atomic():
            self.admin_a.groups.add(self.groups_b[roles.TEACHING])
        self.assertNamesBoth(" ".join(refused.exception.messages))
        self.assertIn("daniela@penalolen.cl", refused.exception.messages[0])
        with self.assertRaises(ValidationError) as refused, transaction.atomic():
            self.groups_b[roles.ADMINISTRATION].user_set.add(self.admin_a)
        self.assertNamesBoth(refused.exception.messages[0])
        with self.assertRaises(ValidationError), transaction.atomic():
            self.admin_a.groups.set([self.groups_a[roles.ADMINISTRATION], self.groups_b[roles.TEACHING]])
        self.assertEqual(school_membership(user=self.admin_a).school_id, self.school_a.pk)
        self.assertFalse(self.admin_a.groups.filter(school_link__school=self.school_b).exists())

    def test_both_groups_of_one_school_and_national_groups_are_allowed(self):
        self.admin_a.groups.add(self.groups_a[roles.TEACHING], Group.objects.get(name=roles.INSTRUCTOR))
        self.groups_a[roles.TEACHING].user_set.add(self.admin_a)
        self.assertTrue(staff_scope(user=self.admin_a).school_admin)
        moved = make_user(email="traslado@example.cl")
        moved.groups.add(self.groups_a[roles.TEACHING])
        moved.groups.set([self.groups_b[roles.TEACHING]])  # moving to another school: leave one, join the other
        self.assertEqual(school_membership(user=moved).school_id, self.school_b.pk)

    def test_the_user_edit_form_refuses_two_schools_with_a_spanish_error(self):
        self.client.force_login(self.superuser)
        url = reverse("wagtailusers_users:edit", args=[self.admin_a.pk])
        data = {
            "username": self.admin_a.username,
            "email": self.admin_a.email,
            "first_name": "Daniela",
            "last_name": "Rojas",
            "is_active": "on",
            "password1": "",
            "password2": "",
            "groups": [self.groups_a[roles.ADMINISTRATION].pk, self.groups_b[roles.TEACHING].pk],
        }
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 200)
        self.assertNamesBoth(" ".join(response.context["form"].errors["groups"]))
        self.assertContains(response, BOTH)
        self.assertFalse(self.admin_a.groups.filter(school_link__school=self.school_b).exists())
        data["groups"] = [self.groups_a[roles.ADMINISTRATION].pk, self.groups_a[roles.TEACHING].pk]
        self.assertEqual(self.client.post(url, data).status_code, 302)  # one school's groups: saved
        self.assertEqual(self.admin_a.groups.filter(school_link__school=self.school_a).count(), 2)

    def test_the_user_create_form_refuses_two_schools(self):
        self.client.force_login(self.superuser)
        data = {
            "username": "nueva@example.cl",
            "email": "nueva@example.cl",
            "first_name": "Nueva",
            "last_name": "Persona",
            "password1": "una-clave-larga-2026",
            "password2": "una-clave-larga-2026",
            "groups": [self.groups_a[roles.TEACHING].pk, self.groups_b[roles.TEACHING].pk],
        }
        response = self.client.post(reverse("wagtailusers_users:add"), data)
        self.assertEqual(response.status_code, 200)
        self.assertNamesBoth(" ".join(response.context["form"].errors["groups"]))
        self.assertIn("nueva@example.cl", response.context["form"].errors["groups"][0])
        self.assertFalse(User.objects.filter(email="nueva@example.cl").exists())

    def test_the_users_bulk_assign_role_refuses_two_schools(self):
        self.client.force_login(self.superuser)
        teacher = make_user(email="docente@valparaiso.cl")
        url = reverse("wagtail_bulk_action", args=["auth", "user", "assign_role"])
        query = f"?id={self.admin_a.pk}&id={teacher.pk}&next=/admin/users/"
        response = self.client.post(url + query, {"role": self.groups_b[roles.TEACHING].pk}, follow=True)
        self.assertEqual(response.status_code, 200)
        self.assertNamesBoth(" ".join(str(message) for message in response.context["messages"]))
        self.assertFalse(self.admin_a.groups.filter(school_link__school=self.school_b).exists())
        self.assertFalse(teacher.groups.exists())  # nothing assigned: all or nothing
        response = self.client.post(
            url + f"?id={teacher.pk}&next=/admin/users/", {"role": self.groups_b[roles.TEACHING].pk}
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(teacher.groups.filter(school_link__school=self.school_b).exists())

    def test_school_create_refuses_another_schools_staff_as_first_administrator(self):
        with self.assertRaises(ValidationError) as refused:
            services.school_create(
                name="Escuela Ciudadana de Temuco",
                comuna_code=TEMUCO,
                host="temuco.localhost",
                admin_email="daniela@penalolen.cl",
            )
        text = " ".join(refused.exception.message_dict["admin_email"])
        self.assertIn(BOTH, text)
        self.assertIn("Escuela Ciudadana de Peñalolén", text)
        self.assertIn("Escuela Ciudadana de Temuco", text)
        with self.assertRaisesMessage(CommandError, BOTH):
            call_command(
                "school_create",
                name="Escuela Ciudadana de Temuco",
                cut=TEMUCO,
                host="temuco.localhost",
                admin_email="daniela@penalolen.cl",
                stdout=StringIO(),
            )
        self.assertFalse(self.school_a.__class__.objects.filter(comuna_id=TEMUCO).exists())

    # data from before: not guessed ------------------------------------------------------------------------------

    def test_an_account_already_in_two_schools_sees_nothing(self):
        user = self.legacy_account()
        membership = school_membership(user=user)
        self.assertTrue(membership.conflicting)
        scope = staff_scope(user=user)
        self.assertTrue(scope.school_conflict)
        self.assertFalse(scope.school_admin or scope.everything or scope.national)
        # her administration group's permissions open nothing of either school
        self.assertTrue(user.has_perm("learners.change_attendancerecord"))
        catalogue = CourseIndexPage.objects.child_of(self.school_b.site.root_page).get()
        course = build_course(catalogue=catalogue, modules=1, lessons=1, title="Curso de Valparaíso")
        cohort = make_cohort(course=course, municipality_id=VALPARAISO)
        make_session(cohort=cohort)
        self.assertTrue(sessions_for(user=self.superuser).exists())
        self.assertFalse(sessions_for(user=user).exists())
        self.assertFalse(gradebook_access(user=user).cohorts.exists())
        self.assertFalse(Cohort.objects.filter(staff_scope_q(scope=scope, lookups=COHORT_LOOKUPS)).exists())

    def test_it_receives_no_school_administrations_mail(self):
        user = self.legacy_account()
        accounts = school_administration_accounts(schools=School.objects.all())
        self.assertIn(self.admin_a, accounts)
        self.assertNotIn(user, accounts)

    def test_the_admin_refuses_it_with_a_spanish_page_on_every_host(self):
        user = self.legacy_account()
        self.client.force_login(user)
        for host in ("penalolen.localhost", "valparaiso.localhost", "localhost"):
            for url in (
                reverse("wagtailadmin_home"),
                reverse("learners_enrolment:index"),
                reverse("learners_bulk_enrol"),
                reverse("learners_staff:sessions"),  # the staff pages outside the admin too
                reverse("learners_staff:groups"),
            ):
                with self.subTest(host=host, url=url):
                    response = self.client.get(url, HTTP_HOST=host)
                    self.assertEqual(response.status_code, 403)
                    text = response.content.decode()
                    self.assertIn("Tu cuenta pertenece a los grupos de varias escuelas", text)
                    self.assertIn("pide a la academia", text)
                    self.assertIn("Escuela Ciudadana de Peñalolén", text)
                    self.assertIn("Escuela Ciudadana de Valparaíso", text)
        self.assertEqual(self.client.post(reverse("wagtailadmin_logout")).status_code, 302)  # she can sign out

    def test_the_academy_home_and_a_system_check_list_such_accounts(self):
        user = self.legacy_account()
        found = accounts_in_several_schools()
        self.assertEqual(
            [(row.pk, [s.name for s in schools]) for row, schools in found],
            [(user.pk, ["Escuela Ciudadana de Peñalolén", "Escuela Ciudadana de Valparaíso"])],
        )
        warnings = check_accounts_in_one_school(databases=["default"])
        self.assertEqual([warning.id for warning in warnings], ["courses.W002"])
        self.assertIn("doble@example.cl", warnings[0].msg)
        self.assertEqual(check_accounts_in_one_school(databases=None), [])
        self.client.force_login(self.superuser)
        home = self.client.get(reverse("wagtailadmin_home"))
        self.assertContains(home, "Estas cuentas están en los grupos del equipo de varias escuelas")
        self.assertContains(home, reverse("wagtailusers_users:edit", args=[user.pk]))
        self.client.force_login(self.academy)  # the academy does not edit users: not shown
        self.assertNotContains(self.client.get(reverse("wagtailadmin_home")), "varias escuelas")
        self.client.force_login(self.admin_a)
        self.assertNotContains(self.client.get(reverse("wagtailadmin_home"), HTTP_HOST="penalolen.localhost"), "doble@")

    def test_nothing_is_listed_when_every_account_is_in_one_school(self):
        self.assertEqual(accounts_in_several_schools(), [])
        self.assertEqual(check_accounts_in_one_school(databases=["default"]), [])
