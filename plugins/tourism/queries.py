"""The plugin's shared reads: what the public may see (published only), upcoming events and
their occurrences in a window, "open now", and the monthly page-view counter.

Every public list goes through `public_destinations()` / `public_events()`, so nothing
pending, returned or hidden shows on a public page, the map, search or a feed. Each list is
a fixed number of queries whatever the data size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import exc, select, update
from sqlalchemy.orm import selectinload

from app.kit import WIB, db, public_url, recurrence

from . import hours as opening
from .models import Destination, DestinationPhoto, PageViews, Status, TourEvent

PER_PAGE = 24
# The calendar and feeds look this far ahead; a series beyond it shows when it comes near.
FEED_DAYS_BEFORE = 31
FEED_EVENTS_CAP = 500
CALENDAR_CAP = 300


def now_utc() -> datetime:
    return datetime.now(UTC)


def month_start(moment: datetime | None = None) -> date:
    local = (moment or now_utc()).astimezone(WIB)
    return date(local.year, local.month, 1)


def public_destinations():
    """Published destinations with their cover thumbnails (one query plus the photo loads)."""
    return (
        select(Destination)
        .where(Destination.status == Status.PUBLISHED.value)
        .options(selectinload(Destination.photos).selectinload(DestinationPhoto.thumb))
    )


def event_is_public():
    """SQL for TourEvent.is_public: published, and at a published destination or a place
    of its own."""
    published_places = select(Destination.id).where(Destination.status == Status.PUBLISHED.value)
    return (TourEvent.status == Status.PUBLISHED.value) & (
        TourEvent.destination_id.is_(None) | TourEvent.destination_id.in_(published_places)
    )


def public_events():
    return (
        select(TourEvent)
        .where(event_is_public())
        .options(selectinload(TourEvent.destination), selectinload(TourEvent.poster))
    )


def upcoming_events(moment: datetime | None = None):
    """Published events with an occurrence that has not ended yet."""
    return public_events().where(TourEvent.series_ends_at > (moment or now_utc()))


def open_now(destinations, moment: datetime | None = None) -> list:
    at = moment or now_utc()
    return [d for d in destinations if opening.is_open(d.hours, d.closed_on_holidays, at)]


@dataclass(frozen=True)
class Sitting:
    """One occurrence of an event, for lists and the month grid."""

    event: TourEvent
    start: datetime
    end: datetime

    @property
    def local_day(self) -> date:
        return self.start.astimezone(WIB).date()


def sittings(events, window_start: datetime, window_end: datetime, cap: int = CALENDAR_CAP):
    """Every occurrence of `events` overlapping the window, in time order, at most `cap`."""
    found = []
    for event in events:
        for occurrence in recurrence.occurrences(
            event.starts_at, event.ends_at, event.rrule, window_start, window_end
        ):
            found.append(Sitting(event, occurrence.start, occurrence.end))
    found.sort(key=lambda s: (s.start, s.event.id))
    return found[:cap]


def next_sitting(event: TourEvent, moment: datetime | None = None) -> Sitting | None:
    """The occurrence happening now or next, None when the series is over."""
    at = moment or now_utc()
    if event.series_ends_at <= at:
        return None
    found = recurrence.occurrences(
        event.starts_at, event.ends_at, event.rrule, at, event.series_ends_at + timedelta(1)
    )
    return Sitting(event, found[0].start, found[0].end) if found else None


def feed_events(kelurahan_ids, moment: datetime | None = None) -> list[TourEvent]:
    """Published events for a feed: those not over, and those that ended within a month
    (a calendar app keeps showing what it imported), newest last."""
    since = (moment or now_utc()) - timedelta(days=FEED_DAYS_BEFORE)
    return list(
        db.session.execute(
            public_events()
            .where(TourEvent.kelurahan_id.in_(kelurahan_ids), TourEvent.series_ends_at > since)
            .order_by(TourEvent.starts_at, TourEvent.id)
            .limit(FEED_EVENTS_CAP)
        ).scalars()
    )


def feed_entry(event: TourEvent, kelurahan) -> recurrence.FeedEvent:
    """The event as the iCalendar writer reads it. The UID is the event's id under the
    site's public host: stable across edits, unique across kelurahan."""
    host = urlsplit(public_url("public.city_home")).hostname or "kelurahan-pintar"
    location = event.place_label
    if event.destination is not None and event.destination.address:
        location = f"{location}, {event.destination.address}"
    return recurrence.FeedEvent(
        uid=f"tourism-event-{event.id}@{host}",
        title=event.title,
        description=event.description,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        rule=event.rrule,
        location=f"{location}, {kelurahan.name}, Kota Pekalongan",
        lat=event.lat,
        lng=event.lng,
        url=public_url("tourism.event", kelurahan_slug=kelurahan.slug, event_id=event.id),
        stamp=event.updated_at or event.created_at,
    )


def count_view(kelurahan_id: int, page: str) -> None:
    """Add one view of `page` this month. Safe when two requests create the row at once."""
    month = month_start()
    where = (
        PageViews.kelurahan_id == kelurahan_id,
        PageViews.month == month,
        PageViews.page == page,
    )
    bump = update(PageViews).where(*where).values(views=PageViews.views + 1)
    if db.session.execute(bump).rowcount:
        return
    try:
        with db.session.begin_nested():
            db.session.add(PageViews(kelurahan_id=kelurahan_id, month=month, page=page, views=1))
    except exc.IntegrityError:  # the other request inserted it first
        db.session.execute(bump)
