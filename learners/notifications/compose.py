"""Plain text plus light HTML for one email, from a greeting, paragraphs and one link (readable on a phone)."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from learners.notifications.channels import one_line


def first_name(user) -> str:
    return one_line(getattr(user, "first_name", "") or "", 80)


def compose(
    *, name: str, subject: str, paragraphs: list[str], link_label: str = "", link_url: str = ""
) -> tuple[str, str, str]:
    """(subject, text, html): "Hola <name>:", the paragraphs, the link, signed "Escuela Ciudadana". Values are
    escaped in the HTML; the subject is one line (a newline in a course title cannot inject a header)."""
    with translation.override(settings.LANGUAGE_CODE):
        greeting = _("Hello %(name)s,") % {"name": name} if name else _("Hello,")
        context = {
            "greeting": greeting,
            "paragraphs": [paragraph for paragraph in paragraphs if paragraph],
            "link_label": link_label,
            "link_url": link_url,
        }
        text = render_to_string("learners/notifications/email/message.txt", context)
        html = render_to_string("learners/notifications/email/message.html", context)
    return one_line(subject, 255), text, html
