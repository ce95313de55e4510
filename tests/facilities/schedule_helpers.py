"""Factories for the RW schedule tests (imported by name, like facilities_helpers)."""

from __future__ import annotations

from datetime import date, time, timedelta

from facilities_helpers import at, kelurahan_row

from app.extensions import db as _db
from app.recurrence import make_rule
from app.tenancy import scoped_to
from plugins.facilities.models import ReminderSubscription, Schedule


def make_schedule(
    slug="kauman",
    *,
    day: date,
    begin: time = time(8, 0),
    finish: time = time(11, 0),
    freq: str = "none",
    weekdays=None,
    until: date | None = None,
    **fields,
) -> Schedule:
    """A schedule first held on `day` (WIB), repeating as `freq` until `until` (60 days)."""
    k = kelurahan_row(slug)
    starts_at = at(day, begin.hour, begin.minute)
    ends_at = at(day, finish.hour, finish.minute)
    rule = make_rule(freq, until or day + timedelta(days=60), starts_at, weekdays)
    values = {
        "kind": "posyandu",
        "title": "Posyandu Melati RW 03",
        "rw": "003",
        "place": "Posyandu Melati RW 03",
        "starts_at": starts_at,
        "ends_at": ends_at,
        "rule": rule,
    }
    values.update(fields)
    with scoped_to(k.id):
        schedule = Schedule(**values)
        _db.session.add(schedule)
        _db.session.commit()
    return schedule


def subscribe(user, slug="kauman") -> None:
    with scoped_to(kelurahan_row(slug).id):
        _db.session.add(ReminderSubscription(user_id=user.id))
        _db.session.commit()
