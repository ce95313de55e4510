"""The iCalendar feeds as a calendar app reads them: the WIB time zone, stable UIDs, the
stored repeat rule and start instant, published events only, and the right kelurahan."""

from __future__ import annotations

from datetime import UTC, timedelta

import icalendar
import pytest
from conftest import act_as, enable_plugin
from tourism_helpers import MEDONO, WIB, event_data, make_event, pokdarwis, post, tomorrow

from app.extensions import db as _db

BASE = "/k/kauman/wisata"


@pytest.fixture(autouse=True)
def tourism_on(app):
    enable_plugin(app, "tourism", "kauman")
    enable_plugin(app, "tourism", "medono")  # not in "klego": its events stay out


def read_feed(client, url: str) -> tuple[icalendar.Calendar, dict[str, icalendar.Event]]:
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.get_data())
    return calendar, {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}


def test_feeds_carry_published_events_with_stable_uids_and_their_rules(client, factory):
    member, group = pokdarwis(factory)
    _m, medono_group = pokdarwis(factory, "medono")
    _k, klego_group = pokdarwis(factory, "klego")
    first = tomorrow()
    weekly = make_event(
        group, title="Workshop Mingguan", day=first, until=first + timedelta(days=60)
    )
    once = make_event(group, title="Pekan Batik", day=first + timedelta(days=10), hours=(9, 21))
    for status in ("pending", "returned", "hidden"):
        make_event(group, title=f"Acara {status}", status=status)
    make_event(medono_group, title="Festival Medono", at=MEDONO)
    make_event(klego_group, title="Festival Klego")

    calendar, events = read_feed(client, f"{BASE}/acara.ics")
    assert set(events) == {"Workshop Mingguan", "Pekan Batik"}
    zones = [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")]
    assert zones == ["Asia/Jakarta"]
    for stored in (weekly, once):
        item = events[stored.title]
        start = item["DTSTART"].dt
        assert start.tzinfo is not None
        assert start == stored.starts_at  # the same instant as the stored UTC start
        assert start.astimezone(UTC) == stored.starts_at.astimezone(UTC)
        assert item["DTEND"].dt == stored.ends_at
    assert events["Workshop Mingguan"]["RRULE"].to_ical().decode() == weekly.rrule
    assert "RRULE" not in events["Pekan Batik"]
    # A WIB start: 08:00 in Jakarta, whatever the UTC date.
    assert events["Workshop Mingguan"]["DTSTART"].dt.astimezone(WIB).hour == 8

    uids = {title: str(e["UID"]) for title, e in events.items()}
    assert len(set(uids.values())) == 2
    _calendar, again = read_feed(client, f"{BASE}/acara.ics")
    assert {title: str(e["UID"]) for title, e in again.items()} == uids

    # The city feed: every kelurahan where the plugin is on, not Klego.
    _calendar, city = read_feed(client, "/wisata/acara.ics")
    assert set(city) == {"Workshop Mingguan", "Pekan Batik", "Festival Medono"}
    assert str(city["Workshop Mingguan"]["UID"]) == uids["Workshop Mingguan"]

    # Edited by its writers: the same UID, the new title, the rule as stored.
    act_as(client, member)
    edited = post(
        client,
        f"{BASE}/acara/{weekly.id}/ubah",
        **event_data(
            title="Workshop Membatik Sabtu",
            start_date=first.isoformat(),
            end_date=first.isoformat(),
            repeat="weekly",
            repeat_until=(first + timedelta(days=60)).isoformat(),
        ),
    )
    assert edited.status_code == 302
    _db.session.refresh(weekly)
    assert weekly.status == "published"
    _calendar, after = read_feed(client.application.test_client(), f"{BASE}/acara.ics")
    assert set(after) == {"Workshop Membatik Sabtu", "Pekan Batik"}
    item = after["Workshop Membatik Sabtu"]
    assert str(item["UID"]) == uids["Workshop Mingguan"]
    assert item["RRULE"].to_ical().decode() == weekly.rrule
    assert item["DTSTART"].dt == weekly.starts_at
