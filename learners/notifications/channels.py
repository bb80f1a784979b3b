"""How a queued message leaves the platform, one channel per ``OutboxMessage.Channel``.

Only email exists, through Django's email backends (``EMAIL_BACKEND``), so a provider plugs in through its
backend, e.g. django-anymail. SMS or WhatsApp later: write a class with the same three methods (``open``,
``send``, ``close``), add a value to ``OutboxMessage.Channel`` and register the class in ``CHANNELS``; the outbox,
retries, deduplication and preferences stay as they are.
"""

import base64
import secrets
import smtplib
from email.header import Header
from functools import lru_cache

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from courses.public_address import public_url
from learners.notifications.kinds import kind_get
from learners.notifications.models import OutboxMessage
from learners.notifications.tokens import unsubscribe_token


class PermanentFailure(Exception):
    """The message can never be delivered as it is (no address, the server refused the recipient): no retry."""


def one_line(value: str, limit: int = 200) -> str:
    """A header-safe single line: newlines, tabs and runs of spaces (e.g. from a course title) become one space."""
    return " ".join(str(value).replace("\x00", "").split())[:limit]


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    return public_url(
        reverse("learners:notifications_unsubscribe", args=[unsubscribe_token(user_id=user_id, kind=kind)])
    )


@lru_cache(maxsize=256)
def encoded_subject(subject: str) -> str:
    """A non-ASCII subject as RFC 2047 encoded words, what Django's mail code would make of it, kept for the next
    message with the same subject (the thousand reminders of one session share theirs).

    Python's header encoder measures the value again for each character it places, so encoding one accented subject
    cost about a fifth of sending a reminder. The words are separated by spaces instead of folded lines (Django
    refuses a header value with a newline); the message's generator folds the line, and readers join adjacent
    encoded words, so the subject arrives the same."""
    try:
        subject.encode("ascii")
    except UnicodeEncodeError:
        return Header(subject, "utf-8").encode(linesep=" ")
    return subject


class _Email(EmailMultiAlternatives):
    """Django's message, cheaper to turn into MIME for a run of similar messages: the subject's encoded words come
    from ``encoded_subject`` (only while the MIME message is made: a backend that reads ``subject`` itself, such as
    django-anymail's, gets the plain text), and the multipart boundaries are chosen here: 96 random bits cannot occur
    in our own text, so Python's generator skips making one and compiling a pattern to search the whole message for
    it (a tenth of the cost of sending a reminder)."""

    def message(self):
        subject = self.subject
        self.subject = encoded_subject(subject)
        try:
            message = super().message()
        finally:
            self.subject = subject
        for part in message.walk():
            if part.is_multipart():
                part.set_boundary(f"=_{secrets.token_hex(12)}_=")
        return message


class EmailChannel:
    """Email through the configured Django email backend; one connection for a batch of messages."""

    def open(self):
        connection = get_connection()
        connection.open()
        return connection

    def close(self, connection) -> None:
        try:
            connection.close()
        except Exception:  # noqa: BLE001  (a broken connection is closed anyway)
            pass

    def build(self, message: OutboxMessage) -> EmailMultiAlternatives:
        address = message.recipient.email
        if not address:
            raise PermanentFailure("La persona no tiene correo electrónico.")
        kind = kind_get(message.kind)
        headers, text, html = {}, message.text, message.html
        if not kind.required:  # security and legal messages carry no unsubscribe link nor footer
            url = unsubscribe_url(user_id=message.recipient_id, kind=message.kind)
            headers["List-Unsubscribe"] = f"<{url}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
            context = {
                "preferences_url": public_url(reverse("learners:notifications_preferences")),
                "unsubscribe_url": url,
                "kind_label": str(kind.label),
            }
            with translation.override(settings.LANGUAGE_CODE):
                text = text.rstrip() + "\n\n" + render_to_string("learners/notifications/email/footer.txt", context)
                footer = render_to_string("learners/notifications/email/footer.html", context)
        else:
            footer = ""
        email = _Email(
            subject=one_line(message.subject),
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[address],
            headers=headers,
        )
        if html:
            email.attach_alternative(
                render_to_string(
                    "learners/notifications/email/layout.html",
                    {"subject": one_line(message.subject), "body": html, "footer": footer},
                ),
                "text/html",
            )
        for item in message.attachments:
            email.attach(item["name"], base64.b64decode(item["content"]), item["type"])
        return email

    def send(self, connection, message: OutboxMessage) -> None:
        """Send one message; raises PermanentFailure when retrying cannot help, any other error is transient."""
        email = self.build(message)
        email.connection = connection
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as error:
            raise PermanentFailure(str(error)) from error


CHANNELS = {OutboxMessage.Channel.EMAIL: EmailChannel()}

__all__ = ["CHANNELS", "EmailChannel", "PermanentFailure", "one_line", "unsubscribe_url"]
