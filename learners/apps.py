from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearnersConfig(AppConfig):
    name = "learners"
    verbose_name = _("Learners")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from learners import checks  # noqa: F401  (registers the system checks)
        from learners.privacy.receivers import register_signal_handlers

        register_signal_handlers()

        from wagtail.signals import page_published, page_unpublished

        from learners.h5p import forget_lesson

        page_published.connect(forget_lesson, dispatch_uid="learners_h5p_forget_published_lesson")
        page_unpublished.connect(forget_lesson, dispatch_uid="learners_h5p_forget_unpublished_lesson")
