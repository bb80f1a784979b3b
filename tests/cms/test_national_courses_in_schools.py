"""Issue 15, item 2 (rest): a national course offered by a school is served under the school's host, in the school's
look, without copying pages: ``penalolen.localhost/cursos/<slug>/…`` routes to the academy's own pages; enrolments,
progress and certificates stay on the national course; every link keeps the learner on her school's host."""

import re

from django.test import TestCase
from wagtail.models import Site

from cms.models import SchoolSettings
from cms.schools import services
from courses.models import CourseIndexPage, NationalCourseOffer
from learners.enrolment.services import enrolment_create
from learners.models import Enrolment
from tests.factories.courses import CourseIndexPageFactory, build_course, site_root
from tests.factories.learners import ensure_comuna, learner

HOST = {"HTTP_HOST": "penalolen.localhost"}


class NationalCourseOnSchoolHostTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        ensure_comuna("13122", "Peñalolén")
        ensure_comuna("05101", "Valparaíso")
        national = CourseIndexPageFactory(parent=site_root(), slug="cursos")
        cls.offered = build_course(
            catalogue=national, modules=1, lessons=2, title="Liderazgo nacional", slug="liderazgo"
        )
        cls.not_offered = build_course(catalogue=national, modules=1, lessons=1, title="Otro nacional", slug="otro")
        for course in (cls.offered, cls.not_offered):
            course.save_revision().publish()
        cls.school = services.school_create(
            name="Escuela Ciudadana de Peñalolén", comuna_code="13122", host="penalolen.localhost", admin_email="d@p.cl"
        ).school
        cls.other = services.school_create(
            name="Escuela Ciudadana de Valparaíso",
            comuna_code="05101",
            host="valparaiso.localhost",
            admin_email="v@v.cl",
        ).school
        other_catalogue = CourseIndexPage.objects.child_of(cls.other.site.root_page).get()
        cls.other_local = build_course(
            catalogue=other_catalogue, modules=1, lessons=1, title="Ordenanza", slug="ordenanza"
        )
        cls.other_local.save_revision().publish()
        NationalCourseOffer.objects.create(school=cls.school, course=cls.offered, sort_order=0)
        settings = SchoolSettings.for_site(cls.school.site)
        settings.primary_colour = "#005a3c"
        settings.save()
        cls.module = cls.offered.get_children().first()
        cls.lesson = cls.module.get_children().first().specific
        cls.user = learner(email="ana@example.cl")

    def test_the_course_page_is_served_on_the_school_host_in_its_look(self):
        response = self.client.get("/cursos/liderazgo/", **HOST)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["page"].pk, self.offered.pk)  # the academy's page, not a copy
        self.assertContains(response, "--brand:#005a3c;")
        self.assertContains(response, "Escuela Ciudadana de Peñalolén")
        lesson_links = re.findall(r'href="([^"]*leccion[^"]*|[^"]*/liderazgo/[^"]+)"', response.content.decode())
        self.assertTrue(lesson_links)
        for link in lesson_links:
            self.assertTrue(link.startswith("/cursos/liderazgo/"), link)  # relative: stays on the school's host

    def test_the_catalogue_card_and_mis_cursos_link_to_the_school_host(self):
        catalogue = self.client.get("/cursos/", **HOST).content.decode()
        self.assertIn('<a href="/cursos/liderazgo/">Liderazgo nacional</a>', catalogue)
        enrolment_create(user=self.user, course=self.offered)
        self.client.force_login(self.user)
        dashboard = self.client.get("/mis-cursos/", **HOST).content.decode()
        self.assertIn('href="/cursos/liderazgo/"', dashboard)
        other = self.client.get("/mis-cursos/", HTTP_HOST="valparaiso.localhost").content.decode()
        self.assertIn(f'href="{self.offered.full_url}"', other)  # a school that does not offer it: the academy's

    def test_a_lesson_on_the_school_host_for_an_enrolled_learner(self):
        enrolment_create(user=self.user, course=self.offered)
        self.client.force_login(self.user)
        path = f"/cursos/liderazgo/{self.module.slug}/{self.lesson.slug}/"
        response = self.client.get(path, **HOST)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["page"].pk, self.lesson.pk)
        self.assertContains(response, "--brand:#005a3c;")
        completed = self.client.post(f"/lecciones/{self.lesson.pk}/completar/", **HOST)
        self.assertEqual(completed["Location"], path)  # back to the lesson on the school's host

    def test_enrolling_on_the_school_host_enrols_in_the_national_course(self):
        self.client.force_login(self.user)
        response = self.client.post(f"/cursos/{self.offered.pk}/inscripcion/", **HOST)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Location"], "/cursos/liderazgo/")
        self.assertTrue(Enrolment.objects.filter(user=self.user, course=self.offered).exists())

    def test_refused_cases(self):
        self.assertEqual(self.client.get("/cursos/otro/", **HOST).status_code, 404)  # not offered by this school
        self.assertEqual(self.client.get("/cursos/ordenanza/", **HOST).status_code, 404)  # another school's course
        self.assertEqual(self.client.get("/cursos/liderazgo/", HTTP_HOST="valparaiso.localhost").status_code, 404)
        self.assertEqual(self.client.get("/cursos/liderazgo/no-existe/", **HOST).status_code, 404)
        self.assertIn(self.client.get("/cursos/%00/", **HOST).status_code, (400, 404))
        self.offered.unpublish()
        self.assertEqual(self.client.get("/cursos/liderazgo/", **HOST).status_code, 404)  # not live

    def test_a_course_the_school_stops_offering_is_no_longer_served_there(self):
        self.assertEqual(self.client.get("/cursos/liderazgo/", **HOST).status_code, 200)
        NationalCourseOffer.objects.filter(school=self.school).delete()
        self.assertEqual(self.client.get("/cursos/liderazgo/", **HOST).status_code, 404)
        catalogue = self.client.get("/cursos/", **HOST).content.decode()
        self.assertNotIn("Liderazgo nacional", catalogue)

    def test_the_academy_keeps_its_own_addresses(self):
        academy = Site.objects.get(is_default_site=True)
        response = self.client.get(self.offered.get_url_parts()[2])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            self.offered.get_url(),
            self.offered.get_url_parts()[2] if Site.objects.count() == 1 else self.offered.full_url,
        )
        self.assertTrue(self.offered.full_url.startswith(academy.root_url))
