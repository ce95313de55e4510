"""Demo content: the city's sourced places (app/data/pekalongan.json) as published
destinations of the kelurahan around them, each kelurahan's Pokdarwis group, events (a
weekly batik workshop, a festival, one waiting for review) and Kauman's batik walking route.

The coordinates are the reference file's; which kelurahan a place without one is filed
under, and the hours, prices and texts, are believable demo values, not facts."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select

from app.kit import (
    WIB,
    Group,
    GroupMember,
    RoleAssignment,
    User,
    db,
    demo_user,
    load_reference,
    recurrence,
    save_upload,
    slugify,
    utcnow,
)

from .models import Destination, DestinationPhoto, RouteStop, Status, TourEvent, TourRoute

MUSEUM_HOURS = [None, ["08:00", "15:00"], ["08:00", "15:00"], ["08:00", "15:00"],
                ["08:00", "11:00"], ["08:00", "15:00"], ["08:00", "15:00"]]  # fmt: skip
DAYTIME = [["08:00", "17:00"]] * 7
MARKET = [["08:00", "16:00"]] * 7
ALWAYS = [["00:00", "24:00"]] * 7
MOSQUE = [["04:00", "21:00"]] * 7


@dataclass
class Place:
    reference: str  # the name in pekalongan.json
    category: str
    description: str
    description_en: str
    hours: list
    ticket: int = 0
    closed_on_holidays: bool = False
    facilities: tuple = ("has_parking", "has_toilet")
    palette: tuple = ((122, 62, 32), (230, 190, 120))


@dataclass
class Demo:
    group: str
    places: list[Place]
    events: list[dict] = field(default_factory=list)


DEMO = {
    "kauman": Demo(
        "Pokdarwis Kampung Batik Kauman",
        [
            Place(
                "Museum Batik",
                "museum",
                "Museum Batik Pekalongan di kawasan budaya Jetayu menyimpan ribuan kain batik "
                "dari seluruh Nusantara. Pengunjung bisa mencoba membatik di ruang workshop.",
                "The Batik Museum in the Jetayu heritage quarter keeps thousands of batik cloths "
                "from across Indonesia. Visitors can try batik-making in the workshop room.",
                MUSEUM_HOURS,
                ticket=5000,
                closed_on_holidays=True,
                facilities=("has_parking", "has_toilet", "has_prayer_room", "wheelchair_access"),
                palette=((90, 40, 20), (222, 180, 110)),
            ),
            Place(
                "Kampung Batik Kauman",
                "kampung_batik",
                "Kampung batik tertua di Pekalongan: gang-gang rumah perajin batik tulis dan "
                "cap, galeri, dan rumah tua bergaya indis. Datang pagi untuk melihat proses "
                "mencanting.",
                "Pekalongan's oldest batik village: lanes of hand-drawn and stamped batik "
                "workshops, galleries and old colonial-era houses. Come in the morning to watch "
                "the canting work.",
                DAYTIME,
                facilities=("has_parking", "has_toilet", "has_prayer_room"),
                palette=((30, 60, 110), (200, 160, 90)),
            ),
            Place(
                "Klenteng Po An Thian",
                "religi",
                "Klenteng tua di dekat kawasan Jetayu, saksi sejarah pecinan Pekalongan. "
                "Hormati umat yang beribadah; berpakaian sopan.",
                "",  # no English text yet: English pages show the Indonesian one
                [["07:00", "20:00"]] * 7,
                facilities=("has_toilet",),
                palette=((150, 20, 20), (240, 200, 60)),
            ),
        ],
        [
            {
                "title": "Workshop Membatik Tulis untuk Wisatawan",
                "description": "Belajar mencanting motif Jlamprang bersama perajin Kauman. "
                "Kain dan malam disediakan; hasil boleh dibawa pulang. Kuota 20 orang.",
                "place": "Museum Batik",
                "weekday": 5,
                "hours": (8, 11),
                "repeat": "weekly",
                "months": 6,
                "registration_url": "https://s.id/membatik-kauman",
            },
            {
                "title": "Jalan Pagi Kampung Batik Kauman",
                "description": "Tur jalan kaki dua jam bersama pemandu Pokdarwis: rumah "
                "perajin, galeri, kuliner pagi. Berangkat dari gapura kampung.",
                "place": "Kampung Batik Kauman",
                "weekday": 6,
                "hours": (7, 9),
                "repeat": "weekly",
                "months": 3,
            },
            {
                "title": "Pekan Batik Kauman",
                "description": "Pameran, bazar dan lomba membatik antarwarga selama tiga hari "
                "di gang-gang Kauman.",
                "place": "Kampung Batik Kauman",
                "in_days": 24,
                "hours": (9, 21),
                "days": 3,
            },
            {
                "title": "Syawalan Kauman",
                "description": "Halal bihalal warga dan wisatawan dengan kirab dan lopis.",
                "place": "Kampung Batik Kauman",
                "in_days": 40,
                "hours": (8, 12),
                "pending": True,
            },
        ],
    ),
    "bendan-kergon": Demo(
        "Pokdarwis Pesindon",
        [
            Place(
                "Kampung Batik Pesindon",
                "kampung_batik",
                "Kampung batik di tepi kota dengan galeri dan rumah produksi batik tulis halus.",
                "A batik village with galleries and fine hand-drawn batik workshops.",
                DAYTIME,
                palette=((20, 80, 60), (220, 200, 150)),
            )
        ],
    ),
    "sapuro-kebulen": Demo(
        "Pokdarwis Sapuro",
        [
            Place(
                "Masjid Jami Aulia Sapuro",
                "religi",
                "Masjid tua dan kompleks makam para wali di Sapuro, tujuan ziarah warga "
                "Pekalongan dan sekitarnya.",
                "An old mosque and the tombs of revered scholars, a pilgrimage site.",
                MOSQUE,
                facilities=("has_parking", "has_toilet", "has_prayer_room"),
                palette=((20, 90, 40), (230, 230, 210)),
            )
        ],
    ),
    "setono": Demo(
        "Pokdarwis Setono",
        [
            Place(
                "Pasar Grosir Batik Setono",
                "pasar",
                "Ratusan kios batik dengan harga grosir, dari kain hingga busana jadi.",
                "Hundreds of batik stalls at wholesale prices, from cloth to ready-made wear.",
                MARKET,
                facilities=("has_parking", "has_toilet", "has_prayer_room"),
                palette=((120, 30, 80), (240, 210, 160)),
            )
        ],
    ),
    "klego": Demo(
        "Pokdarwis Klego",
        [
            Place(
                "Tugu Batik Jlamprang",
                "landmark",
                "Tugu bermotif batik Jlamprang di jantung kota, tempat berfoto favorit.",
                "A landmark decorated with the Jlamprang batik motif, a favourite photo spot.",
                ALWAYS,
                facilities=(),
                palette=((40, 40, 120), (210, 210, 230)),
            )
        ],
    ),
    "panjang-wetan": Demo(
        "Pokdarwis Pantai Pasir Kencana",
        [
            Place(
                "Pantai Pasir Kencana",
                "pantai",
                "Pantai kota dengan taman bermain dan kuliner laut; ramai saat sore.",
                "The city beach with a playground and seafood stalls; lively in the afternoon.",
                [["06:00", "18:00"]] * 7,
                ticket=5000,
                palette=((20, 100, 160), (240, 220, 170)),
            ),
            Place(
                "Museum Bahari",
                "museum",
                "Museum kelautan dengan koleksi perahu, alat tangkap ikan dan sejarah pelabuhan.",
                "A maritime museum of boats, fishing gear and the port's history.",
                MUSEUM_HOURS,
                ticket=3000,
                closed_on_holidays=True,
                palette=((10, 60, 110), (200, 220, 230)),
            ),
        ],
    ),
    "kandang-panjang": Demo(
        "Pokdarwis Mangrove Kandang Panjang",
        [
            Place(
                "Pekalongan Mangrove Park",
                "alam",
                "Jalur kayu di antara hutan bakau pesisir, pusat pembibitan dan edukasi mangrove.",
                "Boardwalks through coastal mangroves, with a nursery and mangrove education.",
                [["07:00", "17:00"]] * 7,
                ticket=2000,
                palette=((30, 90, 40), (170, 210, 140)),
            )
        ],
    ),
}

ROUTE = (
    "Jalur Batik Jetayu–Kauman",
    "Jalan kaki dari Museum Batik melewati klenteng tua ke gang-gang Kampung Batik Kauman.",
    "A walk from the Batik Museum past the old temple into the lanes of the Kauman batik village.",
    ("Museum Batik", "Klenteng Po An Thian", "Kampung Batik Kauman"),
)


def seed_demo_tourism(kelurahan) -> int:
    """Add the kelurahan's demo destinations, events and route once; returns how many
    destinations were added."""
    demo = DEMO.get(kelurahan.slug)
    if demo is None:
        return 0
    if db.session.execute(select(Destination.id).limit(1)).first():
        return 0  # seeded already
    places = {p["name"]: p["at"] for p in load_reference().get("places", [])}
    rng = random.Random(f"tourism-demo-{kelurahan.code}")
    group = _group(kelurahan, demo.group)
    reviewer = _staff(kelurahan)
    now = utcnow()
    made = {}
    for spec in demo.places:
        lat, lng = places[spec.reference]
        place = Destination(
            kelurahan_id=kelurahan.id,
            group_id=group.id,
            name=spec.reference,
            category=spec.category,
            description=spec.description,
            description_en=spec.description_en,
            lat=lat,
            lng=lng,
            hours=spec.hours,
            closed_on_holidays=spec.closed_on_holidays,
            ticket_price=spec.ticket,
            status=Status.PUBLISHED.value,
            reviewed_at=now,
            reviewed_by_id=reviewer.id if reviewer else None,
            published_at=now,
            **{key: True for key in spec.facilities},
        )
        for position in range(2):
            full = _media(kelurahan, _photo(spec.palette, rng, 1200), None)
            thumb = _media(kelurahan, _photo(spec.palette, rng, 480), 480)
            place.photos.append(
                DestinationPhoto(
                    kelurahan_id=kelurahan.id, media=full, thumb=thumb, position=position
                )
            )
        db.session.add(place)
        made[spec.reference] = place
    db.session.flush()
    for spec in demo.events:
        _event(kelurahan, group, reviewer, made[spec["place"]], spec, now)
    if kelurahan.slug == "kauman":
        name, description, description_en, stops = ROUTE
        route = TourRoute(
            kelurahan_id=kelurahan.id,
            name=name,
            description=description,
            description_en=description_en,
        )
        route.stops = [
            RouteStop(kelurahan_id=kelurahan.id, destination_id=made[stop].id, position=i)
            for i, stop in enumerate(stops)
        ]
        db.session.add(route)
    db.session.flush()
    return len(made)


def _event(kelurahan, group, reviewer, place, spec: dict, now: datetime) -> TourEvent:
    local = now.astimezone(WIB)
    if "weekday" in spec:
        ahead = (spec["weekday"] - local.weekday()) % 7 or 7
        day = local.date() + timedelta(days=ahead)
    else:
        day = local.date() + timedelta(days=spec["in_days"])
    first, last = spec["hours"]
    starts = datetime(day.year, day.month, day.day, first, tzinfo=WIB)
    ends = datetime(day.year, day.month, day.day, last, tzinfo=WIB) + timedelta(
        days=spec.get("days", 1) - 1
    )
    rule = None
    if spec.get("repeat"):
        rule = recurrence.make_rule(
            spec["repeat"], day + timedelta(days=30 * spec["months"]), starts
        )
    pending = spec.get("pending", False)
    event = TourEvent(
        kelurahan_id=kelurahan.id,
        group_id=group.id,
        title=spec["title"],
        description=spec["description"],
        starts_at=starts,
        ends_at=ends,
        rrule=rule,
        series_ends_at=recurrence.series_end(starts, ends, rule),
        destination_id=place.id,
        lat=place.lat,
        lng=place.lng,
        registration_url=spec.get("registration_url"),
        status=Status.PENDING.value if pending else Status.PUBLISHED.value,
        reviewed_at=None if pending else now,
        reviewed_by_id=None if pending or reviewer is None else reviewer.id,
        published_at=None if pending else now,
    )
    db.session.add(event)
    return event


def _staff(kelurahan) -> User | None:
    return db.session.execute(
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(
            RoleAssignment.kelurahan_id == kelurahan.id,
            RoleAssignment.role.in_(("petugas", "admin")),
        )
        .order_by(RoleAssignment.role.desc(), User.id)
        .limit(1)
    ).scalar_one_or_none()


def _group(kelurahan, name: str) -> Group:
    """The kelurahan's verified Pokdarwis group (Kauman's comes with the core demo), with a
    demo member who writes for it: pokdarwis.<slug>@demo.kelurahan-pintar.id."""
    slug = slugify(name)
    group = db.session.execute(
        select(Group).where(Group.kelurahan_id == kelurahan.id, Group.slug == slug)
    ).scalar_one_or_none()
    member = demo_user(
        f"pokdarwis.{kelurahan.slug}@demo.kelurahan-pintar.id",
        f"Anggota {name}",
        kelurahan,
        "warga",
    )
    db.session.flush()
    if group is None:
        group = Group(
            kelurahan_id=kelurahan.id,
            name=name,
            slug=slug,
            kind="pokdarwis",
            description=f"Kelompok sadar wisata {kelurahan.name}.",
            created_by_id=member.id,
            verified_at=utcnow(),
        )
        db.session.add(group)
    if not group.is_active_member(member):
        group.members.append(
            GroupMember(
                kelurahan_id=kelurahan.id, user_id=member.id, role="anggota", status="active"
            )
        )
    db.session.flush()
    return group


def _media(kelurahan, data: bytes, max_side: int | None):
    return save_upload(io.BytesIO(data), kelurahan=kelurahan, subdir="tourism", max_side=max_side)


def _photo(palette, rng: random.Random, side: int) -> bytes:
    """A landscape picture in the place's colours with a repeating motif (no real photo
    ships with the demo)."""
    dark, light = palette
    width, height = side, side * 2 // 3
    image = Image.new("RGB", (width, height), light)
    draw = ImageDraw.Draw(image)
    step = max(24, side // 12)
    offset = rng.randrange(step)
    for y in range(-step, height + step, step):
        for x in range(-step, width + step, step):
            cx, cy = x + offset + (step // 2 if (y // step) % 2 else 0), y + offset
            r = step // 3
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=dark, width=max(2, side // 300))
            draw.line((cx - r, cy, cx + r, cy), fill=dark, width=max(1, side // 400))
    draw.rectangle((0, height * 3 // 4, width, height), fill=dark)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()
