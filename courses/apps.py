from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.urls import register_converter

        from courses import checks  # noqa: F401  (registers the system checks)
        from courses.converters import IdConverter

        register_converter(IdConverter, "id")  # before any URLconf is read: the apps' urls use <id:…>
