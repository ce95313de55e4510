"""Small factories shared by the tourism tests (imported by name: pytest puts this folder on
sys.path for the test modules in it)."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, date, datetime, timedelta

from PIL import Image

from app import recurrence
from app.extensions import db as _db
from app.models import GroupMember, utcnow
from plugins.tourism.models import Destination, TourEvent
from plugins.tourism.queries import month_start  # noqa: F401 - re-exported for the tests

WIB = recurrence.WIB
KAUMAN = (-6.8899, 109.6728)  # Kampung Batik Kauman, inside the city bounds
MEDONO = (-6.8975, 109.6605)
OUTSIDE = ("-7.0500", "110.4200")  # Semarang: outside Kota Pekalongan
ALWAYS = [["00:00", "24:00"]] * 7
DAYTIME = [["08:00", "16:00"]] * 7
BROWSER = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36"

_seq = itertools.count(1)


def text(response) -> str:
    return response.get_data(as_text=True)


def jpeg_bytes(size=(64, 48), colour=(150, 60, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def upload(name="foto.jpg", data: bytes | None = None):
    """A (stream, filename) pair for a multipart form field."""
    return (io.BytesIO(jpeg_bytes() if data is None else data), name)


def post(client, url, **data):
    return client.post(url, data=data, content_type="multipart/form-data")


def add_member(group, user, status="active", role="anggota") -> None:
    _db.session.add(
        GroupMember(
            kelurahan_id=group.kelurahan_id,
            group_id=group.id,
            user_id=user.id,
            role=role,
            status=status,
        )
    )
    _db.session.commit()


def pokdarwis(factory, slug="kauman", *, verified=True, name=None):
    """(member, group): a resident leading a Pokdarwis group of `slug`."""
    user = factory.user("warga", slug)
    group = factory.group(slug, leader=user, kind="pokdarwis", verified=verified, name=name)
    return user, group


def staff(factory, slug="kauman", role="petugas"):
    return factory.user(role, slug, verified=True)


def make_destination(group, *, status="published", at=KAUMAN, **fields) -> Destination:
    """A committed destination of `group` (published unless told otherwise)."""
    n = next(_seq)
    values = {
        "name": f"Destinasi Uji {n}",
        "category": "kampung_batik",
        "description": f"Keterangan destinasi uji nomor {n}.",
        "lat": at[0],
        "lng": at[1],
        "hours": DAYTIME,
        "ticket_price": 0,
        "status": status,
        **fields,
    }
    if status == "published":
        values.setdefault("published_at", utcnow())
    place = Destination(kelurahan_id=group.kelurahan_id, group_id=group.id, **values)
    _db.session.add(place)
    _db.session.commit()
    return place


def wib(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=WIB)


def tomorrow() -> date:
    return datetime.now(WIB).date() + timedelta(days=1)


def make_event(
    group,
    *,
    status="published",
    day: date | None = None,
    hours=(8, 11),
    until: date | None = None,
    destination: Destination | None = None,
    at=KAUMAN,
    **fields,
) -> TourEvent:
    """A committed event of `group`, on `day` (tomorrow) in WIB; weekly to `until` if given."""
    n = next(_seq)
    day = day or tomorrow()
    starts, ends = wib(day, hours[0]), wib(day, hours[1])
    rule = recurrence.make_rule("weekly", until, starts) if until else None
    values = {
        "title": f"Acara Uji {n}",
        "description": f"Keterangan acara uji nomor {n}.",
        "starts_at": starts.astimezone(UTC),
        "ends_at": ends.astimezone(UTC),
        "rrule": rule,
        "series_ends_at": recurrence.series_end(starts, ends, rule),
        "lat": destination.lat if destination else at[0],
        "lng": destination.lng if destination else at[1],
        "destination_id": destination.id if destination else None,
        "place_name": "" if destination else "Balai RW 3",
        "status": status,
        **fields,
    }
    if status == "published":
        values.setdefault("published_at", utcnow())
    event = TourEvent(kelurahan_id=group.kelurahan_id, group_id=group.id, **values)
    _db.session.add(event)
    _db.session.commit()
    return event


def destination_data(group=None, **overrides) -> dict:
    """A valid destination form: open 08:00–16:00 Tuesday to Sunday, Rp 5.000."""
    data = {
        "name": "Museum Batik Uji",
        "category": "museum",
        "description": "Koleksi kain batik dari seluruh Nusantara.",
        "description_en": "",
        "address": "Jl. Jetayu No. 1",
        "lat": str(KAUMAN[0]),
        "lng": str(KAUMAN[1]),
        "ticket_price": "5.000",
        "ticket_note": "Anak-anak Rp 3.000",
        "has_parking": "y",
        "has_toilet": "y",
        "phone": "",
    }
    for day in range(7):
        data[f"opens_{day}"] = "" if day == 0 else "08:00"
        data[f"closes_{day}"] = "" if day == 0 else "16:00"
    if group is not None:
        data["group"] = str(group.id)
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def event_data(group=None, **overrides) -> dict:
    """A valid one-off event form for tomorrow 08:00–11:00 WIB at a named place."""
    day = tomorrow().isoformat()
    data = {
        "title": "Workshop Membatik Uji",
        "description": "Belajar mencanting bersama perajin.",
        "start_date": day,
        "start_time": "08:00",
        "end_date": day,
        "end_time": "11:00",
        "repeat": "none",
        "repeat_until": "",
        "destination": "",
        "place_name": "Balai RW 3 Kauman",
        "lat": str(KAUMAN[0]),
        "lng": str(KAUMAN[1]),
        "registration_url": "",
    }
    if group is not None:
        data["group"] = str(group.id)
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
