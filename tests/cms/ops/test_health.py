"""/salud/ (liveness) and /salud/listo/ (readiness): real cache, storage and queue failures give a 503 that names
them in Spanish; liveness never touches the database."""

import json
import tempfile
from pathlib import Path

from django.core.files.storage import default_storage
from django.test import TestCase, override_settings

from certificates.tasks import notify_revoked_task

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1: connection refused
    }
}


class LivenessTests(TestCase):
    def test_ok_without_a_query(self):
        with self.assertNumQueries(0):
            response = self.client.get("/salud/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"ok")
        self.assertEqual(response["Content-Type"], "text/plain; charset=utf-8")
        self.assertIn("no-cache", response["Cache-Control"])

    def test_only_get_and_head(self):
        self.assertEqual(self.client.head("/salud/").status_code, 200)
        self.assertEqual(self.client.post("/salud/").status_code, 405)


class ReadinessTests(TestCase):
    def get(self):
        response = self.client.get("/salud/listo/")
        self.assertEqual(response["Content-Type"], "application/json; charset=utf-8")
        return response, json.loads(response.content)

    def test_ready_when_everything_answers(self):
        with override_settings(TASKS=DATABASE_QUEUE):
            response, body = self.get()
        self.assertEqual(response.status_code, 200, body)
        self.assertEqual(body["estado"], "listo")
        self.assertEqual(set(body["revisiones"]), {"base_de_datos", "cache", "almacenamiento", "cola"})
        self.assertTrue(all(check["ok"] for check in body["revisiones"].values()))
        self.assertEqual(body["revisiones"]["cola"]["pendientes"], 0)
        self.assertEqual(default_storage.listdir("salud")[1], [])  # the probe file was deleted

    def test_a_long_queue_is_not_ready(self):
        with override_settings(TASKS=DATABASE_QUEUE, OPS_QUEUE_DEPTH_LIMIT=2):
            for certificate_id in range(3):
                notify_revoked_task.enqueue(certificate_id=certificate_id)
            response, body = self.get()
        self.assertEqual(response.status_code, 503)
        self.assertEqual(body["estado"], "no listo")
        self.assertEqual(body["fallan"], ["cola"])
        self.assertEqual(body["revisiones"]["cola"]["pendientes"], 3)
        self.assertIn(
            "La cola de tareas tiene 3 tareas esperando, más que el límite de 2", body["revisiones"]["cola"]["detalle"]
        )

    def test_an_unreachable_cache_is_not_ready(self):
        with override_settings(CACHES=UNREACHABLE_REDIS), self.assertLogs("cms.ops.health", "ERROR"):
            response, body = self.get()
        self.assertEqual(response.status_code, 503)
        self.assertEqual(body["fallan"], ["cache"])
        self.assertEqual(body["revisiones"]["cache"]["detalle"], "No se pudo escribir ni leer en la caché.")
        self.assertNotIn("Connection", response.content.decode())  # no exception text on a public page

    def test_a_storage_that_cannot_write_is_not_ready(self):
        with tempfile.NamedTemporaryFile() as not_a_folder:
            storages = {
                "default": {
                    "BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": not_a_folder.name},
                },
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
            }
            with override_settings(STORAGES=storages), self.assertLogs("cms.ops.health", "ERROR"):
                response, body = self.get()
            self.assertTrue(Path(not_a_folder.name).is_file())
        self.assertEqual(response.status_code, 503)
        self.assertEqual(body["fallan"], ["almacenamiento"])
        self.assertEqual(
            body["revisiones"]["almacenamiento"]["detalle"],
            "No se pudo escribir ni borrar un archivo en el almacenamiento.",
        )

    def test_without_the_database_queue_the_queue_check_does_not_apply(self):
        response, body = self.get()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(body["revisiones"]["cola"]["aplica"], False)

    def test_refuses_writes(self):
        self.assertEqual(self.client.post("/salud/listo/").status_code, 405)
