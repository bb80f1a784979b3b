"""The staff roles (Instructor, Academia, Coordinación municipal, Administrador) and the academy's review workflow.

The definitions live in cms.roles, shared with ``manage.py sync_roles``; this runs them on the historical models.
"""

from django.db import migrations

from cms import roles


def create_roles(apps, schema_editor):
    roles.permissions_create(apps=apps)
    groups = roles.roles_sync(apps=apps)
    roles.workflow_sync(apps=apps, academy=groups[roles.ACADEMY])


def remove_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    Task = apps.get_model("wagtailcore", "Task")
    Workflow.objects.filter(name=roles.WORKFLOW_NAME).delete()
    Task.objects.filter(name=roles.TASK_NAME).delete()
    Group.objects.filter(name__in=roles.ROLE_NAMES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0002_create_home_page"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0006_formstate"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("courses", "0005_add_h5p_activities_and_library_store"),
        ("learners", "0004_add_staff_profile_and_audit_log"),
        ("certificates", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
