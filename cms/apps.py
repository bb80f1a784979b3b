from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("Site")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cms import checks  # noqa: F401 (registers the site's system checks)
        from cms.signal_handlers import register_signal_handlers
        from cms.wagtail_spanish import wagtail_patch

        wagtail_patch()

        register_signal_handlers()
