"""What a visitor and a learner do on a fresh Wagtail site that installed the three plugins (tests/test_host_site.py).

Run by the host's ``manage.py shell --no-imports -c`` (never imported by the suite): it prints one JSON object of
observations on its last line, and tests/test_host_site.py checks them. The school's side (catalogue, course,
certificate template) is made with the models, as an editor would in the admin; the learner's side goes through the
plugins' own pages: sign up, confirm, log in, enrol, complete the lesson, open the verification page.
"""

import importlib.util
import json
import re
import sys

from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.test.utils import setup_test_environment
from wagtail.models import Site
from wagtail.rich_text import RichText

from certificates.models import CertificateTemplate, IssuedCertificate, Issuer, Signatory
from courses.models import Audience, CourseIndexPage, CoursePage, LessonPage, ModulePage
from learners.models import Enrolment

setup_test_environment()  # the locmem mail outbox, as in any Django test
seen = {"cms_importable": importlib.util.find_spec("cms") is not None}
call_command("load_reference_data", verbosity=0)  # regions and comunas, shipped with the courses app

home = Site.objects.get(is_default_site=True).root_page.specific
seen["home_model"] = home._meta.label
catalogue = home.add_child(instance=CourseIndexPage(title="Cursos", slug="cursos"))
course = catalogue.add_child(
    instance=CoursePage(
        title="Presupuestos participativos",
        slug="presupuestos-participativos",
        summary="Cómo decide un barrio en qué se gasta.",
        thematic_area="participation",
        duration_hours=4,
        learning_objectives="<ul><li>Proponer un proyecto.</li></ul>",
    )
)
course.audiences.set(Audience.objects.all())
course.save_revision().publish()
module = course.add_child(instance=ModulePage(title="Primer módulo", slug="primer-modulo"))
lesson = module.add_child(
    instance=LessonPage(
        title="La asamblea",
        slug="la-asamblea",
        estimated_minutes=10,
        body=[("paragraph", RichText("<p>Cómo se vota en la asamblea.</p>"))],
    )
)
issuer = Issuer.objects.create(name="Municipalidad de Prueba", short_code="MUNI", rut="65.038.226-6", city="Santiago")
template = CertificateTemplate(issuer=issuer, name="Aprobación", title="Certificado", body="{nombre} aprobó {curso}.")
template.is_default = True
template.signatories = [Signatory(name="Ana Pérez", role="Directora")]
template.save()

visitor = Client()
response = visitor.get(course.url)
seen["course_page"] = [response.status_code, course.title in response.content.decode()]
response = visitor.get("/cuenta/registro/")
seen["signup_page"] = [response.status_code, "learners/js/comuna.js" in response.content.decode()]
response = visitor.get("/cuenta/privacidad/")
seen["privacy_page"] = [response.status_code, "hostsite runs this school" in response.content.decode()]

learner = Client()
password = "una-clave-bien-larga-2026"
response = learner.post(
    "/cuenta/registro/",
    {
        "email": "maria@example.cl",
        "password1": password,
        "password2": password,
        "given_names": "María José",
        "family_names": "González Pérez",
        "document_type": "run",
        "run": "12.345.678-5",
        "birth_year": "1980",
        "comuna": "13101",
        "learner_type": "citizen",
        "accept_privacy": "on",
    },
)
seen["signup"] = [response.status_code, response.get("Location", "")]
confirm = re.search(r"https?://[^/\s]+(/cuenta/confirmar/\S+/)", mail.outbox[0].body) if mail.outbox else None
seen["confirmation_mail"] = bool(confirm)
if confirm:
    learner.get(confirm.group(1))
response = learner.post("/cuenta/ingresar/", {"username": "maria@example.cl", "password": password})
seen["login"] = [response.status_code, response.get("Location", "")]

response = learner.post(f"/cursos/{course.pk}/inscripcion/", follow=True)
page = response.content.decode()
seen["enrol"] = [response.status_code, response.redirect_chain[-1][0] if response.redirect_chain else ""]
seen["enrol_message"] = 'class="notice notice--success"' in page
seen["enrolment"] = list(Enrolment.objects.filter(course=course).values_list("user__email", "status"))
seen["lesson_page"] = learner.get(lesson.url).status_code
response = learner.post(f"/lecciones/{lesson.pk}/completar/", follow=True)
seen["complete"] = [response.status_code, response.redirect_chain[-1][0] if response.redirect_chain else ""]
seen["dashboard_page"] = learner.get("/mis-cursos/").status_code

certificate = IssuedCertificate.objects.filter(enrolment__course=course).first()
seen["certificate"] = [certificate.status, bool(certificate.pdf)] if certificate else None
if certificate:
    response = visitor.get(f"/certificados/verificar/{certificate.code}/")
    page = response.content.decode()
    seen["verify_page"] = [response.status_code, 'data-status="valid"' in page, course.title in page]
sys.stdout.write(json.dumps(seen) + "\n")
