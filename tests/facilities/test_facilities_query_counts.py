"""The booking queue, a resident's bookings, a facility's page and its calendar run the same
number of SQL statements with few bookings as with many: nothing per booking or slot. And
the Smart Living figures count what a dashboard reader expects."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import StatementCounter, act_as, enable_plugin
from facilities_helpers import BASE, at, make_facility, wib_day

from app.extensions import db as _db
from app.tenancy import scoped_to
from plugins.facilities.models import Booking, BookingSlot


@pytest.fixture(autouse=True)
def facilities_on(app):
    enable_plugin(app, "facilities", "kauman")


def add_bookings(facility, requester, n: int, first_day: int) -> None:
    """`n` requests of three weekly slots each: a third approved, the rest waiting."""
    with scoped_to(facility.kelurahan_id):
        for i in range(n):
            approved = i % 3 == 0
            booking = Booking(
                facility_id=facility.id,
                requester_id=requester.id,
                purpose=f"Kegiatan {first_day}-{i}",
                status="disetujui" if approved else "menunggu",
            )
            day = wib_day(first_day + i)
            for week in range(3):
                start = at(day + timedelta(weeks=week), 8 + (i % 2) * 4)
                booking.slots.append(
                    BookingSlot(
                        facility_id=facility.id,
                        starts_at=start,
                        ends_at=start + timedelta(hours=1),
                        active=approved and (i % 2 == 0),  # never two active at one time
                    )
                )
            _db.session.add(booking)
        _db.session.commit()


def test_booking_pages_run_the_same_queries_for_3_and_30_bookings(app, client, factory):
    balai = make_facility()
    resident = factory.user("warga", "kauman", verified=True)
    staff = factory.user("petugas", "kauman")
    pages = {
        staff: [f"{BASE}/kelola/pemesanan", f"{BASE}/{balai.id}", f"{BASE}/{balai.id}/kalender"],
        resident: [f"{BASE}/pemesanan"],
    }

    def statements(n: int, first_day: int) -> dict:
        add_bookings(balai, resident, n, first_day)
        counts = {}
        for user, urls in pages.items():
            act_as(client, user)
            for url in urls:
                client.get(url)  # warm the per-worker caches
                with StatementCounter(_db.engine) as counter:
                    assert client.get(url).status_code == 200
                counts[url] = counter.n
        return counts

    assert statements(3, 1) == statements(27, 4)


def test_smart_living_figures(app, client):
    from app import kit
    from plugins.facilities.hooks import kp_dimension_metrics

    make_facility(name="Balai", condition="baik")
    make_facility(name="Lampu", kind="lampu_jalan", bookable=False, condition="rusak_berat")
    make_facility(name="Taman", kind="taman", bookable=False, condition="baik")
    make_facility(name="Lama", kind="taman", bookable=False, condition="rusak_berat", active=False)
    kauman = kit.Kelurahan.query.filter_by(slug="kauman").one()
    with app.test_request_context("/k/kauman/"), scoped_to(kauman.id):
        from flask import g

        g.kelurahan = kauman
        figures = {
            m.key: m.value
            for m in kp_dimension_metrics(kauman, at(wib_day(-30), 0), at(wib_day(1), 0))
        }
    assert figures["facilities_good_share"] == 67  # two of the three still in use
    assert figures["facilities_bookings"] == 0 and figures["facilities_active_alerts"] == 0
