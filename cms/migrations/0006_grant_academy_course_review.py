"""Run the role definitions again now that the course review permission (courses 0007) exists, so the Academia
role gets it on a fresh database too (``manage.py sync_roles`` does the same on an existing one)."""

from django.db import migrations

from cms import roles


def sync_roles(apps, schema_editor):
    roles.permissions_create(apps=apps)
    roles.roles_sync(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0005_add_demo_page_record"),
        ("courses", "0008_add_course_content_review"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
