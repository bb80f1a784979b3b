"""Run the role definitions again now that the school permissions (courses 0012) exist, so the Academia role may
add and remove schools on a fresh database too (``manage.py sync_roles`` does the same on an existing one)."""

from django.db import migrations

from cms import roles


def sync_roles(apps, schema_editor):
    roles.permissions_create(apps=apps)
    roles.roles_sync(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0008_school_branding_and_many_home_pages"),
        ("courses", "0012_add_school"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
