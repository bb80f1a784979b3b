"""Link every existing school's "Administración …" and "Docentes …" groups to it (``courses.SchoolGroup``), give
them their school-scoped permissions (cohorts, sessions, enrolments, attendance, certificates and reports of the
school) and put each school's pages under its own review workflow, "Revisión <escuela>", approved by its
administration (``manage.py sync_roles`` does the same on an existing database)."""

from django.db import migrations

from cms import roles


def schools_sync(apps, schema_editor):
    roles.permissions_create(apps=apps)
    roles.schools_access_sync(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0009_grant_academy_schools"),
        ("courses", "0014_school_staff_groups"),
        ("learners", "0016_notifications_outbox_and_preferences"),
        ("certificates", "0005_cap_template_body_length"),
        ("cms_reports", "0001_add_report_access_permission"),
    ]

    operations = [migrations.RunPython(schools_sync, migrations.RunPython.noop)]
