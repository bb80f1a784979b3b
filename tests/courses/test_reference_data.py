from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import TestCase

from courses.models import Comuna, Province, Region

CSV = Path(settings.BASE_DIR) / "courses" / "data" / "chile_comunas.csv"


class ReferenceDataTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("load_reference_data", stdout=StringIO())

    def test_official_counts(self):
        self.assertEqual(Region.objects.count(), 16)
        self.assertEqual(Province.objects.count(), 56)
        self.assertEqual(Comuna.objects.count(), 346)

    def test_codes_are_zero_padded_text_and_nest(self):
        for comuna in Comuna.objects.select_related("province"):
            self.assertEqual(len(comuna.code), 5)
            self.assertEqual(comuna.code[:3], comuna.province_id)
            self.assertEqual(comuna.code[:2], comuna.region_id)
            self.assertEqual(comuna.province.region_id, comuna.region_id)
        self.assertEqual(Comuna.objects.get(code="01101").name, "Iquique")
        self.assertEqual(Region.objects.get(code="01").name, "Tarapacá")

    def test_per_region_counts(self):
        expected = {"01": 7, "05": 38, "12": 11, "13": 52, "16": 21}
        for code, count in expected.items():
            self.assertEqual(Comuna.objects.filter(region_id=code).count(), count, code)
        self.assertEqual(Province.objects.filter(region_id="13").count(), 6)

    def test_accented_names_and_antartica(self):
        self.assertEqual(Comuna.objects.get(code="08301").name, "Los Ángeles")
        self.assertEqual(Comuna.objects.get(code="16206").name, "Ránquil")
        self.assertEqual(Comuna.objects.get(code="12202").name, "Antártica")

    def test_loading_again_changes_nothing(self):
        Comuna.objects.filter(code="13101").update(name="Santiago (renombrada)")
        call_command("load_reference_data", stdout=StringIO())
        self.assertEqual(Comuna.objects.count(), 346)
        self.assertEqual(Comuna.objects.get(code="13101").name, "Santiago")


class ReferenceFileErrorTests(TestCase):
    def write(self, tmp_path_text):
        path = Path(self.tmp) / "comunas.csv"
        path.write_text(tmp_path_text, encoding="utf-8")
        return path

    def setUp(self):
        import tempfile

        self.tmp = tempfile.mkdtemp()

    def test_unpadded_codes_are_refused(self):
        header = "region_code,region_name,region_roman,province_code,province_name,comuna_code,comuna_name\n"
        path = self.write(header + "1,Tarapacá,I,11,Iquique,1101,Iquique\n")
        with self.assertRaisesMessage(CommandError, "zero-padded"):
            call_command("load_reference_data", file=path, stdout=StringIO())
        self.assertEqual(Comuna.objects.count(), 0)

    def test_missing_columns_are_refused(self):
        path = self.write("code,name\n01101,Iquique\n")
        with self.assertRaisesMessage(CommandError, "Missing columns"):
            call_command("load_reference_data", file=path, stdout=StringIO())

    def test_missing_file(self):
        with self.assertRaisesMessage(CommandError, "File not found"):
            call_command("load_reference_data", file=Path(self.tmp) / "nope.csv", stdout=StringIO())
