"""Booking a facility as residents and staff see it: the state machine, requests refused in
Bahasa Indonesia with what was typed kept and nothing stored, repeats that collide with an
approved booking, approval that never double-books (the database's own rule on
PostgreSQL), the public calendar without names, and the .ics feed."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from conftest import act_as, count, enable_plugin, notes_for
from facilities_helpers import BASE, at, make_facility, text, wib_day
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.extensions import db as _db
from app.tenancy import scoped_to
from plugins.facilities import bookings
from plugins.facilities.models import Booking, BookingSlot, BookingStatus


@pytest.fixture(autouse=True)
def facilities_on(app):
    enable_plugin(app, "facilities", "kauman")
    enable_plugin(app, "facilities", "medono")


@pytest.fixture
def balai(app):
    return make_facility(name="Balai RW 03", max_hours=4, fee_rupiah=50_000)


@pytest.fixture
def resident(app, client, factory):
    user = factory.user("warga", "kauman", verified=True, name="Siti Aminah")
    act_as(client, user)
    return user


def booking_data(place, **fields):
    day = wib_day(5)
    data = {
        "facility": str(place.id),
        "group": "",
        "purpose": "Rapat karang taruna",
        "attendees": "25",
        "day": day.isoformat(),
        "start": "19:00",
        "end": "21:00",
        "repeat": "none",
        "until": "",
    }
    data.update(fields)
    return data


def book(client, place, **fields):
    return client.post(f"{BASE}/pesan", data=booking_data(place, **fields))


def staff_of(factory, slug="kauman"):
    return factory.user("petugas", slug, name="Budi Petugas")


# -- the state machine -------------------------------------------------------------------------

S, A = BookingStatus, bookings.Actor
ALLOWED = {
    (S.PENDING, S.APPROVED, A.STAFF),
    (S.PENDING, S.REFUSED, A.STAFF),
    (S.PENDING, S.CANCELLED, A.REQUESTER),
    (S.APPROVED, S.CANCELLED, A.REQUESTER),
    (S.APPROVED, S.CANCELLED, A.STAFF),
}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_every_move_of_the_state_machine_is_allowed_exactly_as_the_table_says(app):
    """Every status × status × person: staff decide, the requester cancels, nobody reopens
    a refused or cancelled booking, and only refusing or a staff cancellation needs a note."""
    for source, target, actor in itertools.product(S, S, A):
        move = bookings.find(source.value, target.value, {actor})
        assert (move is not None) == ((source, target, actor) in ALLOWED), (source, target, actor)
    assert bookings.find("menunggu", "ditolak", {A.STAFF}).note_required
    assert bookings.find("disetujui", "dibatalkan", {A.STAFF}).note_required
    assert not bookings.find("disetujui", "dibatalkan", {A.REQUESTER}).note_required
    assert bookings.targets("ditolak", {A.STAFF, A.REQUESTER}) == []


# -- requesting --------------------------------------------------------------------------------


def test_a_resident_books_staff_are_told_and_the_fee_is_shown(
    app, client, factory, balai, resident
):
    staff = staff_of(factory)
    response = book(client, balai)
    assert response.status_code == 302
    booking = _db.session.execute(select(Booking)).scalar_one()
    assert booking.status == "menunggu" and booking.fee_rupiah == 50_000
    assert len(booking.slots) == 1 and not booking.slots[0].active
    assert booking.slots[0].starts_at == at(wib_day(5), 19)
    page = text(client.get(response.headers["Location"]))
    assert "Menunggu persetujuan" in page and "Rp 50.000" in page
    assert any("Pemesanan baru: Balai RW 03" in n for n in notes_for(staff))


def test_a_group_member_books_for_the_group(app, client, factory, balai):
    leader = factory.user("warga", "kauman", name="Ketua Karang Taruna")  # not verified
    group = factory.group("kauman", leader, name="Karang Taruna Tunas Bahari")
    act_as(client, leader)
    assert "Karang Taruna Tunas Bahari" in text(client.get(f"{BASE}/pesan"))
    assert book(client, balai, group=str(group.id)).status_code == 302
    assert _db.session.execute(select(Booking.group_id)).scalar_one() == group.id


def test_an_unverified_resident_without_a_group_is_told_how_to_book(app, client, factory, balai):
    act_as(client, factory.user("warga", "kauman"))
    response = client.get(f"{BASE}/pesan")
    assert response.status_code == 403
    assert "sudah diverifikasi kelurahan" in text(response)
    assert book(client, balai).status_code == 403
    assert count(Booking) == 0


def refused(response, message: str, *typed: str) -> str:
    page = text(response)
    assert response.status_code == 422, page[:2000]
    assert message in page
    for value in typed:
        assert value in page
    assert count(Booking) == 0 and count(BookingSlot) == 0
    return page


def test_a_booking_that_ends_before_it_starts_is_refused(app, client, balai, resident):
    refused(
        book(client, balai, start="21:00", end="19:00", purpose="Latihan rebana"),
        "Jam selesai harus setelah jam mulai.",
        'value="Latihan rebana"',
        'value="21:00"',
    )


def test_a_booking_in_the_past_is_refused(app, client, balai, resident):
    refused(
        book(client, balai, day=wib_day(-2).isoformat()),
        "Waktu ini sudah lewat.",
        f'value="{wib_day(-2).isoformat()}"',
    )


def test_a_booking_longer_than_the_facility_allows_is_refused(app, client, balai, resident):
    refused(
        book(client, balai, start="08:00", end="17:00"),
        "Paling lama 4 jam untuk Balai RW 03.",
        'value="17:00"',
    )


def test_a_facility_that_cannot_be_booked_is_named_and_refused(app, client, resident):
    posyandu = make_facility(name="Posyandu Melati", kind="posyandu", bookable=False)
    refused(
        book(client, posyandu, purpose="Senam lansia"),
        "Posyandu Melati tidak dapat dipesan.",
        'value="Senam lansia"',
    )


def test_another_kelurahans_facility_is_an_invalid_choice_not_an_error(app, client, resident):
    elsewhere = make_facility("medono", name="Balai Medono")
    page = refused(book(client, elsewhere), "Pilih salah satu pilihan yang tersedia.")
    assert "Balai Medono" not in page


@pytest.mark.parametrize(
    "field,value",
    [
        ("facility", "99999999999999999999"),
        ("day", "x"),
        ("start", "25:99"),
        ("repeat", "hourly"),
        ("attendees", "-3"),
        ("group", "abc"),
    ],
)
def test_hostile_values_answer_422_never_500(app, client, balai, resident, field, value):
    assert book(client, balai, **{field: value}).status_code == 422
    assert count(Booking) == 0


# -- repeats -----------------------------------------------------------------------------------


def approve_directly(facility, day, start, end, *, requester):
    with scoped_to(facility.kelurahan_id):
        booking = Booking(
            facility_id=facility.id,
            requester_id=requester.id,
            purpose="Posyandu",
            status="disetujui",
        )
        booking.slots.append(
            BookingSlot(
                facility_id=facility.id, starts_at=at(day, start), ends_at=at(day, end), active=True
            )
        )
        _db.session.add(booking)
        _db.session.commit()
    return booking


def test_a_weekly_booking_makes_one_slot_per_week(app, client, balai, resident):
    first = wib_day(3)
    response = book(
        client,
        balai,
        day=first.isoformat(),
        repeat="weekly",
        until=(first + timedelta(weeks=3)).isoformat(),
    )
    assert response.status_code == 302
    booking = _db.session.execute(select(Booking)).scalar_one()
    assert [s.starts_at for s in booking.slots] == [
        at(first + timedelta(weeks=n), 19) for n in range(4)
    ]
    assert booking.fee_rupiah == 4 * 50_000 and booking.rule.startswith("FREQ=WEEKLY")


def test_a_weekly_booking_that_collides_with_an_approved_one_names_the_date(
    app, client, factory, balai, resident
):
    first = wib_day(3)
    third = first + timedelta(weeks=2)
    approve_directly(balai, third, 20, 22, requester=factory.user("warga", "kauman"))
    before = count(Booking)
    response = book(
        client,
        balai,
        day=first.isoformat(),
        repeat="weekly",
        until=(first + timedelta(weeks=3)).isoformat(),
        purpose="Latihan rebana",
    )
    page = text(response)
    assert response.status_code == 422
    assert "Bentrok dengan pemesanan yang sudah disetujui" in page
    assert str(third.day) in page and 'value="Latihan rebana"' in page
    assert count(Booking) == before


def test_back_to_back_bookings_do_not_clash(app, client, factory, balai, resident):
    approve_directly(balai, wib_day(5), 17, 19, requester=factory.user("warga", "kauman"))
    assert book(client, balai, start="19:00", end="21:00").status_code == 302


# -- deciding ----------------------------------------------------------------------------------


def test_staff_approve_and_the_public_calendar_shows_the_slot_without_names(
    app, client, factory, balai, resident
):
    book(client, balai, purpose="Rapat rahasia karang taruna")
    booking = _db.session.execute(select(Booking)).scalar_one()
    act_as(client, staff_of(factory))
    response = client.post(f"{BASE}/pemesanan/{booking.id}/setujui")
    assert response.status_code == 302
    _db.session.expire_all()
    assert booking.status == "disetujui" and booking.slots[0].active
    assert any("disetujui" in n for n in notes_for(resident))

    visitor = app.test_client()
    day = wib_day(5)
    calendar = text(visitor.get(f"{BASE}/{balai.id}/kalender?mulai={day.isoformat()}"))
    assert "Terpakai 19.00 WIB–21.00 WIB" in calendar
    assert "Siti Aminah" not in calendar and "rahasia" not in calendar
    feed = visitor.get(f"{BASE}/{balai.id}/kalender.ics")
    assert feed.mimetype == "text/calendar"
    body = text(feed)
    assert "BEGIN:VEVENT" in body and "Siti" not in body and "rahasia" not in body
    assert f"DTSTART;TZID=Asia/Jakarta:{day:%Y%m%d}T190000" in body


def test_refusing_needs_a_reason_which_the_resident_reads(app, client, factory, balai, resident):
    book(client, balai)
    booking = _db.session.execute(select(Booking)).scalar_one()
    act_as(client, staff_of(factory))
    response = client.post(f"{BASE}/pemesanan/{booking.id}/tolak", data={"note": ""})
    assert response.status_code == 409 and "Tulis alasannya" in text(response)
    client.post(f"{BASE}/pemesanan/{booking.id}/tolak", data={"note": "Balai sedang direnovasi"})
    _db.session.expire_all()
    assert booking.status == "ditolak"
    assert any("Balai sedang direnovasi" in n for n in notes_for(resident))


def test_approving_a_booking_that_now_overlaps_an_approved_one_is_refused(
    app, client, factory, balai, resident
):
    book(client, balai)
    booking = _db.session.execute(select(Booking)).scalar_one()
    approve_directly(balai, wib_day(5), 20, 22, requester=factory.user("warga", "kauman"))
    act_as(client, staff_of(factory))
    response = client.post(f"{BASE}/pemesanan/{booking.id}/setujui")
    assert response.status_code == 409
    assert "Bentrok dengan pemesanan lain yang sudah disetujui" in text(response)
    _db.session.expire_all()
    assert booking.status == "menunggu" and not booking.slots[0].active


def test_the_requester_cancels_and_the_slot_is_free_again(app, client, factory, balai, resident):
    book(client, balai)
    booking = _db.session.execute(select(Booking)).scalar_one()
    act_as(client, staff_of(factory))
    client.post(f"{BASE}/pemesanan/{booking.id}/setujui")
    act_as(client, resident)
    assert client.post(f"{BASE}/pemesanan/{booking.id}/batalkan").status_code == 302
    _db.session.expire_all()
    assert booking.status == "dibatalkan" and not booking.slots[0].active
    other = factory.user("warga", "kauman", verified=True)
    act_as(client, other)
    assert book(client, balai).status_code == 302


def test_a_resident_cannot_approve_nor_see_anothers_booking(app, client, factory, balai, resident):
    book(client, balai)
    booking = _db.session.execute(select(Booking)).scalar_one()
    assert client.post(f"{BASE}/pemesanan/{booking.id}/setujui").status_code == 409
    act_as(client, factory.user("warga", "kauman", verified=True))
    assert client.get(f"{BASE}/pemesanan/{booking.id}").status_code == 404
    assert client.post(f"{BASE}/pemesanan/{booking.id}/batalkan").status_code == 404
    act_as(client, staff_of(factory, "medono"))
    assert client.get(f"/k/medono/fasilitas/pemesanan/{booking.id}").status_code == 404
    _db.session.expire_all()
    assert booking.status == "menunggu"


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
@pytest.mark.postgres
def test_postgresql_itself_refuses_two_overlapping_approved_slots(app, factory, balai):
    """The exclusion constraint holds even for a writer that skips the plugin's check."""
    someone = factory.user("warga", "kauman")
    approve_directly(balai, wib_day(4), 9, 11, requester=someone)
    with pytest.raises(IntegrityError):
        approve_directly(balai, wib_day(4), 10, 12, requester=someone)
    _db.session.rollback()
    approve_directly(balai, wib_day(4), 11, 12, requester=someone)  # back to back is fine
    other = make_facility(name="Lapangan")
    approve_directly(other, wib_day(4), 9, 11, requester=someone)  # another facility
    assert count(BookingSlot, BookingSlot.active.is_(True)) == 3
