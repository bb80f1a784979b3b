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

        from learners.h5p import receivers as h5p_receivers

        h5p_receivers.register_signal_handlers()

        from courses.templatetags.course_tags import register_reader_block
        from learners.templatetags.learner_tags import h5p_block_html

        register_reader_block("h5p", h5p_block_html)

        from learners.notifications.events import on_course_completed
        from learners.signals import course_completed

        course_completed.connect(on_course_completed, dispatch_uid="learners_notify_course_completed")
