"""/metricas/: Prometheus text for the operator only (bearer token or allowed address); everyone else a plain 404.
Multiprocess mode (gunicorn): the counts of several processes are summed from PROMETHEUS_MULTIPROC_DIR."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import mock

from django.test import TestCase, override_settings
from prometheus_client.parser import text_string_to_metric_families

from certificates.tasks import notify_revoked_task
from cms.ops import metrics
from tests.factories.learners import learner

ROOT = Path(__file__).resolve().parents[3]
TOKEN = "s3cr3t-metrics-token-0123456789"


def samples(text: str) -> dict:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


@override_settings(OPS_METRICS_TOKEN=TOKEN, OPS_METRICS_ALLOWED_IPS=["10.1.2.3"])
class MetricsAccessTests(TestCase):
    def test_refused_without_detail(self):
        refused = [
            {},
            {"HTTP_AUTHORIZATION": "Bearer wrong"},
            {"HTTP_AUTHORIZATION": TOKEN},
            {"HTTP_AUTHORIZATION": f"Basic {TOKEN}"},
            {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}x"},
            {"HTTP_AUTHORIZATION": "Bearer ñandú"},
            {"REMOTE_ADDR": "10.1.2.4"},
        ]
        for headers in refused:
            response = self.client.get("/metricas/", **headers)
            self.assertEqual(response.status_code, 404, headers)
            self.assertNotIn(b"escuela_", response.content)
        self.assertEqual(self.client.get(f"/metricas/?token={TOKEN}").status_code, 404)
        user = learner()
        user.is_superuser = user.is_staff = True
        user.save()
        self.client.force_login(user)
        self.assertEqual(self.client.get("/metricas/").status_code, 404)  # not even the admin without the token

    def test_token_or_allowed_address(self):
        self.assertEqual(self.client.get("/metricas/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code, 200)
        self.assertEqual(self.client.get("/metricas/", REMOTE_ADDR="10.1.2.3").status_code, 200)

    @override_settings(OPS_METRICS_TOKEN="", OPS_METRICS_ALLOWED_IPS=[])
    def test_nothing_configured_no_page(self):
        self.assertEqual(self.client.get("/metricas/").status_code, 404)
        self.assertEqual(self.client.get("/metricas/", HTTP_AUTHORIZATION="Bearer ").status_code, 404)


@override_settings(OPS_METRICS_TOKEN=TOKEN)
class MetricsContentTests(TestCase):
    def scrape(self) -> dict:
        response = self.client.get("/metricas/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response["Content-Type"].startswith("text/plain; version=0.0.4"))
        return samples(response.content.decode())

    def test_requests_latency_and_errors_by_route(self):
        before = self.scrape()
        key = ("escuela_http_requests_total", (("method", "GET"), ("route", "salud/"), ("status", "200")))
        self.client.get("/salud/")
        self.client.get("/salud/?x=1")
        self.client.get("/no-existe-esta-pagina/")
        after = self.scrape()
        self.assertEqual(after[key] - before.get(key, 0), 2)
        count = ("escuela_http_request_duration_seconds_count", (("method", "GET"), ("route", "salud/")))
        self.assertEqual(after[count] - before.get(count, 0), 2)
        bucket = (
            "escuela_http_request_duration_seconds_bucket",
            (("le", "+Inf"), ("method", "GET"), ("route", "salud/")),
        )
        self.assertEqual(after[bucket], after[count])
        unmatched = ("escuela_http_requests_total", (("method", "GET"), ("route", "(sin ruta)"), ("status", "404")))
        wagtail = [k for k in after if k[0] == "escuela_http_requests_total" and ("status", "404") in k[1]]
        self.assertTrue(wagtail, "the 404 is counted")  # Wagtail's page route, or none
        self.assertNotIn(("route", "/no-existe-esta-pagina/"), [label for _, labels in after for label in labels])
        del unmatched

    def test_server_errors_are_counted(self):
        route = "certificados/verificar/"
        before = metrics.SERVER_ERRORS.labels(route)._value.get()
        metrics.observe_request(method="GET", route=route, status=503, seconds=0.01)
        self.assertEqual(metrics.SERVER_ERRORS.labels(route)._value.get() - before, 1)
        scraped = self.scrape()
        self.assertGreaterEqual(scraped[("escuela_http_server_errors_total", (("route", route),))], 1)

    def test_queue_depth(self):
        with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
            for certificate_id in range(3):
                notify_revoked_task.enqueue(certificate_id=certificate_id)
            scraped = self.scrape()
        self.assertEqual(scraped[("escuela_task_queue_depth", (("queue", "default"),))], 3)
        self.assertGreaterEqual(scraped[("escuela_task_queue_oldest_seconds", (("queue", "default"),))], 0)


class MultiprocessTests(TestCase):
    def test_counts_of_every_gunicorn_process_are_summed(self):
        with tempfile.TemporaryDirectory() as folder:
            env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": folder}
            code = (
                "from cms.ops import metrics\n"
                "for _ in range({n}):\n"
                "    metrics.observe_request(method='GET', route='mis-cursos/', status=200, seconds=0.05)\n"
            )
            for n in (2, 3):  # two separate processes, as two gunicorn workers
                subprocess.run([sys.executable, "-c", code.format(n=n)], env=env, cwd=ROOT, check=True)
            with mock.patch.dict(os.environ, {"PROMETHEUS_MULTIPROC_DIR": folder}):
                scraped = samples(metrics.exposition().decode())
        key = ("escuela_http_requests_total", (("method", "GET"), ("route", "mis-cursos/"), ("status", "200")))
        self.assertEqual(scraped[key], 5)
        count = ("escuela_http_request_duration_seconds_count", (("method", "GET"), ("route", "mis-cursos/")))
        self.assertEqual(scraped[count], 5)
