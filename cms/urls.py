from django.conf import settings
from django.urls import include, path, re_path
from django.views.generic import TemplateView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from certificates import urls as certificate_urls
from cms import admin_exports, admin_guards
from courses import serving

urlpatterns = [
    path("admin/", include(admin_exports)),  # Wagtail's exporting listings, with the platform's writer
    path("admin/", include(admin_guards)),  # Wagtail's views that bad input crashed, guarded
    path("admin/", include(wagtailadmin_urls)),
    path("documentos/", include(wagtaildocs_urls)),
    path("certificados/", include(certificate_urls)),
    path("", include("certificates.did_urls")),  # did:web documents of the credential issuers
    path("h5p/", include("courses.urls")),
    path("cuenta/", include("learners.accounts.urls")),
    path("equipo/", include("learners.staff.urls")),
    path("", include("learners.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("cms.ops.urls")),  # /salud/, /salud/listo/, /metricas/
    path("robots.txt", TemplateView.as_view(template_name="robots.txt", content_type="text/plain")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Pages: Wagtail's serving with the site, routing and view restrictions from the shared page cache
# (courses/serving.py); Wagtail's own urls stay for its password and log-in views.
urlpatterns += [
    path("", include(wagtail_urls.urlpatterns[:-1])),
    re_path(wagtail_urls.serve_pattern, serving.serve, name="wagtail_serve"),
]
