"""Issue 16 items 1–4: log-in with ClaveÚnica against a real OpenID Connect provider started here (npm
oidc-provider shaped like accounts.claveunica.gob.cl: tests/claveunica/provider.mjs). No mocked HTTP: the views
talk to the provider over the network, and the tests drive its log-in form like a browser would."""

import base64
import json
import re
import socket
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.cache import cache
from django.test import Client
from wagtail.models import Site

from learners.accounts.claveunica import config, oidc
from learners.models import LearnerProfile
from learners.privacy.models import AuditEvent
from tests.claveunica.server import authenticate, claveunica_provider, query
from tests.factories.learners import make_learner, make_user
from tests.learners.test_accounts import make_territory

pytestmark = pytest.mark.django_db
User = get_user_model()
START = "/cuenta/claveunica/ingresar/"
CALLBACK = "http://testserver/cuenta/claveunica/vuelta/"
SCHOOL_CALLBACK = "http://temuco.localhost/cuenta/claveunica/vuelta/"
SECRET = "secreto-de-prueba-academia"
CLIENTS = [
    {"client_id": "escuela-academia", "client_secret": SECRET, "redirect_uris": [CALLBACK]},
    {"client_id": "escuela-temuco", "client_secret": "secreto-temuco", "redirect_uris": [SCHOOL_CALLBACK]},
    {"client_id": "otra-aplicacion", "client_secret": "otro", "redirect_uris": ["http://otra.example/cb"]},
    {"client_id": "vence-pronto", "client_secret": "vence", "redirect_uris": [CALLBACK], "id_token_ttl": 1},
]


@pytest.fixture(scope="module")
def provider():
    with claveunica_provider(CLIENTS) as running:
        yield running


@pytest.fixture
def claveunica(provider, settings, monkeypatch):
    """The academy (default site) and Temuco's school configured; Peñalolén's school is not."""
    default = Site.objects.get(is_default_site=True)
    Site.objects.create(hostname="penalolen.localhost", port=80, root_page_id=default.root_page_id)
    Site.objects.create(hostname="temuco.localhost", port=80, root_page_id=default.root_page_id)
    monkeypatch.setenv("CLAVEUNICA_SECRET_ACADEMIA", SECRET)
    monkeypatch.setenv("CLAVEUNICA_SECRET_TEMUCO", "secreto-temuco")
    settings.CLAVEUNICA_PROVIDER = provider.settings()
    settings.CLAVEUNICA_CLIENTS = {
        default.hostname: {
            "client_id": "escuela-academia",
            "secret_env": "CLAVEUNICA_SECRET_ACADEMIA",
            "redirect_uri": CALLBACK,
        },
        "temuco.localhost": {
            "client_id": "escuela-temuco",
            "secret_env": "CLAVEUNICA_SECRET_TEMUCO",
            "redirect_uri": SCHOOL_CALLBACK,
        },
    }
    settings.ALLOWED_HOSTS = [*django_settings.ALLOWED_HOSTS, "testserver"]
    cache.clear()
    make_territory()
    return provider


def start(client, **params):
    response = client.get(START, params)
    assert response.status_code == 302, response.status_code
    return response["Location"]


def log_in_at_provider(client, run, *, cancel=False):
    """Start at the site, authenticate at the provider, come back: the callback's response."""
    location, session = authenticate(start(client), run=run, redirect_prefix=CALLBACK, cancel=cancel)
    return client.get(location.removeprefix("http://testserver")), location, session


def complete_first_login(client, *, email="maria@example.cl"):
    response = client.post(
        "/cuenta/claveunica/completar/",
        {"email": email, "comuna": "13101", "birth_year": "1980", "accept_privacy": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/cuenta/claveunica/codigo/"
    code = re.search(r"^\s+(\d{6})$", mail.outbox[-1].body, re.M).group(1)
    return client.post("/cuenta/claveunica/codigo/", {"code": code})


# 1. The button, per site --------------------------------------------------------------------------------------


def test_button_on_log_in_and_sign_up_only_where_the_site_has_credentials(client, claveunica):
    for path in ("/cuenta/ingresar/", "/cuenta/registro/"):
        assert "Ingresar con ClaveÚnica" in client.get(path).content.decode()
        assert "Ingresar con ClaveÚnica" in client.get(path, HTTP_HOST="temuco.localhost").content.decode()
        assert "Ingresar con ClaveÚnica" not in client.get(path, HTTP_HOST="penalolen.localhost").content.decode()
    assert client.get(START, HTTP_HOST="penalolen.localhost").status_code == 404


def test_a_site_whose_secret_is_missing_from_the_environment_offers_no_button(client, claveunica, monkeypatch):
    monkeypatch.delenv("CLAVEUNICA_SECRET_TEMUCO")
    assert (
        "Ingresar con ClaveÚnica" not in client.get("/cuenta/ingresar/", HTTP_HOST="temuco.localhost").content.decode()
    )
    assert client.get(START, HTTP_HOST="temuco.localhost").status_code == 404


def test_start_sends_the_manuals_parameters_with_a_fresh_state_and_nonce(client, claveunica):
    first, second = query(start(client)), query(start(client))
    assert first["client_id"] == "escuela-academia"
    assert first["response_type"] == "code"
    assert first["scope"] == "openid run name"
    assert first["redirect_uri"] == CALLBACK
    assert len(first["state"]) >= 30 and len(first["nonce"]) >= 30
    assert first["state"] != second["state"] and first["nonce"] != second["nonce"]
    school = query(client.get(START, HTTP_HOST="temuco.localhost")["Location"])
    assert school["client_id"] == "escuela-temuco" and school["redirect_uri"] == SCHOOL_CALLBACK


# 2. Accounts keyed by the verified RUN -------------------------------------------------------------------------


def test_first_log_in_creates_an_account_with_a_verified_run_asking_only_what_claveunica_does_not_give(
    client, claveunica
):
    response, _location, _session = log_in_at_provider(client, "44.444.444-4")
    assert response["Location"] == "/cuenta/claveunica/completar/"
    page = client.get("/cuenta/claveunica/completar/").content.decode()
    assert "María Carmen Del Río González" in page and "44.444.444-4" in page
    for absent in ('name="password', 'name="run"', 'name="given_names"'):
        assert absent not in page
    response = complete_first_login(client)
    assert response.status_code == 302
    user = User.objects.get(username="maria@example.cl")
    profile = user.learner_profile
    assert user.is_active and not user.has_usable_password()
    assert profile.run == "44444444-4" and profile.run_verified_at is not None
    assert (profile.given_names, profile.family_names) == ("María Carmen", "Del Río González")
    assert profile.email_confirmed_at is not None and profile.birth_year == 1980
    assert user.privacy_consents.count() == 1
    assert int(client.session["_auth_user_id"]) == user.pk
    profile_page = client.get("/cuenta/perfil/").content.decode()
    assert "data-run-verified" in profile_page and "Verificado con ClaveÚnica" in profile_page


def test_the_next_log_in_goes_straight_in(client, claveunica):
    log_in_at_provider(client, "44444444-4")
    complete_first_login(client)
    client.post("/cuenta/salir/")
    response, _location, _session = log_in_at_provider(client, "44444444-4")
    assert response.status_code == 302 and response["Location"] == "/mis-cursos/"
    assert client.session["_auth_user_id"]


def test_an_email_of_another_account_is_refused_at_the_first_log_in(client, claveunica):
    make_user(email="ocupado@example.cl")
    log_in_at_provider(client, "55555555-5")
    response = client.post(
        "/cuenta/claveunica/completar/",
        {"email": "ocupado@example.cl", "comuna": "13101", "birth_year": "1980", "accept_privacy": "on"},
    )
    assert response.status_code == 200
    assert "Este correo es de otra cuenta" in response.content.decode()
    assert not LearnerProfile.objects.filter(run="55555555-5").exists()


def test_a_local_account_with_that_run_is_linked_after_its_password(client, claveunica):
    owner = make_learner(run="12.345.678-5", email="ana@example.cl")
    response, _location, _session = log_in_at_provider(client, "12345678-5")
    assert response["Location"] == "/cuenta/claveunica/vincular/"
    page = client.get("/cuenta/claveunica/vincular/").content.decode()
    assert "a••@example.cl" in page and "ana@example.cl" not in page
    wrong = client.post("/cuenta/claveunica/vincular/", {"action": "password", "password": "no-es-esta"})
    assert wrong.status_code == 200 and "La contraseña no es correcta" in wrong.content.decode()
    assert "_auth_user_id" not in client.session
    response = client.post("/cuenta/claveunica/vincular/", {"action": "password", "password": "clave-segura-123"})
    assert response.status_code == 302
    owner.learner_profile.refresh_from_db()
    assert owner.learner_profile.run_verified_at is not None
    assert owner.learner_profile.given_names == "Ana María"
    assert int(client.session["_auth_user_id"]) == owner.pk
    assert AuditEvent.objects.filter(action="account.claveunica_linked").exists()


def test_a_local_account_with_that_run_is_linked_after_a_code_sent_to_its_email(client, claveunica):
    owner = make_learner(run="12.345.678-5", email="ana@example.cl")
    log_in_at_provider(client, "12345678-5")
    response = client.post("/cuenta/claveunica/vincular/", {"action": "code"})
    assert response["Location"] == "/cuenta/claveunica/codigo/"
    assert mail.outbox[-1].to == ["ana@example.cl"]
    code = re.search(r"^\s+(\d{6})$", mail.outbox[-1].body, re.M).group(1)
    wrong = "000000" if code != "000000" else "111111"
    assert "no es correcto" in client.post("/cuenta/claveunica/codigo/", {"code": wrong}).content.decode()
    response = client.post("/cuenta/claveunica/codigo/", {"code": code})
    assert response.status_code == 302
    owner.learner_profile.refresh_from_db()
    assert owner.learner_profile.run_verified_at is not None


def test_a_run_somebody_else_typed_goes_to_the_verified_person_and_staff_are_told(
    client, claveunica, django_capture_on_commit_callbacks
):
    other = make_learner(run="12.345.678-5", email="impostora@example.cl")
    reviewer = make_user(email="academia@example.cl", is_superuser=True, is_staff=True)
    log_in_at_provider(client, "12345678-5")
    response = client.post("/cuenta/claveunica/vincular/", {"action": "not_mine"})
    assert response["Location"] == "/cuenta/claveunica/completar/"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        complete_first_login(client, email="ana.verdadera@example.cl")
    verified = LearnerProfile.objects.get(run="12345678-5")
    assert verified.user.username == "ana.verdadera@example.cl" and verified.run_verified_at is not None
    other.learner_profile.refresh_from_db()
    assert other.learner_profile.run is None
    assert other.learner_profile.document_number == f"RUN-EN-REVISION-{other.learner_profile.pk}"
    assert AuditEvent.objects.filter(action="account.run_displaced_by_claveunica").exists()
    staff_mail = [message for message in mail.outbox if message.to == [reviewer.email]]
    assert staff_mail and "en revisión" in staff_mail[0].subject
    assert "12345678" not in staff_mail[0].body and "12.345.678" not in staff_mail[0].body


@pytest.mark.parametrize("how", ["deactivated", "blocked"])
def test_deactivated_and_blocked_accounts_cannot_get_in_through_claveunica(client, claveunica, how):
    owner = make_learner(run="12.345.678-5", email="ana@example.cl")
    LearnerProfile.objects.filter(user=owner).update(run_verified_at="2026-01-01T00:00:00Z")
    owner.is_active = False
    owner.save()
    if how == "blocked":
        LearnerProfile.objects.filter(user=owner).update(blocked_at="2026-02-01T00:00:00Z")
    response, _location, _session = log_in_at_provider(client, "12345678-5")
    assert response.status_code == 403
    assert "No puedes ingresar con esta cuenta" in response.content.decode()
    assert "_auth_user_id" not in client.session
    owner.refresh_from_db()
    assert not owner.is_active


def _verify_page(snapshot):
    from django.template.loader import render_to_string

    page = render_to_string(
        "certificates/verify.html",
        {"found": True, "result": {"status": "valid"}, "snapshot": snapshot},
    )
    return page


def test_the_certificate_verify_page_says_whether_the_run_was_verified():
    snapshot = {"learner_run_masked": "12.XXX.678-5", "learner_has_run": True}
    assert "RUN verificado con ClaveÚnica" in _verify_page({**snapshot, "learner_run_verified": True})
    assert "RUN escrito por la persona, sin verificar" in _verify_page(snapshot)


# 3. Log-out and errors -------------------------------------------------------------------------------------------


def test_log_out_after_claveunica_goes_through_claveunicas_log_out_and_back(client, claveunica):
    _response, _location, browser = log_in_at_provider(client, "44444444-4")
    complete_first_login(client)
    response = client.post("/cuenta/salir/")
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302
    target = response["Location"]
    # Until ClaveÚnica's log-out, its 60-second session would let her through without its form (single sign-on)…
    sso = browser.get(start(client), allow_redirects=False, timeout=10)
    assert sso.is_redirect and sso.headers["location"].startswith(CALLBACK)
    assert target.startswith(f"{claveunica.origin}/api/v1/accounts/app/logout?")
    assert query(target) == {"redirect": "http://testserver/"}
    before = claveunica.logouts()
    back = browser.get(target, allow_redirects=False, timeout=5)
    assert back.status_code == 302 and back.headers["location"] == "http://testserver/"
    assert claveunica.logouts() == before + 1
    # …and after ClaveÚnica's log-out its session is over: the next log-in asks for the RUN again.
    again = browser.get(start(client), allow_redirects=True, timeout=10)
    assert again.status_code == 200 and 'name="run"' in again.text


def test_log_out_of_a_local_log_in_stays_on_the_site(client, claveunica):
    make_learner(email="local@example.cl")
    client.post("/cuenta/ingresar/", {"username": "local@example.cl", "password": "clave-segura-123"})
    response = client.post("/cuenta/salir/")
    assert response.status_code == 302 and response["Location"] == "/"


def test_denied_consent_gives_a_spanish_message_and_a_way_back(client, claveunica):
    response, location, _session = log_in_at_provider(client, "44444444-4", cancel=True)
    assert query(location)["error"] == "access_denied"
    assert response.status_code == 400
    page = response.content.decode()
    assert "Cancelaste el ingreso con ClaveÚnica" in page
    assert START in page and "/cuenta/ingresar/" in page


def test_a_bad_state_is_refused(client, claveunica):
    location, _session = authenticate(start(client), run="44444444-4", redirect_prefix=CALLBACK)
    forged = re.sub(r"state=[^&]+", "state=" + "x" * 43, location)
    response = client.get(forged.removeprefix("http://testserver"))
    assert response.status_code == 400
    assert "no comenzó aquí" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_callback_from_another_browser_session_is_refused(client, claveunica):
    location, _session = authenticate(start(client), run="44444444-4", redirect_prefix=CALLBACK)
    response = Client().get(location.removeprefix("http://testserver"))
    assert response.status_code == 400


def test_a_replayed_callback_is_refused(client, claveunica):
    response, location, _session = log_in_at_provider(client, "44444444-4")
    assert response.status_code == 302
    replay = client.get(location.removeprefix("http://testserver"))
    assert replay.status_code == 400


def test_the_provider_refuses_a_replayed_code(claveunica):
    client_config = config.client_for_host(Site.objects.get(is_default_site=True).hostname)
    state, nonce = oidc.new_secret(), oidc.new_secret()
    url = oidc.authorization_url(client=client_config, state=state, nonce=nonce)
    location, _session = authenticate(url, run="44444444-4", redirect_prefix=CALLBACK)
    code = query(location)["code"]
    assert oidc.person_for_code(client=client_config, code=code, state=state, nonce=nonce).run == "44444444-4"
    with pytest.raises(oidc.ClaveUnicaError) as refused:
        oidc.code_exchange(client=client_config, code=code, state=state)
    assert refused.value.code == "token_refused"


def _id_token_for(client_id, secret, redirect_uri, claveunica, nonce="nonce-de-prueba-con-mas-de-treinta-caracteres"):
    other = config.Client(host="x", client_id=client_id, client_secret=secret, redirect_uri=redirect_uri)
    state = oidc.new_secret()
    location, _session = authenticate(
        oidc.authorization_url(client=other, state=state, nonce=nonce), run="44444444-4", redirect_prefix=redirect_uri
    )
    return oidc.code_exchange(client=other, code=query(location)["code"], state=state), nonce


def test_an_id_token_for_another_audience_is_refused(claveunica):
    token, nonce = _id_token_for("otra-aplicacion", "otro", "http://otra.example/cb", claveunica)
    academy = config.client_for_host(Site.objects.get(is_default_site=True).hostname)
    with pytest.raises(oidc.ClaveUnicaError) as refused:
        oidc.id_token_verify(client=academy, id_token=token["id_token"], nonce=nonce)
    assert refused.value.code == "id_token_claims" and "aud" in str(refused.value)


def test_an_expired_id_token_is_refused(claveunica, settings):
    settings.CLAVEUNICA_CLOCK_LEEWAY_SECONDS = 0
    token, nonce = _id_token_for("vence-pronto", "vence", CALLBACK, claveunica)
    client_config = config.Client(host="x", client_id="vence-pronto", client_secret="vence", redirect_uri=CALLBACK)
    assert oidc.id_token_verify(client=client_config, id_token=token["id_token"], nonce=nonce)["aud"] == "vence-pronto"
    time.sleep(2.1)
    with pytest.raises(oidc.ClaveUnicaError) as refused:
        oidc.id_token_verify(client=client_config, id_token=token["id_token"], nonce=nonce)
    assert refused.value.code == "id_token_claims" and "exp" in str(refused.value)


def test_a_tampered_id_token_a_wrong_nonce_and_a_wrong_issuer_are_refused(claveunica, settings):
    token, nonce = _id_token_for("escuela-academia", SECRET, CALLBACK, claveunica)
    academy = config.client_for_host(Site.objects.get(is_default_site=True).hostname)
    assert oidc.id_token_verify(client=academy, id_token=token["id_token"], nonce=nonce)["aud"] == "escuela-academia"
    header, payload, signature = token["id_token"].split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged_payload = base64.urlsafe_b64encode(json.dumps({**claims, "sub": "otra"}).encode()).decode().rstrip("=")
    for forged in (f"{header}.{payload}.{flipped}", f"{header}.{forged_payload}.{signature}"):
        with pytest.raises(oidc.ClaveUnicaError) as refused:
            oidc.id_token_verify(client=academy, id_token=forged, nonce=nonce)
        assert refused.value.code == "id_token_signature"
    with pytest.raises(oidc.ClaveUnicaError) as refused:
        oidc.id_token_verify(client=academy, id_token=token["id_token"], nonce="otro-nonce")
    assert "nonce" in str(refused.value)
    settings.CLAVEUNICA_PROVIDER = {
        **settings.CLAVEUNICA_PROVIDER,
        "issuer": "https://accounts.claveunica.gob.cl/openid",
    }
    with pytest.raises(oidc.ClaveUnicaError) as refused:
        oidc.id_token_verify(client=academy, id_token=token["id_token"], nonce=nonce)
    assert "iss" in str(refused.value)


def test_a_provider_that_does_not_answer_gives_a_spanish_message_not_a_500(client, claveunica, settings):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)
    accepted = []
    thread = threading.Thread(target=lambda: accepted.append(silent.accept()), daemon=True)
    thread.start()
    try:
        location, _session = authenticate(start(client), run="44444444-4", redirect_prefix=CALLBACK)
        settings.CLAVEUNICA_TIMEOUT_SECONDS = 1
        settings.CLAVEUNICA_PROVIDER = {
            **settings.CLAVEUNICA_PROVIDER,
            "token_url": f"http://127.0.0.1:{silent.getsockname()[1]}/openid/token/",
        }
        response = client.get(location.removeprefix("http://testserver"))
    finally:
        silent.close()
    assert response.status_code == 400
    assert "ClaveÚnica no respondió a tiempo" in response.content.decode()


# 4. Sandbox RUNs -----------------------------------------------------------------------------------------------


def test_sandbox_runs_are_refused_when_the_settings_do_not_accept_them(client, claveunica, settings):
    settings.CLAVEUNICA_ACCEPT_SANDBOX_RUNS = False
    response, _location, _session = log_in_at_provider(client, "44444444-4")
    assert response.status_code == 400
    assert "ambiente de pruebas de ClaveÚnica" in response.content.decode()
    assert not User.objects.exists() or not LearnerProfile.objects.filter(run="44444444-4").exists()
    response, _location, _session = log_in_at_provider(client, "16000005-8")
    assert response["Location"] == "/cuenta/claveunica/completar/"


def test_production_settings_never_accept_the_sandbox_runs():
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "print(json.dumps([settings.CLAVEUNICA_ACCEPT_SANDBOX_RUNS,"
        " settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action']]))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "cms.settings.production",
        "DJANGO_SECRET_KEY": "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "escuela.example.cl",
        "PUBLIC_BASE_URL": "https://escuela.example.cl",
        "CLAVEUNICA_ACCEPT_SANDBOX_RUNS": "1",
        "CLAVEUNICA_CLIENTS": json.dumps(
            {"escuela.example.cl": {"client_id": "x", "secret_env": "S", "redirect_uri": "https://escuela.example.cl/"}}
        ),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=str(django_settings.BASE_DIR), env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    accepted, form_action = json.loads(result.stdout)
    assert accepted is False
    assert form_action == ["'self'", "https://accounts.claveunica.gob.cl"]  # log-out goes through ClaveÚnica
    assert config.SANDBOX_RUNS == {"44444444-4", "55555555-5", "88888888-8", "99999999-9"}


# Refused cases of the pages after the provider ----------------------------------------------------------------


def test_the_pages_after_the_provider_refuse_a_visit_without_a_claveunica_log_in(client, claveunica):
    for path in ("/cuenta/claveunica/completar/", "/cuenta/claveunica/codigo/", "/cuenta/claveunica/vincular/"):
        response = client.get(path)
        assert response.status_code == 400, path
        assert "Tu ingreso con ClaveÚnica venció" in response.content.decode()
        response = client.post(path, {"action": "not_mine", "email": "x@example.cl", "code": "123456"})
        assert response.status_code == 400, path
    assert not User.objects.exists()
    assert client.get("/cuenta/claveunica/vuelta/?code=x&state=y", HTTP_HOST="penalolen.localhost").status_code == 404


def test_a_code_is_refused_after_five_wrong_tries_even_if_the_sixth_is_right(client, claveunica):
    make_learner(run="12.345.678-5", email="ana@example.cl")
    log_in_at_provider(client, "12345678-5")
    client.post("/cuenta/claveunica/vincular/", {"action": "code"})
    code = re.search(r"^\s+(\d{6})$", mail.outbox[-1].body, re.M).group(1)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        client.post("/cuenta/claveunica/codigo/", {"code": wrong})
    response = client.post("/cuenta/claveunica/codigo/", {"code": code})
    assert response.status_code == 200 and "Demasiados intentos" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert "no tiene seis" not in client.post("/cuenta/claveunica/codigo/", {"code": "12a456"}).content.decode()


def test_a_blocked_account_holding_the_typed_run_is_neither_linked_nor_displaced(client, claveunica):
    owner = make_learner(run="12.345.678-5", email="ana@example.cl")
    LearnerProfile.objects.filter(user=owner).update(blocked_at="2026-02-01T00:00:00Z")
    response, _location, _session = log_in_at_provider(client, "12345678-5")
    assert response.status_code == 403
    for action in ("code", "not_mine", "password"):
        assert client.post(
            "/cuenta/claveunica/vincular/", {"action": action, "password": "clave-segura-123"}
        ).status_code in (400, 403)
    owner.learner_profile.refresh_from_db()
    assert owner.learner_profile.run == "12345678-5" and owner.learner_profile.run_verified_at is None


def test_a_school_log_in_uses_the_schools_client_and_comes_back_to_the_school(client, claveunica):
    location = client.get(START, HTTP_HOST="temuco.localhost")["Location"]
    back, _session = authenticate(location, run="16000005-8", redirect_prefix=SCHOOL_CALLBACK)
    response = client.get(back.removeprefix("http://temuco.localhost"), HTTP_HOST="temuco.localhost")
    assert response.status_code == 302 and response["Location"] == "/cuenta/claveunica/completar/"


def test_the_system_check_reports_an_incomplete_configuration(settings, monkeypatch):
    from learners.checks import check_claveunica

    monkeypatch.delenv("CLAVEUNICA_SECRET_FALTA", raising=False)
    settings.CLAVEUNICA_CLIENTS = {}
    assert check_claveunica() == []
    settings.CLAVEUNICA_CLIENTS = {
        "penalolen.localhost": {
            "client_id": "x",
            "secret_env": "CLAVEUNICA_SECRET_FALTA",
            "redirect_uri": "http://otra.localhost/cuenta/claveunica/vuelta/",
        },
        "temuco.localhost": {"client_id": "y"},
    }
    messages = " ".join(error.msg for error in check_claveunica())
    assert "CLAVEUNICA_SECRET_FALTA is empty or missing" in messages
    assert "redirect_uri must be on the same host" in messages
    assert "temuco.localhost: missing secret_env, redirect_uri" in messages
    assert "redirect_uri must use HTTPS" in messages


def test_wrong_passwords_at_linking_count_like_log_in_failures(client, claveunica, settings):
    settings.LEARNERS_LOGIN_FAILURE_LIMIT = 2
    owner = make_learner(run="12.345.678-5", email="ana@example.cl")
    log_in_at_provider(client, "12345678-5")
    for _ in range(2):
        client.post("/cuenta/claveunica/vincular/", {"action": "password", "password": "no-es-esta"})
    response = client.post("/cuenta/claveunica/vincular/", {"action": "password", "password": "clave-segura-123"})
    assert "Demasiados intentos" in response.content.decode()
    owner.learner_profile.refresh_from_db()
    assert owner.learner_profile.run_verified_at is None and "_auth_user_id" not in client.session


def test_she_can_correct_a_mistyped_email_before_typing_the_code(client, claveunica):
    log_in_at_provider(client, "44444444-4")
    client.post(
        "/cuenta/claveunica/completar/",
        {"email": "mal@example.cl", "comuna": "13101", "birth_year": "1980", "accept_privacy": "on"},
    )
    assert "¿Escribiste mal tu correo?" in client.get("/cuenta/claveunica/codigo/").content.decode()
    response = complete_first_login(client, email="bien@example.cl")
    assert response.status_code == 302 and mail.outbox[-1].to == ["bien@example.cl"]
    user = LearnerProfile.objects.get(run="44444444-4").user
    assert user.username == "bien@example.cl" and user.is_active
    assert User.objects.count() == 1


def test_staff_see_when_claveunica_verified_the_run(client, claveunica):
    learner = make_learner(run="12.345.678-5", email="ana@example.cl")
    LearnerProfile.objects.filter(user=learner).update(run_verified_at="2026-03-22T19:03:00Z")
    client.force_login(make_user(email="admin@example.cl", is_superuser=True, is_staff=True))
    page = client.get(f"/admin/learners/profiles/inspect/{learner.learner_profile.pk}/").content.decode()
    assert "RUN verificado con ClaveÚnica el" in page and "22 de marzo de 2026, 16:03" in page  # Santiago time


def test_unsigned_and_symmetric_id_tokens_are_refused(claveunica):
    from joserfc import jwt as jose_jwt
    from joserfc.jwk import OctKey

    token, nonce = _id_token_for("escuela-academia", SECRET, CALLBACK, claveunica)
    academy = config.client_for_host(Site.objects.get(is_default_site=True).hostname)
    _header, payload, _signature = token["id_token"].split(".")
    unsigned = base64.urlsafe_b64encode(b'{"alg":"none"}').decode().rstrip("=") + f".{payload}."
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    # signed with the client secret (HS256): the classic confusion of a shared secret with the provider's key
    symmetric = jose_jwt.encode({"alg": "HS256"}, claims, OctKey.import_key(SECRET), algorithms=["HS256"])
    for forged in (unsigned, symmetric):
        with pytest.raises(oidc.ClaveUnicaError) as refused:
            oidc.id_token_verify(client=academy, id_token=forged, nonce=nonce)
        assert refused.value.code == "id_token_signature"
