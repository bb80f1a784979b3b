"""One JSON line per request (logger cms.requests): request id, hashed user, method, path without its query string
or secrets, route, status and duration; never the email, the RUN or the user id itself, and no extra query."""

import hashlib
import hmac
import json
import logging
import logging.config

from django.conf import settings
from django.test import TestCase, override_settings

from cms.ops.request_log import JsonFormatter, hashed_user_id
from tests.factories.learners import learner


class RequestLogTests(TestCase):
    def request(self, url, **headers):
        with self.assertLogs("cms.requests", "INFO") as logs:
            response = self.client.get(url, **headers)
        [record] = logs.records
        return response, record

    def test_one_line_with_the_fields(self):
        response, record = self.request("/salud/?token=abc123secret")
        self.assertEqual(record.method, "GET")
        self.assertEqual(record.path, "/salud/")
        self.assertEqual(record.route, "salud/")
        self.assertEqual(record.status, 200)
        self.assertIsInstance(record.duration_ms, float)
        self.assertIsNone(record.user)
        self.assertRegex(record.request_id, r"^[0-9a-f]{32}$")
        self.assertEqual(response["X-Request-ID"], record.request_id)
        line = JsonFormatter().format(record)
        self.assertNotIn("\n", line)
        parsed = json.loads(line)
        self.assertEqual(parsed["path"], "/salud/")
        self.assertEqual(parsed["logger"], "cms.requests")
        self.assertNotIn("abc123secret", line)

    def test_the_load_balancers_request_id_when_well_formed(self):
        _response, record = self.request("/salud/", HTTP_X_REQUEST_ID="lb-7f3a9c2e-0001")
        self.assertEqual(record.request_id, "lb-7f3a9c2e-0001")
        for bad in [
            "short",
            "x" * 200,
            "abc def ghi jkl",
            'a"}\n{"status": 200',
            "ñandú-12345678",
            "-leading-dash-123",
        ]:
            response, record = self.request("/salud/", HTTP_X_REQUEST_ID=bad)
            self.assertNotEqual(record.request_id, bad)
            self.assertRegex(record.request_id, r"^[0-9a-f]{32}$")
            self.assertEqual(response["X-Request-ID"], record.request_id)

    def test_user_hashed_never_the_id_email_or_run(self):
        user = learner(email="vecina.log@example.cl")
        self.client.force_login(user)
        _response, record = self.request("/mis-cursos/")
        expected = hmac.new(settings.SECRET_KEY.encode(), f"user:{user.pk}".encode(), hashlib.sha256).hexdigest()[:16]
        self.assertEqual(record.user, expected)
        line = JsonFormatter().format(record)
        self.assertNotIn("vecina.log", line)
        self.assertNotIn(user.learner_profile.run, line)
        self.assertNotIn(f'"user": "{user.pk}"', line)
        self.assertNotIn(f'"user": {user.pk}', line)

    def test_secret_path_segments_are_replaced_by_their_name(self):
        _response, record = self.request("/certificados/verificar/ABCD-EFGH-JKLM-NPQR-S/")
        self.assertNotIn("ABCD", record.path)
        self.assertIn("<code>", record.path)

    def test_status_of_refused_and_bad_requests(self):
        _response, record = self.request("/no-existe-esta-pagina/")
        self.assertEqual(record.status, 404)
        _response, record = self.request("/salud/%00/")
        self.assertEqual(record.status, 400)

    def test_logging_costs_no_query(self):
        user = learner()
        self.client.force_login(user)
        self.client.get("/salud/")  # warm up
        with self.assertNumQueries(0), self.assertLogs("cms.requests", "INFO") as logs:
            self.client.get("/salud/")
        # read from the session the request had already loaded (cached_db: from the cache), never from the database
        self.assertEqual(logs.records[0].user, hashed_user_id(user.pk))


@override_settings(LOGGING_CONFIG=None)
class ProductionLoggingTests(TestCase):
    def test_the_base_settings_send_request_lines_through_the_json_formatter(self):
        from cms.settings import base

        config = base.LOGGING
        handler = config["loggers"]["cms.requests"]["handlers"][0]
        self.assertEqual(config["handlers"][handler]["formatter"], "json")
        self.assertEqual(config["formatters"]["json"]["()"], "cms.ops.request_log.JsonFormatter")
        logging.config.dictConfig({**config, "disable_existing_loggers": False})
        try:
            logger = logging.getLogger("cms.requests")
            self.assertFalse(logger.propagate)
            self.assertIsInstance(logger.handlers[0].formatter, JsonFormatter)
        finally:
            logging.config.dictConfig(settings.LOGGING)
            logging.getLogger("cms.requests").handlers.clear()
            logging.getLogger("cms.requests").propagate = True
