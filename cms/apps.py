from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from wagtail.users.apps import WagtailUsersAppConfig


class CmsConfig(AppConfig):
    default = True  # the module holds UsersAppConfig too
    name = "cms"
    verbose_name = _("Site")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cms import checks  # noqa: F401 (registers the site's system checks)
        from cms.signal_handlers import register_signal_handlers
        from cms.wagtail_spanish import wagtail_patch

        wagtail_patch()

        register_signal_handlers()
        _watch_for_page_cache()
        _image_tags_filterable()


def _image_tags_filterable():
    """Wagtail's image chooser filters a search by tag (``?q=agua&tag=agua``) on ``tags__name``, which the stock
    Image model does not declare filterable: FilterFieldError, a 500 for an editor who searches and then picks a
    tag (found by tests/cms/test_hostile_sweep.py). Declare it, as Wagtail's error message asks."""
    from wagtail.images import get_image_model
    from wagtail.search import index

    for field in get_image_model().search_fields:
        if isinstance(field, index.RelatedFields) and field.field_name == "tags":
            if not any(isinstance(f, index.FilterField) and f.field_name == "name" for f in field.fields):
                field.fields.append(index.FilterField("name"))


def _watch_for_page_cache():
    """Saving a school's settings (name, logo, colours, contacts) starts a new generation of the page cache (not the
    row Wagtail creates with the defaults on the first page view of a site)."""
    from cms.models import SchoolSettings
    from courses import page_cache

    page_cache.watch(SchoolSettings, on_create=False)


class UsersAppConfig(WagtailUsersAppConfig):
    """Wagtail's users app with the platform's user viewset: its forms refuse the groups of two schools
    (``cms.schools.users``). In INSTALLED_APPS instead of ``wagtail.users``."""

    user_viewset = "cms.schools.users.UserViewSet"
