"""Small factories shared by the facilities tests (imported by name: pytest puts this folder
on sys.path for the test modules in it)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.extensions import db as _db
from app.models import Kelurahan
from app.tenancy import scoped_to
from plugins.facilities.models import Facility

WIB = ZoneInfo("Asia/Jakarta")
BASE = "/k/kauman/fasilitas"


def text(response) -> str:
    return response.get_data(as_text=True)


def kelurahan_row(slug="kauman") -> Kelurahan:
    return _db.session.execute(_db.select(Kelurahan).where(Kelurahan.slug == slug)).scalar_one()


def centre(slug="kauman") -> tuple[float, float]:
    k = kelurahan_row(slug)
    return k.lat, k.lng


def make_facility(slug="kauman", **fields) -> Facility:
    """A bookable balai at the kelurahan's centre unless told otherwise."""
    k = kelurahan_row(slug)
    values = {
        "name": "Balai RW 03",
        "kind": "balai",
        "lat": k.lat,
        "lng": k.lng,
        "capacity": 80,
        "bookable": True,
        "max_hours": 4,
        "fee_rupiah": 0,
    }
    values.update(fields)
    with scoped_to(k.id):
        facility = Facility(**values)
        _db.session.add(facility)
        _db.session.commit()
    return facility


def wib_day(days_ahead: int) -> date:
    return (datetime.now(WIB) + timedelta(days=days_ahead)).date()


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A WIB wall-clock time as aware UTC."""
    return datetime.combine(day, time(hour, minute), WIB).astimezone(UTC)
