"""Playwright driving Debian's Chromium (/usr/bin/chromium) against pytest-django's live server."""

import os
import threading
import time
from pathlib import Path

import pytest
from django.core.signals import request_finished, request_started

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-results"

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


class _InFlight:
    """Requests the live server is serving now, and when that last changed (request_started/finished)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.count = 0
        self.changed = time.monotonic()

    def started(self, **kwargs):
        with self.lock:
            self.count += 1
            self.changed = time.monotonic()

    def finished(self, **kwargs):
        with self.lock:
            self.count = max(0, self.count - 1)
            self.changed = time.monotonic()

    def reset(self):
        with self.lock:
            self.count = 0
            self.changed = time.monotonic()

    def settled(self) -> bool:
        """Nothing in flight for 0.3 s, or nothing started or finished for 2 s (a request whose end was never
        signalled, such as one the browser abandoned, must not hold every later test)."""
        with self.lock:
            quiet = time.monotonic() - self.changed
            return (self.count == 0 and quiet >= 0.3) or quiet >= 2


IN_FLIGHT = _InFlight()
request_started.connect(IN_FLIGHT.started, dispatch_uid="browser-tests-in-flight-started")
request_finished.connect(IN_FLIGHT.finished, dispatch_uid="browser-tests-in-flight-finished")


@pytest.fixture(autouse=True)
def live_server_settles(_django_db_helper):
    """After a browser test (its pages closed), wait until the live server has served the requests a closing page
    still sends (Wagtail's editing-session release beacon, for one) before the database is flushed: such a request
    running during the flush locked SQLite's tables ("database table is locked") and failed the next tests.
    Set up after the database fixture, so torn down before it; at most 10 s."""
    IN_FLIGHT.reset()
    yield
    deadline = time.monotonic() + 10
    while not IN_FLIGHT.settled() and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is missing at {CHROMIUM}: run `make browser` (installs Debian's chromium).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A 360 px wide phone screen in Spanish."""
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="es-CL", device_scale_factor=1)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def artifacts():
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
