from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certificates")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from certificates import checks  # noqa: F401  (registers the system checks)
        from certificates.receivers import register_signal_handlers

        register_signal_handlers()
