"""What a producer hands to the outbox: one message for one person (see learners.notifications.services)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Outgoing:
    kind: str
    recipient_id: int
    dedup_key: str
    subject: str
    text: str
    html: str = ""
    attachments: tuple[tuple[str, bytes, str], ...] = ()
