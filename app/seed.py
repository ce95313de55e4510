"""Reference data and the demo set. Every function here is idempotent."""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

from sqlalchemy import select

from . import caching, gazetteer, tenancy
from .extensions import db
from .formatting import slugify
from .models import Group, GroupMember, Kelurahan, RoleAssignment, User, utcnow
from .passwords import hash_password
from .plugins import host

DATA_FILE = Path(__file__).parent / "data" / "pekalongan.json"

# The reference data has no per-kelurahan coordinates. Until an admin picks the real office
# on the map, a kelurahan sits at a landmark inside it or near its kecamatan's approximate
# centre (flagged `centre_is_approximate`), spread on a small ring so markers do not overlap.
KECAMATAN_CENTRES = {
    "33.75.01": (-6.8905, 109.6560),  # Pekalongan Barat
    "33.75.02": (-6.8930, 109.6900),  # Pekalongan Timur
    "33.75.03": (-6.8650, 109.6850),  # Pekalongan Utara
    "33.75.04": (-6.9160, 109.6780),  # Pekalongan Selatan
}
RING_DEGREES = 0.008

DEMO_PASSWORDS = {
    "warga": "warga-Kauman-2026",
    "petugas": "petugas-Kauman-2026",
    "admin": "admin-Kauman-2026",
    "admin_kota": "diskominfo-Kota-2026",
}


def load_reference() -> dict:
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def seed_kelurahan() -> int:
    """Insert or update the 27 kelurahan from the shipped reference file; returns the count."""
    data = load_reference()
    landmarks = {}
    for place in data.get("places", []):
        if place.get("kelurahan"):
            landmarks.setdefault(place["kelurahan"], tuple(place["at"]))
    existing = {k.code: k for k in db.session.execute(select(Kelurahan)).scalars()}
    count = 0
    for kecamatan in data["kecamatan"]:
        members = kecamatan["kelurahan"]
        for index, item in enumerate(members):
            row = existing.get(item["code"]) or Kelurahan(code=item["code"])
            row.name = item["name"]
            row.slug = slugify(item["name"])
            row.kecamatan_code = kecamatan["code"]
            row.kecamatan_name = kecamatan["name"]
            row.postal_code = item.get("postal_code")
            if row.lat is None or row.centre_is_approximate:
                if item["name"] in landmarks:
                    row.lat, row.lng = landmarks[item["name"]]
                else:
                    clat, clng = KECAMATAN_CENTRES[kecamatan["code"]]
                    angle = 2 * math.pi * index / len(members)
                    row.lat = round(clat + RING_DEGREES * math.sin(angle), 5)
                    row.lng = round(clng + RING_DEGREES * math.cos(angle), 5)
                row.centre_is_approximate = True
            db.session.add(row)
            count += 1
    db.session.flush()
    # The landmarks join the offline gazetteer (address search) once their kelurahan exist.
    gazetteer.seed_reference_places(data)
    caching.bump_after_commit(db.session, caching.CONFIG)
    db.session.commit()
    return count


@functools.lru_cache(maxsize=8)
def _demo_hash(password: str) -> str:
    """Demo accounts that share a password share its hash: Argon2 is slow on purpose, and a
    demo makes dozens of residents. Only seeding uses it, never a real account."""
    return hash_password(password)


def ensure_user(
    email: str,
    name: str,
    password: str,
    home: Kelurahan,
    role: str | None,
    city_admin: bool = False,
) -> User:
    user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if user is None:
        user = User(
            email=email,
            display_name=name,
            password_hash=_demo_hash(password),
            home_kelurahan=home,
            is_city_admin=city_admin,
        )
        db.session.add(user)
    if role and user.role_in(home) is None:
        user.roles.append(RoleAssignment(kelurahan=home, role=role, verified_at=utcnow()))
    return user


def seed_demo() -> list[tuple[str, str, str]]:
    """One account per role, two verified groups and Kauman's identity; then plugin demos."""
    kauman = db.session.execute(select(Kelurahan).where(Kelurahan.slug == "kauman")).scalar_one()
    if not kauman.description:
        kauman.description = (
            "Kauman adalah kampung batik tertua di Kota Pekalongan. Di gang-gangnya warga "
            "membatik tulis dan cap, dan Kampung Batik Kauman menyambut wisatawan sepanjang tahun."
        )
        kauman.address = "Jl. Hayam Wuruk, Kauman, Kec. Pekalongan Timur, Kota Pekalongan 51127"
        kauman.phone = "(0285) 421000"
        kauman.whatsapp = "+6281234567890"
        kauman.email = "kel.kauman@pekalongankota.go.id"
        kauman.opening_hours = "Senin–Kamis 07.30–15.30\nJumat 07.30–11.00\nSabtu–Minggu tutup"
    accounts = [
        ("warga", "warga@demo.kelurahan-pintar.id", "Siti Aminah (warga)"),
        ("petugas", "petugas@demo.kelurahan-pintar.id", "Budi Santoso (petugas)"),
        ("admin", "admin@demo.kelurahan-pintar.id", "Lurah Kauman (admin)"),
        ("admin_kota", "diskominfo@demo.kelurahan-pintar.id", "Diskominfo Kota (admin_kota)"),
    ]
    users = {}
    for role, email, name in accounts:
        users[role] = ensure_user(
            email,
            name,
            DEMO_PASSWORDS[role],
            kauman,
            None if role == "admin_kota" else role,
            city_admin=role == "admin_kota",
        )
    db.session.flush()
    with tenancy.scoped_to(kauman.id):
        for name, kind, description, leader in [
            (
                "Batik Tulis Kauman Lestari",
                "umkm",
                "Perajin batik tulis motif Jlamprang dan Buketan dari gang-gang Kauman.",
                users["warga"],
            ),
            (
                "Pokdarwis Kampung Batik Kauman",
                "pokdarwis",
                "Pemandu wisata kampung batik: tur membatik, galeri dan kuliner Kauman.",
                users["petugas"],
            ),
        ]:
            slug = slugify(name)
            if db.session.execute(select(Group).where(Group.slug == slug)).scalar_one_or_none():
                continue
            group = Group(
                name=name,
                slug=slug,
                kind=kind,
                description=description,
                created_by_id=leader.id,
                verified_at=utcnow(),
                verified_by_id=users["petugas"].id,
            )
            group.members.append(GroupMember(user_id=leader.id, role="ketua", status="active"))
            db.session.add(group)
    caching.bump_after_commit(db.session, caching.CONFIG, caching.kelurahan_stamp(kauman.id))
    db.session.commit()
    switch_on_builtin_plugins(kauman)
    switch_on_demo_kelurahan()
    seed_plugin_demos()
    backfill_demo_trends()
    return [(role, email, DEMO_PASSWORDS[role]) for role, email, _name in accounts]


def backfill_demo_trends() -> None:
    """Snapshots of the last twelve months and this one, so the demo's trend pages and
    monthly report have something to draw (`flask kp metrics snapshot --month` for each)."""
    from flask import current_app

    from .metrics import backfill

    with current_app.test_request_context(), tenancy.all_kelurahan():
        backfill()


def switch_on_builtin_plugins(kelurahan: Kelurahan) -> None:
    """The demo kelurahan shows every plugin shipped with the platform, unless an admin has
    already switched one off there."""
    kp = host()
    for plugin_id in sorted(kp.builtin_ids & kp.manifests.keys()):
        if not kp.has_state(kelurahan, plugin_id):
            kp.set_enabled(kelurahan, plugin_id, True)
    db.session.commit()


def switch_on_demo_kelurahan() -> None:
    """Switch each plugin on in the extra kelurahan its manifest names for its demo
    (`Manifest.demo_kelurahan`), unless an admin has already decided there."""
    kp = host()
    for manifest in kp.manifests.values():
        if not manifest.demo_kelurahan:
            continue
        places = db.session.execute(
            select(Kelurahan).where(Kelurahan.slug.in_(manifest.demo_kelurahan))
        ).scalars()
        for kelurahan in places:
            if not kp.has_state(kelurahan, manifest.id):
                kp.set_enabled(kelurahan, manifest.id, True)
    db.session.commit()


def seed_plugin_demos() -> None:
    kp = host()
    with kp.held_events():  # each demo posts many rows; caches are renewed once
        for kelurahan in db.session.execute(select(Kelurahan)).scalars().all():
            if not kp.enabled_ids(kelurahan):
                continue
            with tenancy.scoped_to(kelurahan.id):
                kp.collect("kp_demo_data", kelurahan, kelurahan=kelurahan)
                caching.bump_after_commit(db.session, caching.kelurahan_stamp(kelurahan.id))
                db.session.commit()
