"""The kelurahan guide, the city guide and the events calendars run the same number of SQL
statements with 3 destinations and events as with 15: nothing per destination, photo,
event or kelurahan. Requests are made signed in, so the visitors' page cache is not used."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import StatementCounter, act_as, enable_plugin
from tourism_helpers import KAUMAN, MEDONO, make_destination, make_event, pokdarwis, text, tomorrow

from app.extensions import db as _db
from app.models import Media
from plugins.tourism.models import DestinationPhoto

URLS = {
    "kelurahan guide": "/k/kauman/wisata/",
    "kelurahan guide, open now": "/k/kauman/wisata/?buka=1&kategori=museum",
    "city guide": "/wisata/",
    "calendar list": "/k/kauman/wisata/acara/",
    "calendar month": "/k/kauman/wisata/acara/?tampilan=bulan&bulan="
    + tomorrow().strftime("%Y-%m"),
    "city calendar": "/wisata/acara/",
}


@pytest.fixture(autouse=True)
def tourism_on(app):
    enable_plugin(app, "tourism", "kauman")
    enable_plugin(app, "tourism", "medono")


_made = iter(range(10**6))


def add(groups, n: int) -> None:
    """`n` published destinations spread over the groups, each with a photo and a weekly
    event at it, and one-off events elsewhere."""
    until = tomorrow() + timedelta(days=21)
    categories = ["museum", "kampung_batik", "religi", "kuliner"]
    for i in range(n):
        k = next(_made)
        group = groups[i % len(groups)]
        place = make_destination(
            group,
            name=f"Tempat Massal {k}",
            category=categories[i % len(categories)],
            hours=[["00:00", "24:00"]] * 7,
            at=MEDONO if group is not groups[0] else KAUMAN,
        )
        full, thumb = (
            Media(
                relpath=f"tourism/massal-{k}-{size}.jpg",
                width=w,
                height=h,
                content_type="image/jpeg",
                size_bytes=1000,
                kelurahan_id=group.kelurahan_id,
            )
            for size, w, h in (("full", 1200, 800), ("thumb", 480, 320))
        )
        _db.session.add(
            DestinationPhoto(
                kelurahan_id=group.kelurahan_id, destination=place, media=full, thumb=thumb
            )
        )
        _db.session.commit()
        make_event(group, title=f"Acara Massal {k}", destination=place, until=until)
        make_event(group, title=f"Acara Lepas {k}", at=MEDONO if group is not groups[0] else KAUMAN)


def measure(client) -> dict[str, int]:
    counts = {}
    for name, url in URLS.items():
        assert client.get(url).status_code == 200, url  # warm-up: connection, caches
        with StatementCounter(_db.engine) as counter:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[name] = counter.n
    return counts


def test_guides_and_calendars_do_not_grow_with_the_data(client, factory):
    member, group = pokdarwis(factory)
    _other, medono_group = pokdarwis(factory, "medono")
    resident = factory.user("warga", "kauman")
    groups = [group, medono_group]
    add(groups, 3)

    def measure_all():
        counts = {}
        for who, user in (("resident", resident), ("member", member)):
            act_as(client, user)
            counts.update({f"{k} ({who})": v for k, v in measure(client).items()})
        return counts

    small = measure_all()
    add(groups, 12)
    page = text(client.get("/wisata/"))
    assert page.count('class="place-card"') == 15  # the larger world really is larger
    large = measure_all()
    assert large == small, "\n".join(
        f"{name}: {small[name]} statements with 3, {large[name]} with 15"
        for name in small
        if small[name] != large[name]
    )
