"""Issue 16 item 4 in real Chromium: log-in with ClaveÚnica end to end against the ClaveÚnica-shaped OpenID
Connect provider (npm oidc-provider, tests/claveunica/provider.mjs): the button, the provider's form, the first
log-in's details, the emailed code, the verified RUN on "Mi perfil", and log-out through ClaveÚnica's log-out."""

import re

import pytest
from django.core import mail
from wagtail.models import Site

from tests.browser.test_accessibility import axe_violations
from tests.claveunica.server import claveunica_provider
from tests.factories.courses import ensure_site_baseline
from tests.learners.test_accounts import make_territory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_first_log_in_with_claveunica_then_log_out_through_it(live_server, phone, artifacts, settings, monkeypatch):
    ensure_site_baseline()
    make_territory()
    callback = live_server.url + "/cuenta/claveunica/vuelta/"
    clients = [{"client_id": "escuela-academia", "client_secret": "secreto-navegador", "redirect_uris": [callback]}]
    with claveunica_provider(clients) as provider:
        monkeypatch.setenv("CLAVEUNICA_SECRET_ACADEMIA", "secreto-navegador")
        settings.CLAVEUNICA_PROVIDER = provider.settings()
        settings.CLAVEUNICA_CLIENTS = {
            Site.objects.get(is_default_site=True).hostname: {
                "client_id": "escuela-academia",
                "secret_env": "CLAVEUNICA_SECRET_ACADEMIA",
                "redirect_uri": callback,
            }
        }
        directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
        settings.CONTENT_SECURITY_POLICY = {
            "DIRECTIVES": {**directives, "form-action": [*directives["form-action"], provider.origin]}
        }

        phone.goto(live_server.url + "/cuenta/ingresar/")
        phone.screenshot(path=artifacts / "claveunica-ingresar-360.png")
        problems = axe_violations(phone, "ingresar")
        phone.get_by_role("link", name="Ingresar con ClaveÚnica").click()
        phone.wait_for_url(f"{provider.origin}/interaction/**")  # the provider's own page, full page
        phone.fill("[name=run]", "44.444.444-4")
        phone.fill("[name=password]", "testing")
        phone.get_by_role("button", name="Autenticar").click()
        phone.wait_for_url("**/cuenta/claveunica/completar/")
        assert "María Carmen Del Río González" in phone.locator("main").inner_text()
        problems += axe_violations(phone, "completar")
        phone.fill("[name=email]", "maria.carmen@example.cl")
        phone.select_option("[name=comuna]", "13101")
        phone.fill("[name=birth_year]", "1979")
        phone.check("[name=accept_privacy]")
        phone.get_by_role("button", name="Continuar").click()
        phone.wait_for_url("**/cuenta/claveunica/codigo/")
        problems += axe_violations(phone, "codigo")
        code = re.search(r"^\s+(\d{6})$", mail.outbox[-1].body, re.M).group(1)
        phone.fill("[name=code]", code)
        phone.get_by_role("button", name="Confirmar").click()
        phone.wait_for_url("**/mis-cursos/")

        phone.goto(live_server.url + "/cuenta/perfil/")
        assert "Verificado con ClaveÚnica" in phone.locator("[data-run-verified]").inner_text()
        phone.screenshot(path=artifacts / "claveunica-perfil-360.png", full_page=True)
        problems += axe_violations(phone, "perfil")
        assert problems == []  # WCAG 2.1 A/AA (axe-core) on the button and every page of the flow

        before = provider.logouts()
        phone.locator("form[action='/cuenta/salir/'] button").first.click()
        phone.wait_for_url(live_server.url + "/")
        assert provider.logouts() == before + 1
        phone.goto(live_server.url + "/cuenta/perfil/")
        assert "/cuenta/ingresar/" in phone.url
