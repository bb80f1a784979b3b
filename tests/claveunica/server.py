"""Start the ClaveÚnica-shaped OpenID Connect provider (provider.mjs, npm oidc-provider run with Node) for a test,
and drive its log-in form like a person would (real HTTP: no mocks)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests

HERE = Path(__file__).resolve().parent
PASSWORD = "testing"  # the ClaveÚnica sandbox's password
PEOPLE = {
    "44444444-4": {"nombres": ["María", "Carmen"], "apellidos": ["Del Río", "González"]},
    "55555555-5": {"nombres": ["José"], "apellidos": ["Pérez", "Soto"]},
    "12345678-5": {"nombres": ["Ana", "María"], "apellidos": ["Pérez", "Soto"]},
    "16000005-8": {"nombres": ["Rosa"], "apellidos": ["Muñoz", "Lagos"]},
}


@dataclass
class RunningProvider:
    issuer: str
    origin: str

    def settings(self) -> dict:
        """The CLAVEUNICA_PROVIDER setting pointing at this provider."""
        return {
            "issuer": self.issuer,
            "authorize_url": f"{self.issuer}/authorize/",
            "token_url": f"{self.issuer}/token/",
            "userinfo_url": f"{self.issuer}/userinfo/",
            "jwks_url": f"{self.issuer}/jwks",
            "logout_url": f"{self.origin}/api/v1/accounts/app/logout",
        }

    def logouts(self) -> int:
        return requests.get(f"{self.origin}/test/logouts", timeout=5).json()["logouts"]


@contextmanager
def claveunica_provider(clients: list[dict], people: dict | None = None):
    """``clients``: [{client_id, client_secret, redirect_uris, id_token_ttl?}]."""
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("Node.js is missing: the ClaveÚnica tests run npm oidc-provider with it (make npm).")
    env = {**os.environ, "CLIENTS": json.dumps(clients), "PEOPLE": json.dumps(people or PEOPLE)}
    process = subprocess.Popen(
        [node, str(HERE / "provider.mjs")], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("The ClaveÚnica test provider did not start (is oidc-provider installed? make npm)")
        info = json.loads(line)
        yield RunningProvider(issuer=info["issuer"], origin=f"http://127.0.0.1:{info['port']}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def authenticate(
    authorization_url: str,
    *,
    run: str,
    redirect_prefix: str,
    cancel: bool = False,
    session: requests.Session | None = None,
) -> tuple[str, requests.Session]:
    """Open the authorization address, log in with ``run`` and "testing" (or cancel), and return the address the
    provider sends the browser back to (on ``redirect_prefix``), with the provider's cookies in the session."""
    session = session or requests.Session()
    response = session.get(authorization_url, allow_redirects=False, timeout=10)
    while response.is_redirect and not response.headers["location"].startswith(redirect_prefix):
        response = session.get(urljoin(response.url, response.headers["location"]), allow_redirects=False, timeout=10)
    if not response.is_redirect:  # the log-in form
        if cancel:
            cancel_path = re.search(r'href="([^"]+/cancel)"', response.text).group(1)
            response = session.get(urljoin(response.url, cancel_path), allow_redirects=False, timeout=10)
        else:
            action = re.search(r'action="([^"]+)"', response.text).group(1)
            response = session.post(
                urljoin(response.url, action),
                data={"run": run, "password": PASSWORD},
                allow_redirects=False,
                timeout=10,
            )
        while response.is_redirect and not response.headers["location"].startswith(redirect_prefix):
            response = session.get(
                urljoin(response.url, response.headers["location"]), allow_redirects=False, timeout=10
            )
    assert response.is_redirect, response.text[:300]
    return response.headers["location"], session


def query(url: str) -> dict:
    return dict(parse_qsl(urlsplit(url).query))
