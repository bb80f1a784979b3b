"""A new version of the privacy notice saying who sees what once the installation hosts municipal schools (issue
15, item 6): each school sees only the enrolments, progress and data of its own courses and groups; the academy
sees everything and national figures only as totals. Created only where schools exist (a fresh database gets it
when the academy publishes a new version, see the README); learners accept it at their next log-in."""

from django.db import migrations
from django.utils import timezone

VERSION = "2026-12-escuelas"
RECIPIENTS = (
    "Tu cuenta es una sola para todas las escuelas ciudadanas de esta plataforma. Cada escuela municipal ve solo "
    "lo tuyo que es de ella: tus inscripciones, tu avance, tu asistencia, tus certificados y tus datos de contacto "
    "en sus propios cursos y grupos; no ve lo que haces en otra escuela. Tu municipalidad (su coordinación) ve los "
    "grupos de la comuna y a quienes viven en ella. La academia municipal, que administra la plataforma y certifica "
    "los cursos nacionales, ve todo, y las cifras nacionales por escuela se publican solo como totales, sin "
    "nombres. No vendemos tus datos ni los entregamos a nadie para publicidad."
)


def forwards(apps, schema_editor):
    School = apps.get_model("courses", "School")
    PrivacyNotice = apps.get_model("learners", "PrivacyNotice")
    if not School.objects.exists() or PrivacyNotice.objects.filter(version=VERSION).exists():
        return
    latest = PrivacyNotice.objects.order_by("-published_at", "-pk").first()
    if latest is None:
        return
    sections = {
        name: getattr(latest, name)
        for name in ("purpose", "legal_basis", "retention", "rights", "contact", "certificates_after_deletion")
    }
    PrivacyNotice.objects.create(version=VERSION, published_at=timezone.now(), recipients=RECIPIENTS, **sections)


class Migration(migrations.Migration):
    dependencies = [
        ("learners", "0017_learnerprofile_run_verified_at"),
        ("courses", "0014_school_staff_groups"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
