"""The client's address behind a load balancer (learners.accounts.throttle.client_ip): read from X-Forwarded-For
only when the request comes from a trusted proxy, and never from what the client itself wrote in that header."""

from django.test import RequestFactory, SimpleTestCase, override_settings

from learners.accounts.throttle import client_ip


def request(remote: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/cuenta/ingresar/", **headers)


@override_settings(TRUSTED_PROXY_IPS=["10.0.0.5", "10.0.0.6"])
class ClientAddressTests(SimpleTestCase):
    def test_behind_the_balancer_the_forwarded_address_counts(self):
        self.assertEqual(client_ip(request("10.0.0.5", "203.0.113.7")), "203.0.113.7")

    def test_through_two_trusted_proxies(self):
        self.assertEqual(client_ip(request("10.0.0.6", "203.0.113.7, 10.0.0.5")), "203.0.113.7")

    def test_an_address_the_client_wrote_itself_is_not_believed(self):
        # The client sent "X-Forwarded-For: 198.51.100.1"; the balancer appended the address it saw.
        self.assertEqual(client_ip(request("10.0.0.5", "198.51.100.1, 203.0.113.7")), "203.0.113.7")

    def test_a_direct_request_ignores_the_header(self):
        self.assertEqual(client_ip(request("203.0.113.9", "198.51.100.1")), "203.0.113.9")

    def test_a_missing_or_malformed_header_counts_the_proxy(self):
        self.assertEqual(client_ip(request("10.0.0.5")), "10.0.0.5")
        self.assertEqual(client_ip(request("10.0.0.5", "no-es-una-ip")), "10.0.0.5")
        self.assertEqual(client_ip(request("10.0.0.5", "")), "10.0.0.5")

    @override_settings(TRUSTED_PROXY_IPS=[])
    def test_without_trusted_proxies_only_the_connection_counts(self):
        self.assertEqual(client_ip(request("10.0.0.5", "203.0.113.7")), "10.0.0.5")
