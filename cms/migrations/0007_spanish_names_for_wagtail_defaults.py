"""Spanish names for the rows Wagtail's own migrations create in English and the admin shows: the root page and
the root collection ("Root", in breadcrumbs and choosers) and the default moderation task and workflow
("Moderators approval", in the task chooser and the workflow reports). Only rows still carrying Wagtail's name
change; reversing keeps the Spanish names."""

from django.db import migrations

NAMES = {"Root": "Raíz", "Moderators approval": "Aprobación de moderación"}


def rename(apps, schema_editor):
    Page = apps.get_model("wagtailcore", "Page")
    Collection = apps.get_model("wagtailcore", "Collection")
    Task = apps.get_model("wagtailcore", "Task")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    Page.objects.filter(depth=1, title="Root").update(title=NAMES["Root"], draft_title=NAMES["Root"])
    Collection.objects.filter(depth=1, name="Root").update(name=NAMES["Root"])
    for model in (Task, Workflow):
        model.objects.filter(name="Moderators approval").update(name=NAMES["Moderators approval"])


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0006_grant_academy_course_review"),
        ("wagtailcore", "0048_add_default_workflows"),
    ]

    operations = [migrations.RunPython(rename, migrations.RunPython.noop)]
