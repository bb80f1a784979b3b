"""The few places where Wagtail 8 writes English without gettext, put right for the Spanish admin (issue 13).

Wagtail's missing and masculine translations live in ``cms/locale_wagtail``; what cannot be fixed with a catalogue
is here: the page search names its results "None" (its view has no plural name), the sites listing and the
workflow and group-permission forms label columns and fields from their Python names ("Port", "Site name",
"Page"), two search forms label their submit button with a bare ``value="Search"``, and Django names permissions
in English ("Can add group"). Templates with the same kind of slip are overridden in
``cms/templates/wagtailadmin/``. ``tests/cms/test_admin_spanish.py`` finds any new one after a Wagtail upgrade.
"""

from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy

UNTRANSLATED_SEARCH_BUTTON = b'<input type="submit" value="Search" class="button" />'


def wagtail_patch() -> None:
    """Give the page search view the plural name its result count prints ("1-9 de 9 páginas", not "None")."""
    from wagtail.admin.forms.workflows import WorkflowPageForm
    from wagtail.admin.ui.tables import Column
    from wagtail.admin.views.pages.search import SearchView
    from wagtail.models import Site
    from wagtail.sites.views import IndexView as SiteIndexView

    if SearchView.verbose_name_plural is None:
        SearchView.verbose_name_plural = gettext_lazy("pages")
    for column in SiteIndexView.columns:
        if type(column) is Column and column.label == capfirst(column.name.replace("_", " ")):
            try:
                column.label = capfirst(Site._meta.get_field(column.name).verbose_name)
            except FieldDoesNotExist:
                continue
    from wagtail.users.forms import PagePermissionsForm

    for form in (WorkflowPageForm, PagePermissionsForm):
        form.base_fields["page"].label = gettext_lazy("Page")


class AdminSearchButtonMiddleware:
    """Translate the bare "Search" submit button of Wagtail's dashboard and header search forms."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = "/admin/"

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith(self.prefix)
            and not getattr(response, "streaming", False)
            and response.get("Content-Type", "").startswith("text/html")
            and UNTRANSLATED_SEARCH_BUTTON in response.content
        ):
            translated = f'<input type="submit" value="{gettext("Search")}" class="button" />'.encode()
            response.content = response.content.replace(UNTRANSLATED_SEARCH_BUTTON, translated)
        return response


DEFAULT_PERMISSION_NAMES = {  # Django's English names, and the Spanish ones (no article: any noun's gender fits)
    "add": ("Can add %s", gettext_lazy("Can add: %(model)s")),
    "change": ("Can change %s", gettext_lazy("Can change: %(model)s")),
    "delete": ("Can delete %s", gettext_lazy("Can delete: %(model)s")),
    "view": ("Can view %s", gettext_lazy("Can view: %(model)s")),
}


def permission_spanish_name(permission) -> str:
    """The name the group editor shows for ``permission``: Django's "Can add group" as "Puede agregar: grupo", a
    custom permission's English name through the catalogues; any other name as it is."""
    action, _sep, model_name = permission.codename.partition("_")
    model = permission.content_type.model_class()
    if action in DEFAULT_PERMISSION_NAMES and model is not None and model._meta.model_name == model_name:
        english, spanish = DEFAULT_PERMISSION_NAMES[action]
        if permission.name == english % model._meta.verbose_name_raw:
            return str(spanish) % {"model": model._meta.verbose_name}
    return gettext(permission.name)


def permissions_name_in_spanish(sender, using="default", apps=None, verbosity=0, **kwargs) -> None:
    """post_migrate: Django stores permission names in English when it creates them; rename the app's ones in the
    site's language. Runs Django's own creation first (idempotent): this handler is connected before it."""
    from django.conf import settings
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Permission
    from django.utils import translation

    create_permissions(sender, verbosity=0, using=using, **({"apps": apps} if apps is not None else {}))
    with translation.override(settings.LANGUAGE_CODE):
        for permission in Permission.objects.using(using).filter(content_type__app_label=sender.label):
            name = permission_spanish_name(permission)[:255]
            if name != permission.name:
                permission.name = name
                permission.save(update_fields=["name"])
