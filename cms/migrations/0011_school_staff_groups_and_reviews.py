"""Link every existing school's "Administración …" and "Docentes …" groups to it (``courses.SchoolGroup``), give
them their school-scoped permissions (cohorts, sessions, enrolments, attendance, certificates and reports of the
school), put each school's pages under its own review workflow, "Revisión <escuela>", approved by its
administration (``manage.py sync_roles`` repeats this), and give H5P activities their uploader's school."""

from django.db import migrations

from cms import roles


def schools_sync(apps, schema_editor):
    roles.permissions_create(apps=apps)
    roles.schools_access_sync(apps=apps)
    # H5P activities uploaded before belong to their uploader's school (none: the academy's)
    H5PActivity = apps.get_model("courses", "H5PActivity")
    SchoolGroup = apps.get_model("courses", "SchoolGroup")
    for link in SchoolGroup.objects.order_by("-school_id"):
        H5PActivity.objects.filter(uploaded_by__groups=link.group_id).update(school_id=link.school_id)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0010_worker_heartbeat"),
        ("courses", "0015_h5p_activity_owner_school"),
        ("learners", "0016_notifications_outbox_and_preferences"),
        ("certificates", "0005_cap_template_body_length"),
        ("cms_reports", "0001_add_report_access_permission"),
    ]

    operations = [migrations.RunPython(schools_sync, migrations.RunPython.noop)]
