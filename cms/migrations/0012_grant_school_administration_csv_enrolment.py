"""Give every existing school's administration ``learners.add_enrolment``: enrolling from a CSV file and resending
its invitations, limited to her school's courses and cohorts (``manage.py sync_roles`` does the same)."""

from django.db import migrations

from cms import roles


def schools_sync(apps, schema_editor):
    roles.permissions_create(apps=apps)
    roles.schools_access_sync(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0011_school_staff_groups_and_reviews"),
    ]

    operations = [migrations.RunPython(schools_sync, migrations.RunPython.noop)]
