from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from courses import (
            checks,  # noqa: F401  (registers the system checks)
            converters,  # noqa: F401  (registers <id:…>, which the apps' urls use)
            page_cache,
        )

        page_cache.connect()  # publishing, moving, unpublishing… start a new generation of the page cache
        from courses.schools import guards

        guards.connect()  # an account in the staff groups of two schools is refused
