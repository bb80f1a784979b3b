import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.production")

application = get_wsgi_application()

from cms.checks import refuse_to_start_on_errors  # noqa: E402 (needs the settings and apps that setup loaded)

refuse_to_start_on_errors()
