from django.db import migrations

AUDIENCE_CODES = ["citizens", "social_leaders", "municipal_staff"]


def create_audiences(apps, schema_editor):
    Audience = apps.get_model("courses", "Audience")
    for code in AUDIENCE_CODES:
        Audience.objects.get_or_create(code=code)


def remove_audiences(apps, schema_editor):
    apps.get_model("courses", "Audience").objects.filter(code__in=AUDIENCE_CODES).delete()


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_initial")]

    operations = [migrations.RunPython(create_audiences, remove_audiences)]
