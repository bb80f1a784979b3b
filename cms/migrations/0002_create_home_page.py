"""Replace Wagtail's placeholder welcome page with the school's home page and point the site at it."""

from django.db import migrations

HOME_TITLE = "Escuela Ciudadana"


def create_home_page(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    Site = apps.get_model("wagtailcore", "Site")
    Locale = apps.get_model("wagtailcore", "Locale")
    HomePage = apps.get_model("cms", "HomePage")

    if HomePage.objects.exists():
        return
    root = Page.objects.filter(depth=1).first()
    if root is None:
        return
    content_type, _ = ContentType.objects.get_or_create(model="homepage", app_label="cms")
    locale = Locale.objects.order_by("pk").first()
    siblings = Page.objects.filter(depth=2).order_by("-path").values_list("path", flat=True)
    last = siblings.first()
    position = int(last[-4:], 36) + 1 if last else 1
    path = root.path + _base36(position).rjust(4, "0")
    home = HomePage.objects.create(
        title=HOME_TITLE,
        draft_title=HOME_TITLE,
        slug="inicio",
        content_type=content_type,
        path=path,
        depth=2,
        numchild=0,
        url_path="/inicio/",
        locale=locale,
        live=True,
        hero_title="Aprende a participar en tu comuna",
        hero_text="Cursos gratuitos para vecinas, vecinos, dirigentes sociales y personal municipal.",
    )
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True, site_name=HOME_TITLE
        )
    else:
        site.root_page = home
        site.site_name = HOME_TITLE
        site.save(update_fields=["root_page", "site_name"])
    # Wagtail's own migration creates a "Welcome to your new Wagtail site!" page; nothing points to it now.
    Page.objects.filter(depth=2, slug="home", content_type__app_label="wagtailcore", content_type__model="page").delete()
    root.numchild = Page.objects.filter(depth=2).count()
    root.save(update_fields=["numchild"])


def _base36(number):
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    text = ""
    while number:
        number, remainder = divmod(number, 36)
        text = digits[remainder] + text
    return text or "0"


class Migration(migrations.Migration):
    dependencies = [
        ("cms", "0001_initial"),
        ("wagtailcore", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_home_page, migrations.RunPython.noop)]
