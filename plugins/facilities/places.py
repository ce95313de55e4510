"""Points and times every form of the plugin reads the same way: a point inside the
kelurahan, and a WIB day and clock time turned into an aware UTC instant."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from app.kit import WIB, MissingLocation, _l, outside_kelurahan, read_location, utcnow

from .access import settings

OUTSIDE = _l(
    "Lokasi ini di luar wilayah kelurahan. Pilih titik di dalam kelurahan ini (geser peta "
    "atau tulis koordinatnya)."
)


def read_point(form, *, required_message=None) -> tuple[float, float] | None:
    """The point of `form.lat`/`form.lng`: inside the city (kit) and within the plugin's
    `area_radius_m` of the kelurahan's centre. None with an error on `form.lat` otherwise."""
    try:
        point = read_location(form.lat, form.lng)
    except MissingLocation:
        form.lat.errors = [*form.lat.errors, required_message or _l("Tandai lokasinya di peta.")]
        return None
    except ValueError:
        return None
    if outside_kelurahan(*point, int(settings()["area_radius_m"])):
        form.lat.errors = [*form.lat.errors, OUTSIDE]
        return None
    return point


def instant(day: date, clock: time) -> datetime:
    """A WIB wall-clock time on a day, as an aware UTC datetime (what the tables store)."""
    return datetime.combine(day, clock, WIB).astimezone(UTC)


def today_wib() -> date:
    return utcnow().astimezone(WIB).date()


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def day_window(day: date, days: int = 1) -> tuple[datetime, datetime]:
    """[start, end) in UTC of `days` WIB days from `day`."""
    start = instant(day, time(0, 0))
    return start, start + timedelta(days=days)
