"""Municipal schools (issue 15): adding one through the academy's admin form and the command, what it creates and
the rights it gives, the refusals (bad host names, duplicates, other roles), atomicity, removal refused while the
school has enrolments or certificates, the colour contrast check and host routing."""

import html
import re
from io import StringIO

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import TestCase
from django.urls import reverse
from wagtail.models import Collection, GroupSitePermission, Page, Site

from certificates.models import Issuer
from cms import roles
from cms.branding import contrast_errors, contrast_ratio, format_ratio
from cms.models import HomePage, SchoolSettings, StandardPage
from cms.schools import services
from courses.models import CourseIndexPage, NationalCourseOffer, School, SchoolGroup
from courses.schools.selectors import school_for_page, school_for_request
from learners.enrolment.services import enrolment_create
from tests.factories.courses import build_course
from tests.factories.learners import ensure_comuna, make_learner, make_user

PENALOLEN, VALPARAISO = "13122", "05101"
User = get_user_model()
# a school's catalogue page, whatever the number of schools and national courses offered: no query (the page and its
# HTML come from the page cache, one entry per school's catalogue: courses.page_cache)
CATALOGUE_QUERIES = 0


def site_root_path() -> str:
    return Site.objects.get(is_default_site=True).root_page.url_path.rstrip("/")


def in_group(user, name):
    user.groups.add(Group.objects.get(name=name))
    return user


def create_penalolen(**overrides):
    values = {
        "name": "Escuela Ciudadana de Peñalolén",
        "comuna_code": PENALOLEN,
        "host": "penalolen.localhost",
        "admin_email": "daniela@penalolen.cl",
    }
    return services.school_create(**{**values, **overrides})


class SchoolTestCase(TestCase):
    @classmethod
    def setUpTestData(cls):
        ensure_comuna(PENALOLEN, "Peñalolén")
        ensure_comuna(VALPARAISO, "Valparaíso")
        cls.academy = in_group(make_user(email="academia@example.cl"), roles.ACADEMY)
        cls.instructor = in_group(make_user(email="instructora@example.cl"), roles.INSTRUCTOR)
        cls.coordinator = in_group(make_user(email="coordinacion@example.cl"), roles.COORDINATOR)


class SchoolCreateTests(SchoolTestCase):
    def test_one_call_creates_site_pages_settings_groups_collection_issuer_and_administrator(self):
        created = create_penalolen(rut="69.072.100-4")
        school = created.school
        self.assertTrue(created.account_created)
        self.assertFalse(created.administrator.has_usable_password())
        site = school.site
        self.assertEqual((site.hostname, site.port, site.is_default_site), ("penalolen.localhost", 80, False))
        home = site.root_page.specific
        self.assertIsInstance(home, HomePage)
        self.assertTrue(home.live)
        self.assertEqual(home.depth, 2)
        catalogue = CourseIndexPage.objects.child_of(home).get()
        self.assertTrue(catalogue.live and catalogue.show_in_menus)
        # The school's pages go through its own review, approved by its administration (issue 15, item 3)
        workflow = catalogue.get_workflow()
        self.assertEqual(workflow.name, "Revisión Escuela Ciudadana de Peñalolén")
        self.assertEqual(home.get_workflow(), workflow)
        task = workflow.tasks.get().specific
        self.assertEqual(
            list(task.groups.values_list("name", flat=True)), ["Administración Escuela Ciudadana de Peñalolén"]
        )
        about = StandardPage.objects.child_of(home).get()
        self.assertEqual((about.title, about.slug), ("Acerca de", "acerca-de"))
        school_settings = SchoolSettings.for_site(site)
        self.assertEqual(school_settings.school_name, "Escuela Ciudadana de Peñalolén")
        self.assertEqual(school_settings.organisation_name, "Municipalidad de Peñalolén")
        issuer = Issuer.objects.get(school=school)
        self.assertEqual((issuer.short_code, issuer.comuna_id, issuer.rut), ("PENALOLEN", PENALOLEN, "69.072.100-4"))
        self.assertTrue(Collection.objects.filter(name=school.name, depth=2).exists())
        admins = Group.objects.get(name="Administración Escuela Ciudadana de Peñalolén")
        self.assertTrue(Group.objects.filter(name="Docentes Escuela Ciudadana de Peñalolén").exists())
        self.assertEqual(list(admins.user_set.all()), [created.administrator])
        self.assertTrue(GroupSitePermission.objects.filter(group=admins, site=site).exists())
        # The groups are linked to the school explicitly, not through their names
        self.assertEqual(
            dict(SchoolGroup.objects.filter(school=school).values_list("kind", "group__name")),
            {
                "administration": "Administración Escuela Ciudadana de Peñalolén",
                "teaching": "Docentes Escuela Ciudadana de Peñalolén",
            },
        )

    def test_the_school_administrator_manages_her_own_tree_only(self):
        administrator = create_penalolen().administrator
        valparaiso = create_penalolen(
            name="Escuela Ciudadana de Valparaíso",
            comuna_code=VALPARAISO,
            host="valparaiso.localhost",
            admin_email="fernanda@valparaiso.cl",
        ).school
        own_home = School.objects.get(comuna_id=PENALOLEN).site.root_page
        academy_home = Site.objects.get(is_default_site=True).root_page
        self.assertTrue(own_home.permissions_for_user(administrator).can_publish())
        self.assertFalse(valparaiso.site.root_page.permissions_for_user(administrator).can_edit())
        self.assertFalse(academy_home.permissions_for_user(administrator).can_edit())
        self.client.force_login(administrator)
        self.assertEqual(self.client.get(reverse("wagtailadmin_pages:edit", args=[own_home.pk])).status_code, 200)
        response = self.client.get(reverse("wagtailadmin_pages:edit", args=[valparaiso.site.root_page_id]))
        self.assertNotEqual(response.status_code, 200)
        settings_url = reverse("wagtailsettings:edit", args=["cms", "schoolsettings", valparaiso.site.pk])
        self.assertNotEqual(self.client.get(settings_url).status_code, 200)
        own_settings = reverse(
            "wagtailsettings:edit", args=["cms", "schoolsettings", own_home.sites_rooted_here.get().pk]
        )
        self.assertEqual(self.client.get(own_settings).status_code, 200)

    def test_an_existing_account_becomes_the_administrator_without_a_new_account(self):
        existing = make_user(email="Daniela@Penalolen.cl")
        created = create_penalolen()
        self.assertFalse(created.account_created)
        self.assertEqual(created.administrator, existing)
        self.assertTrue(existing.has_usable_password())

    def test_the_port_of_the_public_address_unless_the_host_names_one(self):
        with self.settings(PUBLIC_BASE_URL="http://127.0.0.1:8000"):
            school = create_penalolen().school
        self.assertEqual(school.site.root_url, "http://penalolen.localhost:8000")
        other = create_penalolen(
            name="Valparaíso", comuna_code=VALPARAISO, host="Valparaiso.Localhost:8443", admin_email="f@v.cl"
        ).school
        self.assertEqual((other.site.hostname, other.site.port), ("valparaiso.localhost", 8443))

    def test_refusals_in_spanish(self):
        create_penalolen()
        cases = [
            ({"host": "https://valparaiso.localhost/"}, "host", "Escribe solo el nombre de host"),
            ({"host": "valparaíso.localhost"}, "host", "Escribe solo el nombre de host"),
            ({"host": "valpo"}, "host", "Escribe solo el nombre de host"),
            ({"host": "-valpo.localhost"}, "host", "Escribe solo el nombre de host"),
            ({"host": "valpo.localhost:99999"}, "host", "El puerto"),
            ({"host": "valpo.localhost\x00"}, "host", "Escribe solo el nombre de host"),
            ({"host": "PENALOLEN.localhost"}, "host", "ya lo usa otro sitio"),
            ({"host": "valparaiso.example.org"}, "host", "DJANGO_ALLOWED_HOSTS"),
            ({"comuna_code": PENALOLEN}, "comuna", "Peñalolén ya tiene una escuela"),
            ({"comuna_code": "99999"}, "comuna", "No hay ninguna comuna con el código CUT «99999»"),
            ({"name": "escuela ciudadana de peñalolén"}, "name", "Ya hay una escuela con este nombre"),
            ({"name": "  "}, "name", "Escribe el nombre"),
            ({"admin_email": "no-es-correo"}, "admin_email", "Escribe un correo válido"),
            ({"created_by": self.instructor}, "__all__", "Solo la academia puede agregar escuelas"),
            ({"created_by": self.coordinator}, "__all__", "Solo la academia puede agregar escuelas"),
        ]
        valid = {"name": "Valparaíso", "comuna_code": VALPARAISO, "host": "valparaiso.localhost"}
        for overrides, field, message in cases:
            with self.subTest(overrides=overrides), self.assertRaises(ValidationError) as raised:
                create_penalolen(**{**valid, **overrides})
            self.assertIn(message, " ".join(raised.exception.message_dict[field]))
        self.assertEqual(School.objects.count(), 1)
        self.assertEqual(Site.objects.count(), 2)

    def test_a_failure_half_way_leaves_nothing(self):
        Group.objects.create(name="Docentes Escuela Ciudadana de Peñalolén")  # the groups step will fail
        counts = (Page.objects.count(), Site.objects.count(), Collection.objects.count(), Issuer.objects.count())
        with self.assertRaises(Exception):  # noqa: B017 - the IntegrityError of the clashing group name
            create_penalolen()
        self.assertFalse(School.objects.exists())
        self.assertEqual(
            (Page.objects.count(), Site.objects.count(), Collection.objects.count(), Issuer.objects.count()), counts
        )
        self.assertFalse(Group.objects.filter(name__startswith="Administración ").exists())


class SchoolCommandTests(SchoolTestCase):
    def test_the_command_creates_a_school(self):
        out = StringIO()
        call_command(
            "school_create",
            "--name=Escuela Ciudadana de Peñalolén",
            f"--cut={PENALOLEN}",
            "--host=penalolen.localhost",
            "--admin-email=daniela@penalolen.cl",
            stdout=out,
        )
        self.assertIn("http://penalolen.localhost/", out.getvalue())
        self.assertIn("daniela@penalolen.cl", out.getvalue())
        self.assertEqual(School.objects.get().comuna_id, PENALOLEN)

    def test_the_command_refuses_with_the_spanish_message(self):
        with self.assertRaisesMessage(CommandError, "Escribe solo el nombre de host"):
            call_command(
                "school_create",
                "--name=X",
                f"--cut={PENALOLEN}",
                "--host=http://x",
                "--admin-email=a@b.cl",
                stdout=StringIO(),
            )
        self.assertFalse(School.objects.exists())


class SchoolAdminTests(SchoolTestCase):
    def form(self, **overrides):
        return {
            "name": "Escuela Ciudadana de Peñalolén",
            "comuna": PENALOLEN,
            "host": "penalolen.localhost",
            "admin_email": "daniela@penalolen.cl",
            "rut": "",
            **overrides,
        }

    def test_the_academy_adds_a_school_with_one_form(self):
        self.client.force_login(self.academy)
        page = self.client.get(reverse("cms_schools:add"))
        self.assertContains(page, "Correo de la primera persona administradora")
        self.assertContains(page, "Peñalolén (13122)")
        response = self.client.post(reverse("cms_schools:add"), self.form(), follow=True)
        self.assertContains(response, "Escuela «Escuela Ciudadana de Peñalolén» creada en http://penalolen.localhost.")
        school = School.objects.get()
        self.assertEqual(school.site.hostname, "penalolen.localhost")
        listing = self.client.get(reverse("cms_schools:index"))
        self.assertContains(listing, "http://penalolen.localhost")

    def test_the_form_shows_the_services_refusals(self):
        self.client.force_login(self.academy)
        response = self.client.post(reverse("cms_schools:add"), self.form(host="http://penalolen.localhost/x"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("Escribe solo el nombre de host", " ".join(response.context["form"].errors["host"]))
        response = self.client.post(reverse("cms_schools:add"), self.form(comuna="99999"))
        self.assertEqual(response.status_code, 200)
        self.assertFalse(School.objects.exists())

    def test_other_roles_cannot_add_schools(self):
        for user in (self.instructor, self.coordinator, make_user(email="nadie@example.cl")):
            self.client.force_login(user)
            for url in (reverse("cms_schools:index"), reverse("cms_schools:add")):
                response = self.client.get(url)
                self.assertIn(response.status_code, (302, 403), f"{user.email} {url}")
            self.client.post(reverse("cms_schools:add"), self.form())
        self.client.logout()
        self.assertEqual(self.client.get(reverse("cms_schools:add")).status_code, 302)
        self.assertFalse(School.objects.exists())


class SchoolDeleteTests(SchoolTestCase):
    def test_a_school_nobody_studied_in_is_removed_entirely(self):
        created = create_penalolen()
        pages, sites = Page.objects.count(), Site.objects.count()
        self.client.force_login(self.academy)
        response = self.client.post(reverse("cms_schools:delete", args=[created.school.pk]), follow=True)
        self.assertContains(response, "Escuela «Escuela Ciudadana de Peñalolén» eliminada.")
        self.assertFalse(School.objects.exists())
        self.assertEqual((Page.objects.count(), Site.objects.count()), (pages - 3, sites - 1))
        self.assertFalse(Issuer.objects.filter(comuna_id=PENALOLEN).exists())
        self.assertFalse(Group.objects.filter(name__endswith="Escuela Ciudadana de Peñalolén").exists())
        self.assertFalse(Collection.objects.filter(name="Escuela Ciudadana de Peñalolén").exists())

    def test_removal_is_refused_while_the_school_has_enrolments(self):
        school = create_penalolen().school
        catalogue = CourseIndexPage.objects.child_of(school.site.root_page).get()
        course = build_course(catalogue=catalogue, modules=1, lessons=1)
        course.save_revision().publish()
        enrolment_create(user=make_learner(comuna=PENALOLEN), course=course)
        with self.assertRaises(ValidationError) as raised:
            services.school_delete(school=school)
        self.assertIn("tiene 1 inscripciones y 0 certificados", raised.exception.messages[0])
        self.client.force_login(self.academy)
        response = self.client.post(reverse("cms_schools:delete", args=[school.pk]), follow=True)
        self.assertContains(response, "No se puede eliminar Escuela Ciudadana de Peñalolén")
        self.assertTrue(School.objects.filter(pk=school.pk).exists())
        self.assertTrue(Page.objects.filter(pk=course.pk).exists())

    def test_other_roles_cannot_remove_a_school(self):
        school = create_penalolen().school
        self.client.force_login(self.instructor)
        self.client.post(reverse("cms_schools:delete", args=[school.pk]))
        self.assertTrue(School.objects.filter(pk=school.pk).exists())
        with self.assertRaises(ValidationError):
            services.school_delete(school=school, deleted_by=self.coordinator)


class ContrastTests(SchoolTestCase):
    def test_ratios(self):
        self.assertAlmostEqual(contrast_ratio("#000000", "#ffffff"), 21.0)
        self.assertAlmostEqual(contrast_ratio("#777777", "#ffffff"), 4.48, places=2)
        self.assertEqual(format_ratio(4.4799), "4,4:1")
        self.assertEqual(contrast_errors(primary="#0b3a66", link="#0a4f96", background="#ffffff"), {})

    def test_low_contrast_colours_are_refused_naming_the_ratio(self):
        school_settings = SchoolSettings.for_site(Site.objects.get(is_default_site=True))
        school_settings.primary_colour = "#77b7e0"  # white on light blue: 2,1:1
        school_settings.link_colour = "#f0c000"
        with self.assertRaises(ValidationError) as raised:
            school_settings.full_clean()
        errors = raised.exception.message_dict
        self.assertIn(
            "El texto blanco sobre este color principal tiene un contraste de 2,", errors["primary_colour"][0]
        )
        self.assertIn("debe ser de al menos 4,5:1 (WCAG AA)", errors["primary_colour"][0])
        self.assertIn("Los enlaces de este color sobre el fondo tienen un contraste de 1,", errors["link_colour"][0])

    def test_only_hex_colours_are_accepted(self):
        school_settings = SchoolSettings.for_site(Site.objects.get(is_default_site=True))
        for value in ("red", "#fff", "#0b3a66;} body{display:none", "url(x)"):
            school_settings.primary_colour = value
            with self.subTest(value=value), self.assertRaises(ValidationError) as raised:
                school_settings.full_clean()
            self.assertIn("seis dígitos hexadecimales", raised.exception.message_dict["primary_colour"][0])

    def test_the_settings_form_in_the_admin_refuses_low_contrast(self):
        school = create_penalolen().school
        self.client.force_login(make_user(email="admin@example.cl", is_superuser=True))
        url = reverse("wagtailsettings:edit", args=["cms", "schoolsettings", school.site.pk])
        form = {
            "school_name": "Escuela Ciudadana de Peñalolén",
            "organisation_name": "Municipalidad de Peñalolén",
            "primary_colour": "#ffcc00",
            "link_colour": "#0a4f96",
            "background_colour": "#ffffff",
        }
        response = self.client.post(url, form)
        self.assertContains(response, "El texto blanco sobre este color principal tiene un contraste de 1,")
        self.assertEqual(SchoolSettings.for_site(school.site).primary_colour, "#0b3a66")
        response = self.client.post(url, {**form, "primary_colour": "#005A3C"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(SchoolSettings.for_site(school.site).primary_colour, "#005a3c")


class HostRoutingTests(SchoolTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.school = create_penalolen().school
        school_settings = SchoolSettings.for_site(cls.school.site)
        school_settings.primary_colour = "#005a3c"
        school_settings.privacy_contact_email = "datos@penalolen.cl"
        school_settings.save()

    def test_the_school_host_shows_its_home_name_and_colours(self):
        response = self.client.get("/", HTTP_HOST="penalolen.localhost")
        self.assertContains(response, "<span>Escuela Ciudadana de Peñalolén</span>", html=False)
        self.assertContains(response, "--brand:#005a3c;")
        self.assertContains(response, "datos@penalolen.cl")
        self.assertContains(response, 'href="/acerca-de/"')
        self.assertEqual(self.client.get("/cursos/", HTTP_HOST="penalolen.localhost").status_code, 200)
        self.assertEqual(
            self.client.get("/", HTTP_HOST="penalolen.localhost:8000").context["page"].pk,
            self.school.site.root_page_id,
        )

    def test_the_privacy_notice_names_the_school_and_its_privacy_contact(self):
        response = self.client.get("/cuenta/privacidad/", HTTP_HOST="penalolen.localhost")
        self.assertContains(response, "Municipalidad de Peñalolén")
        self.assertContains(response, 'href="mailto:datos@penalolen.cl"')

    def test_the_academy_and_unknown_hosts_get_the_default_site(self):
        for host in ("testserver", "localhost", "otra.localhost"):
            response = self.client.get("/", HTTP_HOST=host)
            self.assertEqual(response.context["page"].pk, Site.objects.get(is_default_site=True).root_page_id, host)
            self.assertNotContains(response, "Peñalolén")
            self.assertContains(response, "--brand:#0b3a66;")

    def test_hosts_outside_allowed_hosts_are_refused(self):
        self.assertEqual(self.client.get("/", HTTP_HOST="penalolen.example.org").status_code, 400)

    def test_selectors_find_the_school(self):
        response = self.client.get("/", HTTP_HOST="penalolen.localhost")
        self.assertEqual(school_for_request(request=response.wsgi_request), self.school)
        catalogue = CourseIndexPage.objects.child_of(self.school.site.root_page).get()
        course = build_course(catalogue=catalogue, modules=1, lessons=1)
        self.assertEqual(school_for_page(page=course.get_descendants().last()), self.school)
        academy_catalogue = Site.objects.get(is_default_site=True).root_page
        self.assertIsNone(school_for_page(page=academy_catalogue))


class NationalCatalogueTests(SchoolTestCase):
    """Item 2: a school's catalogue lists its own courses and the national ones the academy chose for it, without
    copying pages; a national course keeps the academy's address."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        from tests.factories.courses import CourseIndexPageFactory, site_root

        cls.national_catalogue = CourseIndexPageFactory(parent=site_root(), slug="cursos")
        cls.offered = build_course(catalogue=cls.national_catalogue, modules=1, lessons=1, title="Liderazgo nacional")
        cls.not_offered = build_course(catalogue=cls.national_catalogue, modules=1, lessons=1, title="Otro nacional")
        cls.school = create_penalolen().school
        cls.catalogue = CourseIndexPage.objects.child_of(cls.school.site.root_page).get()
        cls.local = build_course(catalogue=cls.catalogue, modules=1, lessons=1, title="Ordenanza de Peñalolén")
        for course in (cls.offered, cls.not_offered, cls.local):
            course.save_revision().publish()
        NationalCourseOffer.objects.create(school=cls.school, course=cls.offered, sort_order=0)

    def titles(self, response):
        """The cards' titles, read from the HTML (a catalogue page may come whole from the page cache, with no
        template context)."""
        cards = re.findall(r'<h3 class="card__title"><a href="[^"]*">([^<]*)</a>', response.content.decode())
        return [html.unescape(title) for title in cards]

    def test_the_school_catalogue_lists_its_courses_then_the_offered_national_ones(self):
        response = self.client.get("/cursos/", HTTP_HOST="penalolen.localhost")
        self.assertEqual(self.titles(response), ["Ordenanza de Peñalolén", "Liderazgo nacional"])
        link = re.search(r'<a href="([^"]+)">Liderazgo nacional', response.content.decode())[1]
        # served on the school's host, under its catalogue (tests/cms/test_national_courses_in_schools.py)
        self.assertEqual(link, "/cursos/" + self.offered.slug + "/")
        self.assertContains(response, "--brand:#0b3a66;")  # in the school's look (its settings)
        academy = self.client.get("/cursos/")
        self.assertEqual(self.titles(academy), ["Liderazgo nacional", "Otro nacional"])

    def test_search_finds_offered_national_courses(self):
        response = self.client.get("/cursos/?q=liderazgo", HTTP_HOST="penalolen.localhost")
        self.assertEqual(self.titles(response), ["Liderazgo nacional"])
        response = self.client.get("/cursos/?q=otro", HTTP_HOST="penalolen.localhost")
        self.assertEqual(self.titles(response), [])

    def test_the_catalogue_costs_the_same_queries_with_2_and_10_schools(self):
        create_penalolen(name="Valparaíso", comuna_code=VALPARAISO, host="valparaiso.localhost", admin_email="v@v.cl")
        self.client.get("/cursos/", HTTP_HOST="penalolen.localhost")  # warm Wagtail's cached site root paths
        with self.assertNumQueries(CATALOGUE_QUERIES):
            self.client.get("/cursos/", HTTP_HOST="penalolen.localhost")
        for number in range(8):
            code = f"09{number + 102}"
            ensure_comuna(code, f"Comuna {code}")
            other = create_penalolen(
                name=f"Escuela {code}", comuna_code=code, host=f"e{code}.localhost", admin_email=f"a{code}@e.cl"
            ).school
            NationalCourseOffer.objects.create(school=other, course=self.offered, sort_order=0)
            NationalCourseOffer.objects.create(school=other, course=self.not_offered, sort_order=1)
        self.assertEqual(School.objects.count(), 10)
        self.client.get("/cursos/", HTTP_HOST="penalolen.localhost")
        with self.assertNumQueries(CATALOGUE_QUERIES):
            response = self.client.get("/cursos/", HTTP_HOST="penalolen.localhost")
        self.assertEqual(self.titles(response), ["Ordenanza de Peñalolén", "Liderazgo nacional"])

    def test_the_academy_chooses_the_offered_courses_in_the_school_form(self):
        url = reverse("cms_schools:edit", args=[self.school.pk])
        form = {
            "national_courses-TOTAL_FORMS": "2",
            "national_courses-INITIAL_FORMS": "1",
            "national_courses-MIN_NUM_FORMS": "0",
            "national_courses-MAX_NUM_FORMS": "1000",
            "national_courses-0-id": str(self.school.national_courses.get().pk),
            "national_courses-0-course": str(self.offered.pk),
            "national_courses-0-ORDER": "1",
            "national_courses-1-id": "",
            "national_courses-1-course": str(self.not_offered.pk),
            "national_courses-1-ORDER": "2",
        }
        administrator = User.objects.get(email="daniela@penalolen.cl")
        self.client.force_login(administrator)
        self.assertNotEqual(self.client.get(url).status_code, 200)
        self.client.post(url, form)
        self.assertEqual(self.school.national_courses.count(), 1)
        self.client.force_login(self.academy)
        self.assertContains(self.client.get(url), "Cursos nacionales ofrecidos")
        self.assertEqual(self.client.post(url, form).status_code, 302)
        self.assertEqual(
            list(self.school.national_courses.values_list("course_id", flat=True)),
            [self.offered.pk, self.not_offered.pk],
        )
        response = self.client.post(url, {**form, "national_courses-1-course": str(self.local.pk)})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Elige un curso del catálogo nacional de la academia.")


class SiteDeletionTests(SchoolTestCase):
    def test_deleting_a_school_site_in_wagtail_sites_is_refused_without_an_error(self):
        school = create_penalolen().school
        self.client.force_login(make_user(email="admin@example.cl", is_superuser=True))
        response = self.client.post(reverse("wagtailsites:delete", args=[school.site.pk]))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Site.objects.filter(pk=school.site.pk).exists())
        plain = Site.objects.create(hostname="otro.localhost", port=80, root_page=school.site.root_page)
        self.assertEqual(self.client.post(reverse("wagtailsites:delete", args=[plain.pk])).status_code, 302)
        self.assertFalse(Site.objects.filter(pk=plain.pk).exists())
