"""The one scheduler entry point (``manage.py notifications_tick``): run every producer, gather daily summaries,
and retry what is due. Idempotent and safe on several machines at once: dedup keys make queueing happen once,
and sending claims each row with a lock other workers skip."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from learners.notifications import services


@dataclass(frozen=True)
class Tick:
    queued: int
    digests: int
    retried: int


def notifications_tick(*, now: datetime | None = None, producers=None) -> Tick:
    from learners.notifications.producers import PRODUCERS

    now = now or timezone.now()
    queued = 0
    for producer in PRODUCERS if producers is None else producers:
        queued += services.outbox_queue_many(producer(now), now=now)
    digests = services.daily_digests_queue(now=now)
    retried = services.outbox_retry_due(now=now)
    return Tick(queued=queued, digests=digests, retried=retried)
