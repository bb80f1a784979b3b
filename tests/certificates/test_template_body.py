"""Issue 13, item 15: the certificate states each fact once, draws the issuer's logo (and survives a broken one),
names its signatories, and the template form caps the body at what the page holds."""

import logging
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import translation
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from certificates.models import (
    MAX_BODY_LENGTH,
    PLACEHOLDER_MAX_LENGTHS,
    CertificateTemplate,
    printed_body_length,
    validate_body_length,
)
from certificates.pdf import composition, writer
from certificates.services.rendering import _ImageCache, certificate_data
from tests.certificates.pdf_samples import logo_png, sample_data
from tests.certificates.test_admin import AdminTestCase
from tests.certificates.test_pdf import CROWDED, boxes, extract_text, squash

WORDS = (
    "participación ciudadana municipal presupuestos dirigentes vecinales organizaciones comunitarias transparencia "
    "probidad consejo comunal sociedad civil ordenanza plebiscito audiencias públicas"
).split()
LONGEST_NAME = ("María de los Ángeles Josefina Nguyễn Thị Hương Fernández de la Barra " * 3)[:100].strip() + (
    " " + ("Üribe-Ñancupil Hernández del Solar y Montt Zañartu Ossandón " * 3)[:100].strip()
)
LONGEST_COURSE = (
    "Diplomado en gestión municipal participativa, transparencia activa, probidad y presupuestos participativos "
    "para dirigentes vecinales y funcionarios municipales de la Región Metropolitana de Santiago y de las "
    "regiones del norte grande, norte chico y zona central"
)[:255]
FACT_BODY = (
    "Se certifica que {nombre}, RUN {run}, aprobó el curso «{curso}», de {horas} horas cronológicas, en modalidad "
    "{modalidad}, realizado {fechas}."
)


def words_of(length: int) -> str:
    words, index = [], 0
    while len(" ".join(words)) < length:
        words.append(WORDS[index % len(WORDS)])
        index += 1
    return " ".join(words)[:length].rstrip()


def demo_snapshot(body_template: str) -> dict:
    values = {
        "nombre": "María José Nguyễn Muñoz Agüero",
        "run": "12.345.678-5",
        "curso": "Participación ciudadana en la comuna",
        "horas": "24",
        "modalidad": "E-learning",
        "fechas": "del 02/03/2026 al 29/05/2026",
    }
    return {
        "title": "Certificado de aprobación",
        "issuer_name": "Asociación de Municipalidades de Chile",
        "issuer_rut": "65.038.226-6",
        "issuer_logo": "",
        "body": body_template.format(**values),
        "body_states": sorted(name for name in values if f"{{{name}}}" in body_template),
        "learner_name": values["nombre"],
        "learner_run": values["run"],
        "course_title": values["curso"],
        "hours": "24",
        "duration": "24 horas cronológicas",
        "modality": values["modalidad"],
        "dates": values["fechas"],
        "grade": "6,5",
        "attendance": "92,5 %",
        "city_and_date": "Santiago, 7 de diciembre de 2026",
        "folio": "AMUCH-2026-000001",
        "code_display": "ABCD-EFGH-JKLM-NPQR-S",
        "verify_url": "https://escuela.example.cl/certificados/verificar/ABCDEFGHJKLMNPQRS/",
        "signatories": [
            {"name": "Carolina Muñoz Reyes", "role": "Coordinadora académica", "signature": ""},
            {"name": "Jorge Sepúlveda Araya", "role": "Secretario ejecutivo", "signature": ""},
        ],
        "orientation": "landscape",
    }


def printed(snapshot: dict) -> str:
    with translation.override("es"):
        return squash(extract_text(writer.render_certificate(certificate_data(snapshot))))


@pytest.mark.parametrize(
    "body", ["Cumplió los requisitos de asistencia y evaluación, y aprobó el curso", FACT_BODY], ids=["own", "facts"]
)
def test_each_fact_is_printed_once(body):
    snapshot = demo_snapshot(body)
    text = printed(snapshot)
    for fact in ("María José Nguyễn Muñoz Agüero", "12.345.678-5", "Participación ciudadana en la comuna", "24 horas"):
        assert text.count(squash(fact)) == 1, (fact, text)
    for fact in ("E-learning", "del 02/03/2026 al 29/05/2026", "6,5", "92,5 %", "Santiago, 7 de diciembre de 2026"):
        assert text.count(squash(fact)) == 1, (fact, text)
    for person in ("Carolina Muñoz Reyes", "Coordinadora académica", "Jorge Sepúlveda Araya", "Secretario ejecutivo"):
        assert squash(person) in text


def test_a_certificate_issued_before_keeps_what_it_printed():
    """A snapshot without ``body_states`` (issued before this change) is drawn as it always was."""
    snapshot = demo_snapshot(FACT_BODY)
    del snapshot["body_states"]
    assert printed(snapshot).count(squash("María José Nguyễn Muñoz Agüero")) == 2


def test_the_layout_leaves_out_every_place_the_body_fills():
    data = sample_data(body_states=frozenset({"nombre", "run", "curso", "horas", "modalidad", "fechas", "nota"}))
    with translation.override("es"):
        texts = [op.text for op in composition.layout(data).ops if isinstance(op, composition.Text)]
    assert data.learner_name not in texts
    assert not any(text.startswith("RUN") for text in texts)
    assert "CURSO" not in texts and "DURACIÓN" not in texts and "CALIFICACIÓN" not in texts
    assert "ASISTENCIA" in texts and data.city_and_date in texts


@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
@pytest.mark.parametrize("states", [frozenset(), frozenset({"nombre", "curso"})], ids=["places", "in-body"])
def test_the_longest_allowed_body_fits_on_one_page(orientation, states):
    """The longest body the form accepts, the longest name and course title, three signatories with long roles and
    every detail: one page, nothing outside the frame or overlapping, every word extracted, text still legible."""
    body = words_of(MAX_BODY_LENGTH)
    if states:  # the placeholders' text counts against the limit at its longest
        body = words_of(MAX_BODY_LENGTH - PLACEHOLDER_MAX_LENGTHS["nombre"] - PLACEHOLDER_MAX_LENGTHS["curso"] - 2)
        body = f"{LONGEST_NAME} {body} {LONGEST_COURSE}"
    assert len(LONGEST_NAME) == PLACEHOLDER_MAX_LENGTHS["nombre"]
    assert len(LONGEST_COURSE) == PLACEHOLDER_MAX_LENGTHS["curso"]
    data = sample_data(
        **{
            **CROWDED,
            "orientation": orientation,
            "body": body,
            "body_states": states,
            "learner_name": LONGEST_NAME,
            "course_title": LONGEST_COURSE,
        }
    )
    with translation.override("es"):
        layout = composition.layout(data)
        document = writer.render_certificate(data)
    assert not layout.overflows
    assert layout.middle_scale >= 0.6  # the body at 6.9 points or more
    placed = boxes(layout)
    for label, (x1, y1, x2, y2) in placed:
        assert 27 < x1 and x2 < layout.width - 27 and 27 < y1 and y2 < layout.height - 27, label
    for index, (label_a, a) in enumerate(placed):
        for label_b, b in placed[index + 1 :]:
            overlap = min(a[2], b[2]) - max(a[0], b[0]) > 0.5 and min(a[3], b[3]) - max(a[1], b[1]) > 0.5
            assert not overlap, (label_a, label_b)
    text = squash(extract_text(document))  # extract_text asserts a single page
    assert squash(body) in text
    for value in (LONGEST_NAME, LONGEST_COURSE, data.verify_url, data.city_and_date):
        assert squash(value) in text


def test_body_length_counts_placeholders_at_their_longest():
    assert printed_body_length("Hola") == 4
    assert printed_body_length("{nombre} aprobó {curso}") == 201 + len(" aprobó ") + 255
    validate_body_length("x" * MAX_BODY_LENGTH)
    with pytest.raises(ValidationError) as raised, translation.override("es"):
        validate_body_length("x" * (MAX_BODY_LENGTH - 200) + "{curso}")
    message = raised.value.messages[0]
    assert message.startswith("El texto es demasiado largo para caber en el certificado")
    assert f"puede llegar a {MAX_BODY_LENGTH - 200 + 255} caracteres" in message
    assert f"el máximo es {MAX_BODY_LENGTH}" in message


class TemplateFormTests(AdminTestCase):
    def post(self, body: str):
        data = nested_form_data(
            {
                "name": "Larga",
                "issuer": self.issuer.pk,
                "kind": "aprobacion",
                "orientation": "landscape",
                "title": "Certificado de aprobación",
                "body": body,
                "signatories": inline_formset([{"name": "Ana Pérez", "role": "Directora"}]),
            }
        )
        with translation.override("es"):
            return self.client.post(reverse("wagtailsnippets_certificates_certificatetemplate:add"), data)

    def test_a_body_too_long_for_the_page_is_refused_with_a_clear_message(self):
        response = self.post("Cumplió " + "x" * MAX_BODY_LENGTH)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(CertificateTemplate.objects.filter(name="Larga").exists())
        self.assertContains(response, "El texto es demasiado largo para caber en el certificado")
        self.assertContains(response, f"el máximo es {MAX_BODY_LENGTH}")

    def test_the_longest_body_is_accepted(self):
        response = self.post("x" * MAX_BODY_LENGTH)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(CertificateTemplate.objects.filter(name="Larga").exists())

    def test_the_form_explains_the_text_field(self):
        with translation.override("es"):
            response = self.client.get(reverse("wagtailsnippets_certificates_certificatetemplate:add"))
        self.assertContains(response, "Máximo 900 caracteres")


class LogoFileTests(AdminTestCase):
    def test_a_damaged_or_missing_logo_is_left_out_and_logged(self):
        damaged = default_storage.save("certificados-prueba/logo-danado.png", ContentFile(logo_png()[:300]))
        not_an_image = default_storage.save("certificados-prueba/logo.jpg", ContentFile(b"\xff\xd8 no es una imagen"))
        self.addCleanup(default_storage.delete, damaged)
        self.addCleanup(default_storage.delete, not_an_image)
        for name in (damaged, not_an_image, "certificados-prueba/no-existe.png"):
            with self.subTest(name=name), self.assertLogs("certificates.services.rendering", logging.WARNING) as logs:
                snapshot = {**demo_snapshot(FACT_BODY), "issuer_logo": name}
                data = certificate_data(snapshot, _ImageCache())
                self.assertIsNone(data.issuer_logo_png)
                self.assertTrue(writer.render_certificate(data).startswith(b"%PDF-"))
            self.assertTrue(re.search(r"drawn without it", logs.output[0]))

    def test_a_good_logo_is_drawn_with_its_proportions(self):
        name = default_storage.save("certificados-prueba/logo.png", ContentFile(logo_png()))
        self.addCleanup(default_storage.delete, name)
        data = certificate_data({**demo_snapshot(FACT_BODY), "issuer_logo": name}, _ImageCache())
        pictures = [op for op in composition.layout(data).ops if isinstance(op, composition.Picture)]
        self.assertEqual([picture.ref for picture in pictures], ["logo"])
        self.assertAlmostEqual(pictures[0].w / pictures[0].h, 1.0, places=3)  # 240 × 240 px
