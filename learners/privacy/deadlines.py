"""Legal deadlines for data-protection requests: 30 calendar days, or 2 business days for blocking.

Business days are Monday to Friday except Chile's national holidays. They come from the ``holidays`` package
(a maintained calendar: laws, movable and bridge holidays, every year), not from a list kept here; days a decree
adds at short notice go in the ``LEARNERS_EXTRA_HOLIDAYS`` setting (ISO dates) without a code change.
"""

import functools
from datetime import date, timedelta

import holidays as calendars
from django.conf import settings

CALENDAR_DAYS = 30
BLOCKING_BUSINESS_DAYS = 2


@functools.cache
def chile_holidays(year: int) -> frozenset[date]:
    """Chile's national holidays in ``year``, from the ``holidays`` package."""
    return frozenset(calendars.country_holidays("CL", years=year))


def extra_holidays() -> frozenset[date]:
    """The decreed days of ``LEARNERS_EXTRA_HOLIDAYS``."""
    return frozenset(date.fromisoformat(day) for day in getattr(settings, "LEARNERS_EXTRA_HOLIDAYS", ()))


def is_holiday(day: date) -> bool:
    return day in chile_holidays(day.year) or day in extra_holidays()


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def add_business_days(start: date, days: int) -> date:
    """The ``days``-th business day after ``start`` (a request on Friday with 2 days is due on Tuesday)."""
    day, left = start, days
    while left:
        day += timedelta(days=1)
        if is_business_day(day):
            left -= 1
    return day


def due_on(*, kind: str, received: date) -> date:
    """The legal deadline of a request of ``kind`` (a DataRequest.Kind value) received on ``received``."""
    if kind == "blocking":
        return add_business_days(received, BLOCKING_BUSINESS_DAYS)
    return received + timedelta(days=CALENDAR_DAYS)
