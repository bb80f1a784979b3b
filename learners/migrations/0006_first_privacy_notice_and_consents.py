"""The privacy notice that was a template and a setting becomes the first PrivacyNotice row, and every existing
profile's acceptance becomes a Consent row (channel "import" for profiles created from a school's file)."""

from datetime import datetime

from django.conf import settings
from django.db import migrations
from django.utils import timezone

SECTIONS = {
    "purpose": (
        "Usamos tus datos para darte acceso a los cursos y guardar tu avance; para emitir tus certificados y que "
        "cualquiera pueda comprobar con su código que son auténticos; para preparar estadísticas para tu "
        "municipalidad y la academia, publicadas solo como totales y sin nombres; y para escribirte sobre tus "
        "cursos, nunca con publicidad."
    ),
    "legal_basis": (
        "Tu consentimiento, que das al crear tu cuenta (Ley 19.628, art. 4, y Ley 21.719, art. 12). Puedes "
        "retirarlo en cualquier momento desde «Mis datos»; retirarlo no deshace lo hecho antes. Si lo retiras, "
        "tu cuenta queda bloqueada y se abre una solicitud para eliminar tus datos."
    ),
    "recipients": (
        "Tu municipalidad y la academia municipal que certifica los cursos. No vendemos tus datos ni los "
        "entregamos a nadie para publicidad."
    ),
    "retention": (
        "Los registros detallados de tu actividad en las actividades interactivas se eliminan después de un "
        "plazo, cuando ya no se necesitan; se conservan tus notas, tu avance y tu asistencia mientras tengas "
        "tu cuenta. Tus certificados y los datos para verificarlos se conservan para que siempre se puedan "
        "verificar."
    ),
    "rights": (
        "Puedes pedir acceso a tus datos, corregirlos, eliminarlos, oponerte a su uso, llevártelos "
        "(portabilidad) o bloquearlos. Estos derechos son gratuitos. En «Mis datos» puedes descargar todos tus "
        "datos, corregir tu perfil y pedir la eliminación o el bloqueo. Respondemos en un máximo de 30 días "
        "corridos, y las solicitudes de bloqueo en 2 días hábiles. Si no quedas conforme, puedes reclamar ante "
        "la Agencia de Protección de Datos Personales."
    ),
    "contact": "Escríbenos al correo de contacto de la escuela que aparece al pie de esta página.",
    "certificates_after_deletion": (
        "Si eliminas tus datos, los certificados que ya recibiste siguen siendo verificables con su código: la "
        "página de verificación seguirá mostrando tu nombre, tu RUN enmascarado, el curso, sus horas, las "
        "fechas y quién lo emitió. El archivo PDF del certificado se elimina."
    ),
}


def forwards(apps, schema_editor):
    PrivacyNotice = apps.get_model("learners", "PrivacyNotice")
    Consent = apps.get_model("learners", "Consent")
    LearnerProfile = apps.get_model("learners", "LearnerProfile")
    version = getattr(settings, "LEARNERS_PRIVACY_NOTICE_VERSION", "2026-11")
    published = min(timezone.make_aware(datetime(2026, 11, 1)), timezone.now())  # in force from the start
    notice, _created = PrivacyNotice.objects.get_or_create(
        version=version, defaults={"published_at": published, **SECTIONS}
    )
    consents = []
    for profile in LearnerProfile.objects.all().iterator():
        imported = profile.privacy_notice_version == "csv-import"
        consents.append(
            Consent(
                user_id=profile.user_id,
                notice=notice if profile.privacy_notice_version == notice.version else None,
                version=profile.privacy_notice_version,
                accepted_at=profile.privacy_accepted_at,
                channel="import" if imported else "migrated",
            )
        )
    Consent.objects.bulk_create(consents, batch_size=1000)


def backwards(apps, schema_editor):
    apps.get_model("learners", "Consent").objects.all().delete()
    apps.get_model("learners", "PrivacyNotice").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("learners", "0005_add_privacy_notice_consent_data_request")]

    operations = [migrations.RunPython(forwards, backwards)]
