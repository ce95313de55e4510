"""Demo content: the shared places of Krapyak (Pekalongan Utara, where rob comes often) and
Kauman, bookings in every status, RW schedules and alerts (plugins/facilities/schedules.py
and alerts.py seed those).

Accounts (password: the demo warga/petugas password):
* `petugas.<slug>@demo.kelurahan-pintar.id`: staff of the kelurahan (approves bookings, posts
  alerts); in Kauman the core's `petugas@demo…` is staff already.
* `warga.rw03.krapyak@demo.kelurahan-pintar.id` (Nur Hidayah): a verified resident of
  RT 002 / RW 003 in Krapyak, subscribed to reminders: she has the rob alert for RW 003 and
  sees RW 003's posyandu in "Jadwal RW saya".
* `karangtaruna.krapyak@demo.kelurahan-pintar.id`: ketua of the verified group Karang Taruna
  Tunas Bahari, whose Friday meetings at the Balai RW 03 are booked and approved; in Kauman
  `warga@demo…` leads Batik Tulis Kauman Lestari and can book the balai for it.
"""

from __future__ import annotations

import io
import random
from datetime import date, time, timedelta
from urllib.parse import urlsplit

from PIL import Image, ImageDraw
from sqlalchemy import select

from app.kit import (
    DEMO_PASSWORDS,
    Group,
    GroupMember,
    User,
    db,
    demo_user,
    notify,
    point_near,
    public_url,
    recurrence,
    residents_of_rw,
    save_upload,
    slugify,
    utcnow,
)

from . import alerts, schedules
from .models import (
    Alert,
    Booking,
    BookingSlot,
    BookingStatus,
    Facility,
    FacilityPhoto,
    ReminderSubscription,
)
from .places import instant, today_wib

MAIL = "{}@demo.kelurahan-pintar.id"

# name, kind, rw, capacity, condition, months since checked (None: never), bookable,
# max hours, fee, fee note, description
PLACES = [
    (
        "Balai RW 03",
        "balai",
        "003",
        80,
        "baik",
        2,
        True,
        5,
        50_000,
        "Untuk kebersihan dan listrik; gratis untuk posyandu dan rapat RW.",
        "Balai warga berlantai keramik dengan 60 kursi lipat, pengeras suara dan dapur kecil.",
    ),
    (
        "Gedung Serbaguna Kelurahan",
        "gedung_serbaguna",
        None,
        250,
        "baik",
        1,
        True,
        8,
        150_000,
        "Hajatan dan acara besar; kegiatan kelurahan gratis.",
        "Aula di belakang kantor kelurahan, dengan panggung dan parkir motor.",
    ),
    (
        "Lapangan Voli RW 05",
        "lapangan",
        "005",
        60,
        "rusak_ringan",
        4,
        True,
        3,
        0,
        "",
        "Lapangan voli tanah dengan lampu sorot; net diganti warga tiap tahun.",
    ),
    (
        "Posyandu Melati RW 03",
        "posyandu",
        "003",
        30,
        "baik",
        3,
        False,
        4,
        0,
        "",
        "Posyandu balita dan lansia; timbangan dan meja lima langkah.",
    ),
    (
        "PAUD Tunas Harapan",
        "paud",
        "002",
        40,
        "baik",
        5,
        False,
        4,
        0,
        "",
        "PAUD pagi hari; halaman bermain dipakai posyandu bila hujan.",
    ),
    ("Musala Al-Ikhlas", "musala", "004", 50, "baik", 8, False, 4, 0, "", ""),
    (
        "Toilet umum Pasar",
        "toilet_umum",
        "001",
        None,
        "rusak_berat",
        9,
        False,
        4,
        0,
        "",
        "Dua bilik; pintu rusak dan air sering mati saat rob.",
    ),
    ("Taman Bermain RW 06", "taman", "006", None, "baik", 2, False, 4, 0, "", ""),
    (
        "Sumur bor RW 04",
        "sumur_pompa",
        "004",
        None,
        "rusak_ringan",
        7,
        False,
        4,
        0,
        "",
        "Pompa listrik; dipakai warga saat air PDAM mati.",
    ),
    (
        "Lampu jalan Gg. Mawar",
        "lampu_jalan",
        "003",
        None,
        "rusak_berat",
        None,
        False,
        4,
        0,
        "",
        "Lampu mati sejak banjir rob terakhir.",
    ),
    ("Lampu jalan Jl. Raya", "lampu_jalan", "001", None, "baik", 1, False, 4, 0, "", ""),
    ("CCTV Simpang Tiga", "cctv", "002", None, "baik", 3, False, 4, 0, "", ""),
]


def seed_demo_facilities(kelurahan) -> None:
    """Believable content in a demo kelurahan, once (a second run adds nothing)."""
    exists = db.session.scalar(select(Facility.id).where(Facility.kelurahan_id == kelurahan.id))
    if exists is not None:
        return
    rng = random.Random(f"facilities-{kelurahan.slug}")
    staff = _staff(kelurahan)
    places = _places(kelurahan, rng)
    _photos(kelurahan, places)
    db.session.flush()
    group, leader = _group(kelurahan)
    resident = _resident(kelurahan)
    db.session.flush()
    _bookings(places, group, leader, resident, staff, rng)
    schedules.seed_demo(kelurahan, rng, staff)
    alerts.seed_demo(kelurahan, rng, staff)
    db.session.flush()
    _tell_alerts(kelurahan)
    db.session.commit()


def _staff(kelurahan) -> User:
    if kelurahan.slug == "kauman":
        found = db.session.execute(
            select(User).where(User.email == MAIL.format("petugas"))
        ).scalar_one_or_none()
        if found is not None:
            return found
    return demo_user(
        MAIL.format(f"petugas.{kelurahan.slug}"),
        f"Petugas {kelurahan.name}",
        kelurahan,
        "petugas",
        password=DEMO_PASSWORDS["petugas"],
    )


def _places(kelurahan, rng: random.Random) -> dict[str, Facility]:
    today = today_wib()
    found = {}
    for (
        name,
        kind,
        rw,
        capacity,
        condition,
        months,
        bookable,
        hours,
        fee,
        fee_note,
        description,
    ) in PLACES:
        lat, lng = point_near(kelurahan.lat, kelurahan.lng, rng, radius_m=600)
        place = Facility(
            name=name,
            kind=kind,
            rw=rw,
            description=description,
            address=f"RW {rw}, Kelurahan {kelurahan.name}" if rw else kelurahan.address or "",
            lat=lat,
            lng=lng,
            capacity=capacity,
            manager_name=f"Ketua RW {rw}" if rw else f"Kantor Kelurahan {kelurahan.name}",
            manager_phone=None,
            condition=condition,
            checked_on=today - timedelta(days=30 * months + rng.randrange(10))
            if months is not None
            else None,
            condition_note="Perlu perbaikan, sudah diusulkan ke Musrenbang."
            if condition == "rusak_berat"
            else "",
            bookable=bookable,
            max_hours=hours,
            fee_rupiah=fee,
            fee_note=fee_note,
        )
        db.session.add(place)
        found[name] = place
    return found


# Colours of the pictures drawn for the demo (no real photo ships with it): wall, roof.
PICTURES = {
    "balai": ((231, 211, 170), (150, 62, 40)),
    "gedung_serbaguna": ((214, 226, 233), (52, 86, 120)),
    "lapangan": ((120, 170, 90), (240, 240, 235)),
    "posyandu": ((245, 222, 226), (170, 60, 90)),
}


def _picture(kind: str, side: int) -> bytes:
    """A simple drawing of the place: a building with a roof, or a field with its lines."""
    wall, roof = PICTURES[kind]
    width, height = side, side * 2 // 3
    image = Image.new("RGB", (width, height), (200, 225, 240))
    draw = ImageDraw.Draw(image)
    ground = height * 3 // 4
    draw.rectangle((0, ground, width, height), fill=(110, 150, 90))
    if kind == "lapangan":
        draw.rectangle((0, height // 3, width, height), fill=wall)
        draw.rectangle(
            (width // 8, height // 2, width * 7 // 8, height * 7 // 8),
            outline=roof,
            width=max(2, side // 150),
        )
        draw.line(
            (width // 2, height // 2, width // 2, height * 7 // 8),
            fill=roof,
            width=max(2, side // 150),
        )
    else:
        left, right, top = width // 5, width * 4 // 5, height // 3
        draw.rectangle((left, top, right, ground), fill=wall)
        draw.polygon(
            [(left - width // 20, top), (width // 2, height // 8), (right + width // 20, top)],
            fill=roof,
        )
        door = width // 14
        draw.rectangle(
            (width // 2 - door, ground - height // 5, width // 2 + door, ground), fill=roof
        )
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def _photos(kelurahan, places: dict[str, Facility]) -> None:
    for place in places.values():
        if place.kind not in PICTURES:
            continue
        full = save_upload(
            io.BytesIO(_picture(place.kind, 1200)), kelurahan=kelurahan, subdir="facilities"
        )
        thumb = save_upload(
            io.BytesIO(_picture(place.kind, 480)),
            kelurahan=kelurahan,
            subdir="facilities",
            max_side=480,
        )
        place.photos.append(FacilityPhoto(media=full, thumb=thumb, position=0))


def _group(kelurahan) -> tuple[Group, User]:
    """A verified group that books the balai: Krapyak's karang taruna, or in Kauman the
    core demo's batik group led by warga@demo."""
    if kelurahan.slug == "kauman":
        group = db.session.execute(
            select(Group).where(Group.slug == slugify("Batik Tulis Kauman Lestari"))
        ).scalar_one_or_none()
        if group is not None:
            leader = db.session.get(User, group.created_by_id)
            return group, leader
    name = f"Karang Taruna Tunas Bahari {kelurahan.name}"
    leader = demo_user(
        MAIL.format(f"karangtaruna.{kelurahan.slug}"),
        f"Ketua Karang Taruna {kelurahan.name}",
        kelurahan,
    )
    db.session.flush()
    group = db.session.execute(
        select(Group).where(Group.kelurahan_id == kelurahan.id, Group.slug == slugify(name))
    ).scalar_one_or_none()
    if group is None:
        group = Group(
            kelurahan_id=kelurahan.id,
            name=name,
            slug=slugify(name),
            kind="karang_taruna",
            description="Pemuda RW 03: rapat tiap Jumat malam, kerja bakti dan lomba 17-an.",
            created_by_id=leader.id,
            verified_at=utcnow(),
        )
        group.members.append(
            GroupMember(kelurahan_id=kelurahan.id, user_id=leader.id, role="ketua", status="active")
        )
        db.session.add(group)
    return group, leader


def _resident(kelurahan) -> User:
    """A verified resident of RT 002 / RW 003 who wants schedule reminders."""
    user = demo_user(MAIL.format(f"warga.rw03.{kelurahan.slug}"), "Nur Hidayah (RW 03)", kelurahan)
    user.rt, user.rw = "002", "003"
    db.session.flush()
    db.session.add(ReminderSubscription(kelurahan_id=kelurahan.id, user_id=user.id))
    return user


def _bookings(places, group, leader, resident, staff, rng: random.Random) -> None:
    balai, hall, field = (
        places["Balai RW 03"],
        places["Gedung Serbaguna Kelurahan"],
        places["Lapangan Voli RW 05"],
    )
    today = today_wib()
    friday = today + timedelta(days=(4 - today.weekday()) % 7 or 7)
    # The karang taruna's weekly Friday meeting, approved for eight weeks.
    weekly = _booking(
        balai,
        leader,
        "Rapat rutin karang taruna",
        friday,
        time(19, 30),
        time(21, 30),
        group=group,
        repeat_until=friday + timedelta(weeks=7),
        attendees=25,
    )
    _decide(weekly, BookingStatus.APPROVED, staff, "")
    # A wedding reception waiting for a decision, and a refused one that clashed.
    hajatan = _booking(
        hall,
        resident,
        "Resepsi pernikahan putri kami",
        today + timedelta(days=12),
        time(9),
        time(15),
        attendees=200,
    )
    hajatan.fee_rupiah = hall.fee_rupiah
    refused = _booking(
        balai, resident, "Arisan ibu-ibu RT 02", friday, time(19), time(21), attendees=30
    )
    _decide(
        refused,
        BookingStatus.REFUSED,
        staff,
        "Balai sudah dipakai karang taruna; silakan pilih Sabtu sore.",
    )
    _booking(
        field,
        leader,
        "Latihan voli untuk lomba 17-an",
        today + timedelta(days=3),
        time(16),
        time(18),
        group=group,
        attendees=14,
    )
    saturday = today + timedelta(days=(5 - today.weekday()) % 7 or 7)
    arisan = _booking(
        balai, resident, "Arisan ibu-ibu RT 02", saturday, time(15), time(17), attendees=30
    )
    _decide(arisan, BookingStatus.APPROVED, staff, "")


def _booking(
    facility,
    requester,
    purpose,
    day: date,
    start: time,
    end: time,
    *,
    group=None,
    repeat_until: date | None = None,
    attendees=None,
) -> Booking:
    starts, ends = instant(day, start), instant(day, end)
    rule = recurrence.make_rule("weekly", repeat_until, starts) if repeat_until else None
    windows = (
        [
            (o.start, o.end)
            for o in recurrence.occurrences(
                starts, ends, rule, starts, instant(repeat_until, end) + timedelta(days=1)
            )
        ]
        if rule
        else [(starts, ends)]
    )
    booking = Booking(
        facility_id=facility.id,
        requester_id=requester.id,
        group_id=group.id if group is not None else None,
        purpose=purpose,
        attendees=attendees,
        rule=rule,
        status=BookingStatus.PENDING.value,
        fee_rupiah=facility.fee_rupiah * len(windows),
    )
    for s, e in windows:
        booking.slots.append(BookingSlot(facility_id=facility.id, starts_at=s, ends_at=e))
    db.session.add(booking)
    db.session.flush()
    return booking


def _decide(booking: Booking, status: BookingStatus, staff: User, note: str) -> None:
    booking.status = status.value
    booking.decided_by_id = staff.id
    booking.decided_at = utcnow()
    booking.decision_note = note
    for slot in booking.slots:
        slot.active = status == BookingStatus.APPROVED
    db.session.flush()


def _tell_alerts(kelurahan) -> None:
    """The demo's active alerts in the residents' inboxes (no e-mail or SMS is sent)."""
    now = utcnow()
    for alert in db.session.execute(
        select(Alert).where(Alert.closed_at.is_(None), Alert.expected_end_at > now)
    ).scalars():
        people = residents_of_rw(alert.rws, kelurahan=kelurahan)
        message = alerts.alert_message(alert, alerts.rws_text(alert.rws), now)
        # A path, as notify() stores it (it adds the public address to what it sends).
        path = urlsplit(
            public_url("facilities.alert", kelurahan_slug=kelurahan.slug, alert_id=alert.id)
        ).path
        for person in people:
            notify(person, message, url=path, kelurahan=kelurahan, send=False)
        alert.notified = len(people)
