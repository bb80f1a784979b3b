"""Issue 13 item 12: one clear name per account page ("Mi perfil", "Mis datos personales"), one channel to correct
the RUN (the correction request on "Mis datos personales"), and "Cambiar contraseña" for a logged-in learner."""

from django.core.cache import cache
from django.test import TestCase, override_settings

from learners.models import AuditEvent
from tests.factories.learners import learner

PROFILE = "/cuenta/perfil/"
MY_DATA = "/cuenta/mis-datos/"
CHANGE = "/cuenta/perfil/cambiar-contrasena/"
OLD = "clave-segura-123"
NEW = "otra-clave-larga-2026"


class AccountPageNamesTests(TestCase):
    def setUp(self):
        self.user = learner()
        self.client.force_login(self.user)

    def test_each_page_has_one_name_in_title_heading_and_links(self):
        profile = self.client.get(PROFILE)
        self.assertContains(profile, "<title>Mi perfil", count=1)
        self.assertContains(profile, "<h1>Mi perfil</h1>", html=True)
        self.assertContains(profile, f'<a href="{MY_DATA}">Mis datos personales</a>', html=True)
        my_data = self.client.get(MY_DATA)
        self.assertContains(my_data, "<title>Mis datos personales")
        self.assertContains(my_data, "<h1>Mis datos personales</h1>", html=True)
        self.assertContains(my_data, f'<a href="{PROFILE}">Mi perfil</a>', html=True)
        dashboard = self.client.get("/mis-cursos/")
        self.assertContains(dashboard, f'<a href="{PROFILE}">Mi perfil</a>', html=True)
        self.assertContains(dashboard, f'<a href="{MY_DATA}">Mis datos personales</a>', html=True)
        for response in (profile, my_data, dashboard):
            # "Mis datos" alone used to name the profile on one page and the data-rights page on another
            self.assertNotContains(response, ">Mis datos<")
        self.assertContains(self.client.get("/cuenta/privacidad/"), "Mis datos personales</a>")

    def test_the_run_is_corrected_through_the_one_data_request_form(self):
        profile = self.client.get(PROFILE)
        self.assertNotContains(profile, "mailto:")
        self.assertContains(profile, f'href="{MY_DATA}?solicitud=rectification#solicitar"')
        my_data = self.client.get(MY_DATA, {"solicitud": "rectification"})
        self.assertContains(my_data, 'value="rectification" id="id_kind_2" required checked', count=1)
        self.assertContains(my_data, "envía una solicitud de corrección más abajo")
        self.assertContains(my_data, "RUN, documento, correo, año de nacimiento")

    def test_an_unknown_request_kind_in_the_link_preselects_nothing(self):
        for value in ["borrar-todo", "<script>", "", "١"]:
            with self.subTest(value=value):
                response = self.client.get(MY_DATA, {"solicitud": value})
                self.assertEqual(response.status_code, 200)
                self.assertNotContains(response, " checked")

    def test_anonymous_is_sent_to_log_in(self):
        self.client.logout()
        for url in (PROFILE, MY_DATA, CHANGE):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith("/cuenta/ingresar/?next="))


@override_settings(LEARNERS_LOGIN_FAILURE_LIMIT=3)
class PasswordChangeTests(TestCase):
    def setUp(self):
        cache.clear()
        self.user = learner()
        self.client.force_login(self.user)

    def change(self, old=OLD, new=NEW, again=None):
        return self.client.post(
            CHANGE, {"old_password": old, "new_password1": new, "new_password2": new if again is None else again}
        )

    def test_linked_from_mi_perfil_and_in_spanish(self):
        self.assertContains(self.client.get(PROFILE), f'<a href="{CHANGE}">Cambiar contraseña</a>', html=True)
        page = self.client.get(CHANGE)
        self.assertContains(page, "<h1>Cambiar contraseña</h1>", html=True)
        for text in ("Contraseña actual", "Nueva contraseña", 'autocomplete="current-password"'):
            self.assertContains(page, text)
        self.assertIn("no-cache", page["Cache-Control"])

    def test_change_keeps_her_logged_in_and_is_audited(self):
        response = self.change()
        self.assertRedirects(response, PROFILE, fetch_redirect_response=False)
        self.user.refresh_from_db()
        self.assertTrue(self.user.check_password(NEW))
        follow = self.client.get(PROFILE)
        self.assertEqual(follow.status_code, 200)
        self.assertContains(follow, "Cambiamos tu contraseña. Sigues con tu sesión iniciada.")
        event = AuditEvent.objects.get(action="account.password_changed")
        self.assertEqual(event.actor, self.user)
        self.assertNotIn(NEW, str(event.data))

    def test_wrong_current_password_and_mismatch_are_refused_in_spanish(self):
        response = self.change(old="no-es-esta")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Tu contraseña actual no es correcta.")
        response = self.change(again="otra-distinta-2026")
        self.assertEqual(response.status_code, 200)
        self.user.refresh_from_db()
        self.assertTrue(self.user.check_password(OLD))
        self.assertFalse(AuditEvent.objects.filter(action="account.password_changed").exists())

    def test_wrong_current_passwords_lock_like_the_log_in(self):
        for _ in range(3):
            self.change(old="no-es-esta")
        response = self.change()  # now even the right one waits
        self.assertContains(response, "Demasiados intentos fallidos")
        self.user.refresh_from_db()
        self.assertTrue(self.user.check_password(OLD))
        self.client.logout()
        login = self.client.post("/cuenta/ingresar/", {"username": self.user.email, "password": OLD})
        self.assertContains(login, "Demasiados intentos fallidos")

    def test_get_is_no_write_and_inactive_account_cannot_use_it(self):
        self.client.get(CHANGE)
        self.assertFalse(AuditEvent.objects.filter(action="account.password_changed").exists())
        self.user.is_active = False
        self.user.save(update_fields=["is_active"])
        response = self.change()
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith("/cuenta/ingresar/"))
        self.user.refresh_from_db()
        self.assertTrue(self.user.check_password(OLD))
