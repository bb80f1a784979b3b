"""Issue 13 item 12 in real Chromium at 360 px: from "Mi perfil" a learner changes her password and stays logged in;
the RUN-correction link opens "Mis datos personales" with the correction request chosen."""

import pytest
from django.contrib.auth import get_user_model

from tests.factories.courses import ensure_site_baseline
from tests.factories.learners import learner

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_change_password_from_mi_perfil_and_stay_logged_in(live_server, phone, artifacts):
    ensure_site_baseline()
    user = learner(email="rosa@example.cl")
    phone.goto(live_server.url + "/cuenta/ingresar/?next=/cuenta/perfil/")
    phone.fill("[name=username]", "rosa@example.cl")
    phone.fill("[name=password]", "clave-segura-123")
    phone.get_by_role("button", name="Ingresar").click()
    phone.wait_for_url("**/cuenta/perfil/")
    assert phone.locator("h1").inner_text() == "Mi perfil"

    phone.get_by_role("link", name="Mis datos personales", exact=True).last.click()
    phone.wait_for_url("**/cuenta/mis-datos/**")
    assert phone.locator("h1").inner_text() == "Mis datos personales"
    phone.go_back()
    phone.locator("[data-run-correction] a").click()
    phone.wait_for_url("**/cuenta/mis-datos/?solicitud=rectification#solicitar")
    assert phone.locator("[name=kind][value=rectification]").is_checked()
    phone.go_back()

    phone.get_by_role("link", name="Cambiar contraseña").click()
    phone.wait_for_url("**/cuenta/perfil/cambiar-contrasena/")
    phone.fill("[name=old_password]", "no-es-esta")
    phone.fill("[name=new_password1]", "otra-clave-larga-2026")
    phone.fill("[name=new_password2]", "otra-clave-larga-2026")
    phone.get_by_role("button", name="Guardar mi nueva contraseña").click()
    assert "Tu contraseña actual no es correcta" in phone.locator("main").inner_text()

    phone.fill("[name=old_password]", "clave-segura-123")
    phone.fill("[name=new_password1]", "otra-clave-larga-2026")
    phone.fill("[name=new_password2]", "otra-clave-larga-2026")
    phone.screenshot(path=artifacts / "cambiar-contrasena-360.png", full_page=True)
    phone.get_by_role("button", name="Guardar mi nueva contraseña").click()
    phone.wait_for_url("**/cuenta/perfil/")
    assert "Cambiamos tu contraseña" in phone.locator(".messages").inner_text()
    phone.goto(live_server.url + "/mis-cursos/")
    assert "/cuenta/ingresar/" not in phone.url  # still logged in
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert get_user_model().objects.get(pk=user.pk).check_password("otra-clave-larga-2026")
