import os

from django.core.wsgi import get_wsgi_application

from cms.startup import run_system_checks

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.production")

application = get_wsgi_application()

run_system_checks()  # a server never runs them by itself: errors stop it here
