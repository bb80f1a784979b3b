"""Run the role definitions again now that the personal-data models (learners 0005) and the reports permission
exist, so the Academia and Coordinación municipal roles get them on a fresh database too."""

from django.db import migrations

from cms import roles


def sync_roles(apps, schema_editor):
    roles.permissions_create(apps=apps)
    roles.roles_sync(apps=apps)


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0003_create_roles"),
        ("learners", "0006_first_privacy_notice_and_consents"),
        ("cms_reports", "0001_add_report_access_permission"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
