import os

from django.core.asgi import get_asgi_application

from cms.startup import run_system_checks

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings.production")

application = get_asgi_application()

run_system_checks()  # a server never runs them by itself: errors stop it here
