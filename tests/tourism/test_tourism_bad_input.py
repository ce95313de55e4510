"""Bad input on the destination and event forms: each answers 422 in Indonesian, shows what
was typed again, stores no row, and keeps a chosen photo for the next try."""

from __future__ import annotations

import re

import pytest
from conftest import count, enable_plugin
from sqlalchemy import select
from tourism_helpers import (
    OUTSIDE,
    destination_data,
    event_data,
    post,
    text,
    upload,
)

from app.extensions import db as _db
from app.models import Media, PendingUpload
from plugins.tourism.models import Destination, DestinationPhoto, TourEvent

BASE = "/k/kauman/wisata"


@pytest.fixture(autouse=True)
def tourism_on(app):
    enable_plugin(app, "tourism", "kauman")


@pytest.fixture
def member(factory, login_as):
    user = login_as("warga", "kauman")
    group = factory.group("kauman", leader=user, kind="pokdarwis", name="Pokdarwis Uji")
    return user, group


DESTINATION_CASES = {
    "outside the city": (
        {"lat": OUTSIDE[0], "lng": OUTSIDE[1]},
        "Lokasi berada di luar Kota Pekalongan",
        'value="-7.0500"',
    ),
    "closes before it opens": (
        {"opens_2": "16:00", "closes_2": "08:00"},
        "Jam tutup harus setelah jam buka.",
        'value="16:00"',
    ),
    "closing time missing": (
        {"opens_3": "09:30", "closes_3": ""},
        "Isi jam buka dan jam tutup, atau kosongkan keduanya bila tutup.",
        'value="09:30"',
    ),
}


@pytest.mark.parametrize("case", DESTINATION_CASES)
def test_a_refused_destination_keeps_what_was_typed_and_the_photo(client, member, case):
    _user, group = member
    overrides, message, typed = DESTINATION_CASES[case]
    response = post(
        client,
        f"{BASE}/tempat/baru",
        photos=[upload("sampul.jpg")],
        **destination_data(group, **overrides),
    )
    assert response.status_code == 422
    body = text(response)
    assert message in body
    assert typed in body
    assert 'value="Museum Batik Uji"' in body
    assert "Koleksi kain batik dari seluruh Nusantara." in body
    assert 'value="Anak-anak Rp 3.000"' in body
    assert (count(Destination), count(DestinationPhoto)) == (0, 0)
    # The photo is kept, not public, offered again; nothing else is stored.
    kept = _db.session.execute(select(PendingUpload)).scalars().all()
    assert len(kept) == 1 and count(Media) == 1
    assert not kept[0].media.public
    assert f'name="photos-pending" value="{kept[0].id}"' in body
    kept_id, kept_media = kept[0].id, kept[0].media_id

    # Fixed and sent again with the kept photo: one destination, with that photo.
    fixed = post(
        client,
        f"{BASE}/tempat/baru",
        **{"photos-pending": str(kept_id)},
        **destination_data(group),
    )
    assert fixed.status_code == 302, text(fixed)
    place = _db.session.execute(select(Destination)).scalar_one()
    assert [p.media_id for p in place.photos] == [kept_media]
    assert count(PendingUpload) == 0


def _weekly_without_end():
    return {"repeat": "weekly", "repeat_until": ""}


EVENT_CASES = {
    "ends before it starts": (
        {"end_time": "07:00"},
        "Acara harus selesai setelah mulai.",
        'value="07:00"',
    ),
    "repeats without an end": (
        _weekly_without_end(),
        "Acara berulang harus punya tanggal akhir pengulangan.",
        re.compile(r'<option selected value="weekly">'),
    ),
    "outside the city": (
        {"lat": OUTSIDE[0], "lng": OUTSIDE[1]},
        "Lokasi berada di luar Kota Pekalongan",
        'value="110.4200"',
    ),
}


@pytest.mark.parametrize("case", EVENT_CASES)
def test_a_refused_event_keeps_what_was_typed_and_stores_nothing(client, member, case):
    _user, group = member
    overrides, message, typed = EVENT_CASES[case]
    response = post(
        client,
        f"{BASE}/acara/baru",
        poster=upload("poster.jpg"),
        **event_data(group, **overrides),
    )
    assert response.status_code == 422
    body = text(response)
    assert message in body
    assert typed.search(body) if isinstance(typed, re.Pattern) else typed in body
    assert 'value="Workshop Membatik Uji"' in body
    assert "Belajar mencanting bersama perajin." in body
    assert count(TourEvent) == 0
    kept = _db.session.execute(select(PendingUpload)).scalars().all()
    assert len(kept) == 1 and count(Media) == 1  # the poster, kept for the next try only
    assert not kept[0].media.public
