"""Pure iCalendar rendering (no ORM): frozen ``CalendarEvent`` rows in, RFC 5545 bytes out, written by the
``icalendar`` library (CRLF line endings, lines folded at 75 octets, a VTIMEZONE for every TZID used)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Calendar, Event

PRODID = "-//Escuela Ciudadana//Calendario de sesiones//ES"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    sequence: int
    start: datetime  # aware, in the school's time zone: written as DTSTART;TZID=…
    end: datetime
    stamp: datetime  # aware, written in UTC
    summary: str
    location: str
    description: str
    url: str
    cancelled: bool


def render_calendar(*, events: list[CalendarEvent], name: str, timezone_name: str) -> bytes:
    """A VCALENDAR with one VEVENT per event (STATUS:CANCELLED for a suspended session) and the VTIMEZONE of
    ``timezone_name``, limited to the years the events span so the file stays small."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", " ".join(name.split()))  # one line, whatever the course title holds
    calendar.add("x-wr-timezone", timezone_name)
    for item in events:
        event = Event()
        event.add("uid", item.uid)
        event.add("sequence", item.sequence)
        event.add("dtstamp", item.stamp)
        event.add("last-modified", item.stamp)
        event.add("dtstart", item.start)
        event.add("dtend", item.end)
        event.add("summary", item.summary)
        if item.location:
            event.add("location", item.location)
        event.add("description", item.description)
        if item.url:
            event.add("url", item.url)
        event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
        event.add("transp", "TRANSPARENT" if item.cancelled else "OPAQUE")
        calendar.add_component(event)
    if events:
        calendar.add_missing_timezones(
            first_date=min(item.start.date() for item in events) - timedelta(days=366),
            last_date=max(item.end.date() for item in events) + timedelta(days=366),
        )
    return calendar.to_ical()
