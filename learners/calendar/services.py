"""Writes for calendars: creating and regenerating a person's private subscription address."""

import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from learners.calendar.models import CalendarFeed
from learners.calendar.selectors import KEY_LENGTH


def _new_key() -> str:
    return secrets.token_urlsafe(KEY_LENGTH)[:KEY_LENGTH]


@transaction.atomic
def calendar_feed_regenerate(*, user: AbstractBaseUser, kind: str) -> CalendarFeed:
    """Give ``user`` a new subscription address of ``kind`` (creating it the first time). The previous address
    stops working as soon as this commits; a double click just makes one more new address."""
    if kind not in CalendarFeed.Kind.values:
        raise ValueError(f"unknown calendar kind {kind!r}")
    feed = CalendarFeed.objects.select_for_update().filter(user=user, kind=kind).first()
    if feed is None:
        feed = CalendarFeed(user=user, kind=kind)
    feed.key, feed.secret = _new_key(), secrets.token_urlsafe(32)
    feed.save()
    return feed
