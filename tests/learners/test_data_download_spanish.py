"""The learner's data download speaks Spanish (issue 13): file, column and code names, in datos.json and the CSVs."""

import io
import json
import zipfile

from django.test import SimpleTestCase

from learners.models import Enrolment, LearnerProfile
from learners.privacy import export_names
from tests.csv_files import csv_dicts
from tests.learners.privacy_setup import PrivacyTestCase


class DownloadInSpanishTests(PrivacyTestCase):
    def download(self, user) -> zipfile.ZipFile:
        self.client.force_login(user)
        return zipfile.ZipFile(io.BytesIO(self.client.get("/cuenta/mis-datos/descargar/").content))

    def test_files_columns_and_codes_are_spanish(self):
        user, enrolment, _certificate = self.make_full_learner()
        LearnerProfile.objects.filter(user=user).update(learner_type=LearnerProfile.LearnerType.SOCIAL_LEADER)
        Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.COMPLETED)
        archive = self.download(user)
        self.assertIn("perfil.csv", archive.namelist())
        self.assertNotIn("profile.csv", archive.namelist())
        profile = csv_dicts(archive.read("perfil.csv"))[0]
        self.assertEqual(profile["tipo_participante"], "dirigente_social")
        enrolment_row = csv_dicts(archive.read("inscripciones.csv"))[0]
        self.assertEqual(enrolment_row["estado"], "completado")
        data = json.loads(archive.read("datos.json"))
        self.assertEqual(data["perfil"][0]["tipo_participante"], "dirigente_social")
        self.assertEqual(data["inscripciones"][0]["estado"], "completado")
        self.assertEqual(data["consentimientos"][0]["canal"], "registro")
        self.assertEqual(data["certificados"][0]["estado"], "vigente")

    def test_no_internal_english_name_is_left(self):
        user, _enrolment, _certificate = self.make_full_learner()
        data = json.loads(self.download(user).read("datos.json"))
        english = set(export_names.CATEGORIES) - set(export_names.CATEGORIES.values())
        self.assertEqual(set(data) & english, set())
        columns = {column for rows in data.values() for row in rows for column in row}
        english_columns = set(export_names.COLUMNS) - set(export_names.COLUMNS.values())
        self.assertEqual(columns & english_columns, set())


class ExportNamesTests(SimpleTestCase):
    def test_every_code_of_the_models_has_a_spanish_name(self):
        from certificates.models import IssuedCertificate
        from learners.models import AttendanceRecord, Consent, DataRequest, LessonProgress

        fields = {
            ("profile", "document_type"): LearnerProfile.DocumentType,
            ("profile", "learner_type"): LearnerProfile.LearnerType,
            ("consents", "channel"): Consent.Channel,
            ("enrolments", "status"): Enrolment.Status,
            ("progress", "source"): LessonProgress._meta.get_field("source").choices,
            ("attendance", "status"): AttendanceRecord._meta.get_field("status").choices,
            ("data_requests", "kind"): DataRequest.Kind,
            ("data_requests", "status"): DataRequest._meta.get_field("status").choices,
            ("certificates", "status"): IssuedCertificate.Status,
        }
        for key, choices in fields.items():
            values = {value for value, _label in (choices.choices if hasattr(choices, "choices") else choices)}
            with self.subTest(key=key):
                self.assertEqual(values - set(export_names.CODES[key]), set())

    def test_unknown_names_pass_as_they_are(self):
        data = export_names.in_spanish({"otra_app": [{"campo": "valor"}], "profile": [{"learner_type": "citizen"}]})
        self.assertEqual(data, {"otra_app": [{"campo": "valor"}], "perfil": [{"tipo_participante": "ciudadano"}]})
