"""Issue 15, item 10: the catalogue, course, lesson, "Mis cursos" and report pages cost the same number of queries
with 2 schools as with 50 (each with its own course, its national offer, a cohort of its comuna with a learner).
Counted on the school's host and on the academy's; run on SQLite and PostgreSQL (DATABASE_URL).
"""

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import Site

from certificates.models import IssuerSignatory
from certificates.services import issuance
from cms import roles
from cms.schools import services as school_services
from courses.models import CourseIndexPage, NationalCourseOffer
from learners.enrolment.services import enrolment_create
from learners.models import Enrolment
from tests.cms.reports.fixtures import grant_reports
from tests.factories.certificates import make_issuer, make_template
from tests.factories.courses import CourseIndexPageFactory, build_course, site_root
from tests.factories.learners import cohort, ensure_comuna, learner, make_user

SCHOOL_HOST = "penalolen.localhost"
REPORTS = ["cms_reports_courses", "cms_reports_schools", "cms_reports_comunas", "cms_reports_regions"]


def path_of(page) -> str:
    return page.get_url_parts()[2]


def add_school(number: int, national_course):
    """School number ``number`` with its own course, the national course offered, a cohort of its comuna (of the
    national course) with one learner, and one learner in its own course."""
    code = f"{90000 + number}"
    comuna = ensure_comuna(code, f"Comuna {number}")
    school = school_services.school_create(
        name=f"Escuela {number}", comuna_code=comuna.code, host=f"e{number}.localhost", admin_email=f"a{number}@e.cl"
    ).school
    catalogue = CourseIndexPage.objects.child_of(school.site.root_page).get()
    own = build_course(catalogue=catalogue, modules=1, lessons=1, title=f"Curso propio {number}")
    own.save_revision().publish()
    NationalCourseOffer.objects.create(school=school, course=national_course, sort_order=0)
    group = cohort(course=national_course, name=f"Grupo {number}", municipality_id=comuna.code)
    someone = learner(email=f"l{number}@e.cl", run=None, document_type="passport", document_number=f"P{number}")
    Enrolment.objects.create(user=someone, course=national_course, cohort=group)
    Enrolment.objects.create(user=someone, course=own, status="completed")
    return school


class SchoolQueryCountTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        ensure_comuna("13122", "Peñalolén")
        national = CourseIndexPageFactory(parent=site_root(), slug="cursos")
        cls.national_course = build_course(catalogue=national, modules=1, lessons=2, title="Liderazgo nacional")
        cls.national_course.save_revision().publish()
        make_template(issuer=make_issuer(short_code="AMUCH"), is_default=True)
        cls.school = school_services.school_create(
            name="Escuela Ciudadana de Peñalolén",
            comuna_code="13122",
            host=SCHOOL_HOST,
            admin_email="daniela@penalolen.cl",
        ).school
        IssuerSignatory.objects.create(issuer=cls.school.issuers.get(), name="Claudio Orrego", role="Alcalde")
        catalogue = CourseIndexPage.objects.child_of(cls.school.site.root_page).get()
        cls.local_course = build_course(catalogue=catalogue, modules=1, lessons=2, title="Ordenanza de Peñalolén")
        cls.local_course.save_revision().publish()
        NationalCourseOffer.objects.create(school=cls.school, course=cls.national_course, sort_order=0)
        cls.second = add_school(1, cls.national_course)  # two schools
        cls.user = learner(email="ana@example.cl", run="12345678-5")
        penalolen_cohort = cohort(course=cls.national_course, name="Peñalolén 2026", municipality_id="13122")
        enrolment_create(user=cls.user, course=cls.national_course, cohort=penalolen_cohort)
        local = enrolment_create(user=cls.user, course=cls.local_course)
        Enrolment.objects.filter(pk=local.pk).update(status="completed")
        issuance.certificate_issue(enrolment=Enrolment.objects.get(pk=local.pk), render=False)
        cls.staff = grant_reports(make_user(email="academia@example.cl"))
        cls.staff.groups.add(*roles_groups(roles.ACADEMY))

    def pages(self) -> list[tuple[str, str]]:
        """(host, path) of every page measured."""
        local_lesson = self.local_course.get_children().first().get_children().first()
        national_lesson = self.national_course.get_children().first().get_children().first()
        academy = Site.objects.get(is_default_site=True).hostname
        return [
            (SCHOOL_HOST, "/"),
            (SCHOOL_HOST, "/cursos/"),
            (SCHOOL_HOST, "/cursos/?q=liderazgo"),
            (SCHOOL_HOST, path_of(self.local_course)),
            (SCHOOL_HOST, path_of(local_lesson)),
            (SCHOOL_HOST, "/mis-cursos/"),
            (academy, "/cursos/"),
            (academy, path_of(self.national_course)),
            (academy, path_of(national_lesson)),
            (academy, "/mis-cursos/"),
        ]

    def count(self, host: str, path: str, user) -> int:
        self.client.force_login(user)
        self.client.get(path, HTTP_HOST=host)  # warm per-process caches (site root paths, settings, renditions)
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(path, HTTP_HOST=host)
        self.assertEqual(response.status_code, 200, (host, path))
        return len(captured)

    def measure(self) -> dict:
        counts = {(host, path): self.count(host, path, self.user) for host, path in self.pages()}
        for name in REPORTS:
            counts[("admin", name)] = self.count("localhost", reverse(name), self.staff)
            counts[("admin", name + "?school")] = self.count(
                "localhost", reverse(name) + f"?school={self.school.pk}", self.staff
            )
        return counts

    def test_pages_cost_the_same_queries_with_2_and_50_schools(self):
        with_two = self.measure()
        for number in range(2, 50):
            add_school(number, self.national_course)
        self.assertEqual(Site.objects.exclude(is_default_site=True).count(), 50)
        for (host, path), expected in with_two.items():
            with self.subTest(host=host, path=path):
                if host == "admin":
                    name, _mark, query = path.partition("?")
                    url = reverse(name) + (f"?school={self.school.pk}" if query else "")
                    self.client.force_login(self.staff)
                    host_header = "localhost"
                else:
                    url, host_header = path, host
                    self.client.force_login(self.user)
                self.client.get(url, HTTP_HOST=host_header)
                with self.assertNumQueries(expected):
                    response = self.client.get(url, HTTP_HOST=host_header)
                self.assertEqual(response.status_code, 200)
        schools = self.client.get(reverse("cms_reports_schools"), HTTP_HOST="localhost")
        self.assertEqual(len(schools.context["object_list"]), 50)  # every enrolment here belongs to a school


def roles_groups(name):
    from django.contrib.auth.models import Group

    return Group.objects.filter(name=name)
