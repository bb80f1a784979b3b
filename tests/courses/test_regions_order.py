"""Regions north to south everywhere, comunas alphabetically within their region (issue 13, item 4)."""

from django.core.management import call_command
from django.test import SimpleTestCase, TestCase

from cms.reports import selectors
from cms.reports.filters import ReportFilterSet
from cms.reports.selectors import ReportFilters
from courses.models import Region
from courses.models.territory import REGIONS_NORTH_TO_SOUTH, alphabetical_key, region_position
from learners.accounts.forms import ComunaChoiceField

NORTH_TO_SOUTH_NAMES = [
    "Arica y Parinacota", "Tarapacá", "Antofagasta", "Atacama", "Coquimbo", "Valparaíso", "Metropolitana de Santiago",
    "Libertador General Bernardo O'Higgins", "Maule", "Ñuble", "Biobío", "La Araucanía", "Los Ríos", "Los Lagos",
    "Aysén del General Carlos Ibáñez del Campo", "Magallanes y de la Antártica Chilena",
]  # fmt: skip


class PositionTests(SimpleTestCase):
    def test_every_region_once_from_arica_to_magallanes(self):
        self.assertEqual(len(set(REGIONS_NORTH_TO_SOUTH)), 16)
        self.assertEqual((region_position("15"), region_position("12")), (0, 15))
        self.assertLess(region_position("05"), region_position("13"))
        self.assertLess(region_position("13"), region_position("06"))
        self.assertLess(region_position("07"), region_position("16"))
        self.assertLess(region_position("16"), region_position("08"))
        self.assertEqual(region_position(None), 16)

    def test_spanish_alphabetical_order(self):
        names = ["Ñuñoa", "Zapallar", "Nogales", "Algarrobo", "Ollagüe"]
        self.assertEqual(sorted(names, key=alphabetical_key), ["Algarrobo", "Nogales", "Ñuñoa", "Ollagüe", "Zapallar"])


class ReferenceDataOrderTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("load_reference_data", verbosity=0)

    def test_regions_list_north_to_south(self):
        names = [region.name for region in Region.objects.all()]
        self.assertEqual(len(names), 16)
        for name, expected in zip(names, NORTH_TO_SOUTH_NAMES, strict=True):
            self.assertTrue(name.startswith(expected[:8]) or expected.startswith(name[:8]), (name, expected))
        self.assertEqual([region.code for region in Region.objects.all()], list(REGIONS_NORTH_TO_SOUTH))

    def test_the_comuna_list_groups_regions_north_to_south_and_comunas_alphabetically(self):
        field = ComunaChoiceField()
        groups = [choice for choice in field.choices if isinstance(choice[1], list | tuple)]
        self.assertEqual(len(groups), 16)
        self.assertIn("Arica", str(groups[0][0]))
        self.assertIn("Magallanes", str(groups[-1][0]))
        metropolitana = next(comunas for label, comunas in groups if "Metropolitana" in str(label))
        names = [str(label) for _value, label in metropolitana]
        self.assertEqual(names, sorted(names, key=alphabetical_key))
        self.assertLess(names.index("Ñuñoa"), names.index("Padre Hurtado"))  # among the N, not after Z

    def test_the_report_region_filter_and_chart_go_north_to_south(self):
        codes = [region.code for region in ReportFilterSet().filters["region"].queryset]
        self.assertEqual(codes, list(REGIONS_NORTH_TO_SOUTH))
        data = selectors.dashboard_data(municipality=None)
        self.assertEqual([name for name, _count in data.learners_by_region][0], Region.objects.get(code="15").name)
        self.assertEqual([name for name, _count in data.learners_by_region][-1], Region.objects.get(code="12").name)

    def test_report_rows_per_comuna_go_north_to_south(self):
        from learners.enrolment import services
        from tests.factories.courses import CourseIndexPageFactory, build_course, site_root
        from tests.factories.learners import make_learner

        course = build_course(catalogue=CourseIndexPageFactory(parent=site_root()), modules=1, lessons=1)
        for run, comuna in (("12.345.678-5", "12101"), ("11.111.111-1", "15101"), ("9.999.999-3", "13101")):
            learner = make_learner(run=run, email=f"{comuna}@example.cl", comuna=comuna)
            services.enrolment_create(user=learner, course=course)
        rows = selectors.breakdown_rows(by="comuna", filters=ReportFilters(), municipality=None)
        self.assertEqual([row["region_id"] for row in rows], ["15", "13", "12"])
