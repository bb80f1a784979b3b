"""Legal deadlines for data-protection requests: 30 calendar days, or 2 business days for blocking.

Business days are Monday to Friday except Chile's national holidays that fall on a weekday. The list covers
2026 and 2027 (Ley 2.977 and later laws; movable ones as decreed); extend ``CHILE_HOLIDAYS`` each year, or add
dates with the ``LEARNERS_EXTRA_HOLIDAYS`` setting (ISO dates) without a code change.
"""

from datetime import date, timedelta

from django.conf import settings

CALENDAR_DAYS = 30
BLOCKING_BUSINESS_DAYS = 2

CHILE_HOLIDAYS = frozenset(
    date.fromisoformat(day)
    for day in (
        # 2026
        "2026-01-01", "2026-04-03", "2026-04-04", "2026-05-01", "2026-05-21", "2026-06-21", "2026-06-29",
        "2026-07-16", "2026-08-15", "2026-09-18", "2026-09-19", "2026-10-12", "2026-10-31", "2026-11-01",
        "2026-12-08", "2026-12-25",
        # 2027
        "2027-01-01", "2027-03-26", "2027-03-27", "2027-05-01", "2027-05-21", "2027-06-21", "2027-06-28",
        "2027-07-16", "2027-08-15", "2027-09-18", "2027-09-19", "2027-10-11", "2027-10-31", "2027-11-01",
        "2027-12-08", "2027-12-25",
    )
)  # fmt: skip


def holidays() -> frozenset[date]:
    extra = getattr(settings, "LEARNERS_EXTRA_HOLIDAYS", ())
    return CHILE_HOLIDAYS | {date.fromisoformat(day) for day in extra}


def is_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in holidays()


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
