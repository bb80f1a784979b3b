"""A real SMTP server for tests and benches (aiosmtpd), listening on a free local port in a thread.

    with SmtpServer() as server, override_settings(**server.email_settings()):
        ...  # send through Django's SMTP backend
    server.messages  # email.message.EmailMessage objects, in arrival order

``refuse`` set to a number makes the server answer that many DATA commands with a transient error (451) first.
"""

import email
import email.policy
import socket
import threading

from aiosmtpd.controller import Controller


class _Handler:
    def __init__(self, server):
        self.server = server

    async def handle_DATA(self, smtp, session, envelope):
        with self.server.lock:
            if self.server.refuse > 0:
                self.server.refuse -= 1
                return "451 4.3.0 Try again later"
            message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
            self.server.messages.append(message)
            self.server.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    def __init__(self, *, refuse: int = 0):
        self.messages: list = []
        self.recipients: list[list[str]] = []
        self.refuse = refuse
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    def email_settings(self) -> dict:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": False,
            "EMAIL_TIMEOUT": 10,
        }
