"""Believable demo waste banks (`flask kp seed --demo`).

Two kelurahan get a unit: Panjang Wetan (on the coast, where the fishing households sort
cans, bottles and used cooking oil) and Kauman (where the core demo resident has a member
book, so "a member reads their balance" works with the demo account). Each unit belongs to
a verified KSM bank sampah group with a leader and an operator, keeps a catalogue of waste
types priced from the reference file's example buying prices (`waste_prices_example_rp_per_kg`)
and sensible others, has 30 members, and six months of deposits on its two opening days a
week, a few withdrawals, one withdrawal request waiting for cash-out, a sale to a collector,
a price change and one correction. Everything is posted through ledger.py, dated in the past,
so every balance is the sum of its book and `ledger.verify()` finds nothing.

Deterministic (a seeded random), and idempotent: a group that already has a unit is left
alone, so the seed running again adds nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from app.kit import (
    WIB,
    Group,
    GroupKind,
    GroupMember,
    User,
    db,
    demo_user,
    load_reference,
    point_near,
    slugify,
    utcnow,
)

from . import ledger, pricing
from .models import Member, Unit, WasteType, WithdrawalRequest

MONTHS = 6
MEMBERS = 30
OPENING_WEEKDAYS = (1, 5)  # Tuesday and Saturday mornings
OPENING_TEXT = "Selasa & Sabtu, 07.00–10.00 WIB"
COLLECTOR = "Pak Darsono (pengepul, Kradenan)"


@dataclass(frozen=True)
class T:
    """A demo waste type: name, buying and selling price per kg, and the weights (kg) a
    household brings at a time."""

    name: str
    buy: int
    sell: int
    low: float
    high: float
    chance: float  # how often it is in a deposit


def _reference_price(name: str, fallback: int) -> int:
    prices = load_reference().get("waste_prices_example_rp_per_kg", {})
    value = prices.get(name)
    return int(value) if isinstance(value, int | float) else fallback


def demo_types() -> list[T]:
    """The catalogue: the four reference prices, and the others at typical local prices."""
    kardus = _reference_price("Kardus", 845)
    pet = _reference_price("Botol PET bersih", 1625)
    can = _reference_price("Kaleng aluminium", 6500)
    oil = _reference_price("Minyak jelantah", 4000)
    return [
        T("Kardus", kardus, round(kardus * 1.35 / 50) * 50, 0.5, 6.0, 0.75),
        T("Kertas HVS / arsip", 1500, 2000, 0.3, 3.0, 0.35),
        T("Botol PET bersih", pet, round(pet * 1.35 / 50) * 50, 0.2, 2.5, 0.65),
        T("Plastik campur", 500, 800, 0.3, 3.0, 0.45),
        T("Kaleng aluminium", can, round(can * 1.3 / 50) * 50, 0.1, 0.9, 0.3),
        T("Besi / logam", 2500, 3300, 0.5, 4.0, 0.15),
        T("Kaca / botol beling", 200, 350, 0.5, 4.0, 0.15),
        T("Minyak jelantah", oil, round(oil * 1.35 / 50) * 50, 0.5, 2.5, 0.3),
    ]


@dataclass(frozen=True)
class U:
    """A demo unit, its group and its people."""

    group: str
    description: str
    name: str
    address: str
    leader: tuple[str, str]  # (e-mail local part, name)
    operator: tuple[str, str]
    prefix: str  # member numbers: PW-001…
    seed: int
    link_demo_resident: bool = False


DEMO: dict[str, U] = {
    "panjang-wetan": U(
        group="KSM Bank Sampah Mina Resik",
        description="Kelompok swadaya masyarakat pengelola bank sampah warga nelayan "
        "Panjang Wetan: kaleng, botol, kardus dan minyak jelantah ditabung, bukan dibuang ke "
        "kali atau laut.",
        name="Bank Sampah Mina Resik",
        address="Balai RW 05, Jl. Jlamprang Gg. 3, Panjang Wetan",
        leader=("ketua.minaresik", "Bu Sri Wahyuni (ketua KSM)"),
        operator=("operator.minaresik", "Mas Arif Hidayat (operator bank sampah)"),
        prefix="PW",
        seed=1705,
    ),
    "kauman": U(
        group="KSM Bank Sampah Kauman Asri",
        description="Bank sampah ibu-ibu PKK dan pemuda Kauman di samping musala Gang 5.",
        name="Bank Sampah Kauman Asri",
        address="Samping Musala Al-Ikhlas, Kauman Gang 5",
        leader=("ketua.kaumanasri", "Bu Nur Aini (ketua KSM)"),
        operator=("operator.kaumanasri", "Mbak Laila Rahma (operator bank sampah)"),
        prefix="KA",
        seed=1985,
        link_demo_resident=True,
    ),
}

FIRST_NAMES = [
    "Siti",
    "Sri",
    "Nur",
    "Dewi",
    "Rina",
    "Wati",
    "Yuni",
    "Ani",
    "Endang",
    "Lestari",
    "Umi",
    "Khotimah",
    "Fatimah",
    "Rohmah",
    "Indah",
    "Budi",
    "Agus",
    "Slamet",
    "Joko",
    "Darmin",
    "Wahyu",
    "Rizki",
    "Teguh",
    "Eko",
    "Hadi",
]
LAST_NAMES = [
    "Rahayu",
    "Handayani",
    "Maryati",
    "Susanti",
    "Kurniasih",
    "Sholihah",
    "Mukaromah",
    "Hidayah",
    "Santoso",
    "Prasetyo",
    "Wibowo",
    "Saputra",
    "Nugroho",
    "Setiawan",
    "Mubarok",
]


def _group(kelurahan, spec: U, leader: User, operator: User) -> Group:
    slug = slugify(spec.group)
    group = db.session.execute(select(Group).where(Group.slug == slug)).scalar_one_or_none()
    if group is None:
        group = Group(
            name=spec.group,
            slug=slug,
            kind=GroupKind.KSM_BANK_SAMPAH.value,
            description=spec.description,
            created_by_id=leader.id,
            verified_at=utcnow(),
        )
        group.members.append(GroupMember(user_id=leader.id, role="ketua", status="active"))
        group.members.append(GroupMember(user_id=operator.id, role="operator", status="active"))
        db.session.add(group)
        db.session.flush()
    return group


def _opening_days(first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        if day.weekday() in OPENING_WEEKDAYS:
            days.append(day)
        day += timedelta(days=1)
    return days


def _at(day: date, rng: random.Random) -> datetime:
    """A moment of the morning session (WIB) on `day`, as UTC."""
    minutes = rng.randint(0, 170)
    local = datetime.combine(day, time(7, 0), tzinfo=WIB) + timedelta(minutes=minutes)
    return local.astimezone(UTC)


def _grams(rng: random.Random, t: T) -> int:
    """A weight as a scale shows it: kg to the nearest 50 g (10 g for light cans)."""
    step = 10 if t.high < 1 else 50
    grams = int(rng.uniform(t.low, t.high) * 1000) // step * step
    return max(grams, step)


def seed_unit(kelurahan, spec: U, now: datetime | None = None) -> Unit | None:
    """One demo unit with its group, types, members and six months of ledger; None when the
    group already has a unit (the seed ran before)."""
    now = now or utcnow()
    rng = random.Random(spec.seed)
    mail = "{}@demo.kelurahan-pintar.id"
    leader = demo_user(mail.format(spec.leader[0]), spec.leader[1], kelurahan)
    operator = demo_user(mail.format(spec.operator[0]), spec.operator[1], kelurahan)
    db.session.flush()
    group = _group(kelurahan, spec, leader, operator)
    if db.session.execute(select(Unit.id).where(Unit.group_id == group.id)).first():
        return None
    lat, lng = point_near(kelurahan.lat, kelurahan.lng, rng, radius_m=350)
    unit = Unit(
        kelurahan_id=kelurahan.id,
        group_id=group.id,
        name=spec.name,
        address=spec.address,
        lat=lat,
        lng=lng,
        opening_days=OPENING_TEXT,
    )
    db.session.add(unit)
    db.session.flush()

    today = now.astimezone(WIB).date()
    first_day = today - timedelta(days=MONTHS * 30)
    catalogue = demo_types()
    types: list[tuple[WasteType, T]] = []
    for position, t in enumerate(catalogue):
        waste_type = WasteType(
            kelurahan_id=kelurahan.id, unit_id=unit.id, name=t.name, position=position
        )
        db.session.add(waste_type)
        types.append((waste_type, t))
    db.session.commit()  # the ledger commits on its own from here
    for waste_type, t in types:
        pricing.set_price(waste_type, t.buy, t.sell, first_day - timedelta(days=1), operator)
    # Cardboard went up at the collector's three months ago; old deposits keep their price.
    kardus, kardus_t = types[0]
    change_day = today - timedelta(days=90)
    pricing.set_price(kardus, kardus_t.buy + 55, kardus_t.sell + 100, change_day, operator)

    members = _members(kelurahan, unit, spec, rng)
    habits = {m.id: rng.uniform(0.15, 0.75) for m in members}
    days = _opening_days(first_day, today - timedelta(days=1))
    sale_day = days[len(days) // 2]
    withdrawal_days = {days[len(days) // 3], days[(len(days) * 5) // 6]}
    corrected = False
    n = 0
    for day in days:
        for member in members:
            if rng.random() > habits[member.id] / 2:  # twice a week, so half the weekly habit
                continue
            lines = [(wt, _grams(rng, t)) for wt, t in types if rng.random() < t.chance / 2]
            if not lines:
                wt, t = types[0]
                lines = [(wt, _grams(rng, t))]
            n += 1
            at = _at(day, rng)
            entry = ledger.post_deposit(member, lines, operator, f"demo-deposit-{n}", at=at)
            if not corrected and day >= days[len(days) // 4] and len(lines) >= 2:
                # One type was keyed in by mistake: reverse, then post it again without it.
                ledger.post_correction(
                    entry,
                    "Salah input: satu jenis sampah tercatat padahal tidak dibawa nasabah.",
                    operator,
                    f"demo-correction-{n}",
                    at=at + timedelta(minutes=3),
                )
                ledger.post_deposit(
                    member,
                    lines[:-1],
                    operator,
                    f"demo-deposit-{n}-again",
                    at=at + timedelta(minutes=4),
                )
                corrected = True
        if day == sale_day:
            stock = ledger.stock(unit)
            sold = [
                (wt, stock[wt.id] * 8 // 10 // 50 * 50)
                for wt, t in types
                if stock.get(wt.id, 0) >= 2000 and t.name != "Minyak jelantah"
            ]
            if sold:
                ledger.post_sale(unit, sold, COLLECTOR, operator, "demo-sale-1", at=_at(day, rng))
        if day in withdrawal_days:
            amounts = ledger.balances(unit)
            savers = sorted(members, key=lambda m: -amounts.get(m.id, 0))[:2]
            for member in savers:
                amount = amounts.get(member.id, 0) // 2 // 1000 * 1000
                if amount > 0:
                    ledger.post_withdrawal(
                        member,
                        amount,
                        operator,
                        f"demo-withdrawal-{day.isoformat()}-{member.id}",
                        at=_at(day, rng),
                    )
    # One member asked for cash this week and waits for the next opening day.
    amounts = ledger.balances(unit)
    waiting = max(members, key=lambda m: amounts.get(m.id, 0))
    if amounts.get(waiting.id, 0) >= 20_000:
        db.session.add(
            WithdrawalRequest(
                kelurahan_id=kelurahan.id,
                member_id=waiting.id,
                amount=20_000,
                requested_by_id=waiting.user_id or operator.id,
                created_at=now - timedelta(days=2),
            )
        )
        db.session.commit()
    return unit


def _members(kelurahan, unit: Unit, spec: U, rng: random.Random) -> list[Member]:
    names = set()
    members = []
    while len(names) < MEMBERS:
        names.add(f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}")
    for number, name in enumerate(sorted(names), start=1):
        phone = f"+62812{rng.randint(10_000_000, 99_999_999)}" if rng.random() < 0.5 else None
        member = Member(
            kelurahan_id=kelurahan.id,
            unit_id=unit.id,
            number=f"{spec.prefix}-{number:03d}",
            name=name,
            phone=phone,
        )
        members.append(member)
        db.session.add(member)
    if spec.link_demo_resident:
        resident = db.session.execute(
            select(User).where(User.email == "warga@demo.kelurahan-pintar.id")
        ).scalar_one_or_none()
        if resident is not None:
            members[0].user_id = resident.id
            members[0].name = resident.display_name.split(" (")[0]
    db.session.commit()
    return members


def seed_demo_wastebank(kelurahan) -> int:
    """The demo unit of `kelurahan`, if it has one in DEMO; returns the units created."""
    spec = DEMO.get(kelurahan.slug)
    if spec is None or kelurahan.lat is None:
        return 0
    return 1 if seed_unit(kelurahan, spec) is not None else 0
