import os

import pytest


def pytest_addoption(parser):
    parser.addoption(
        "--allow-skips",
        action="store_true",
        default=os.environ.get("ALLOW_SKIPS") == "1",
        help="Do not fail the run when a test was skipped (CI never passes this).",
    )


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (rate limits, cached lessons and dashboards must not leak between
    tests that reuse primary keys)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    """A skipped test is a test that did not run: fail the whole run unless --allow-skips."""
    if session.config.getoption("--allow-skips") or hasattr(session.config, "workerinput"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped and session.exitstatus == 0:
        reporter.write_line(f"{skipped} test(s) were skipped: failing the run (use --allow-skips locally).", red=True)
        session.exitstatus = 1


@pytest.fixture(scope="session")
def s3_server():
    """An S3-compatible server (tests/s3server.py) on a free port, for this test process."""
    from tests.s3server import start_s3_server

    server = start_s3_server()
    yield server
    server.stop()


@pytest.fixture(scope="class")
def s3_server_class(request, s3_server):
    """The S3 server as ``self.s3`` in a unittest-style TestCase (``@pytest.mark.usefixtures("s3_server_class")``)."""
    request.cls.s3 = s3_server
    yield s3_server
