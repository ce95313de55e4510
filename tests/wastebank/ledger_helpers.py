"""Factories for the ledger tests (imported by name: pytest puts this folder on sys.path for
the test modules in it). Rows are written straight to the database; posts go through
plugins/wastebank/ledger.py like the pages do."""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from datetime import date

from conftest import make_user
from sqlalchemy import text

from app.extensions import db as _db
from app.models import Group, GroupMember, Kelurahan, User, utcnow
from plugins.wastebank.models import APPEND_ONLY_TABLES, Member, PricePeriod, Unit, WasteType

LONG_AGO = date(2020, 1, 1)
_seq = itertools.count(1)


def kelurahan_id(slug: str = "kauman") -> int:
    return _db.session.execute(_db.select(Kelurahan.id).where(Kelurahan.slug == slug)).scalar_one()


def make_operator(slug: str = "kauman") -> User:
    """An account to post as (created_by of the entries)."""
    return make_user("warga", slug)


def make_unit(slug: str = "kauman", leader: User | None = None) -> Unit:
    n = next(_seq)
    leader = leader or make_operator(slug)
    kid = kelurahan_id(slug)
    group = Group(
        kelurahan_id=kid,
        name=f"KSM Bank Sampah {n}",
        slug=f"ksm-bank-sampah-{n}",
        kind="ksm_bank_sampah",
        created_by_id=leader.id,
        verified_at=utcnow(),
    )
    group.members.append(
        GroupMember(kelurahan_id=kid, user_id=leader.id, role="operator", status="active")
    )
    _db.session.add(group)
    _db.session.flush()
    unit = Unit(kelurahan_id=kid, group_id=group.id, name=f"Bank Sampah Berseri {n}")
    _db.session.add(unit)
    _db.session.commit()
    return unit


def make_member(unit: Unit, *, user: User | None = None, number: str | None = None) -> Member:
    n = next(_seq)
    member = Member(
        kelurahan_id=unit.kelurahan_id,
        unit_id=unit.id,
        number=number or f"N{n:04d}",
        name=f"Nasabah {n}",
        user_id=user.id if user else None,
    )
    _db.session.add(member)
    _db.session.commit()
    return member


def make_type(unit: Unit, name: str, buy: int | None = 2000, sell: int = 2500) -> WasteType:
    """A waste type priced since long ago (no price at all with buy=None)."""
    waste_type = WasteType(kelurahan_id=unit.kelurahan_id, unit_id=unit.id, name=name)
    _db.session.add(waste_type)
    _db.session.flush()
    if buy is not None:
        _db.session.add(
            PricePeriod(
                kelurahan_id=unit.kelurahan_id,
                waste_type_id=waste_type.id,
                buy_per_kg=buy,
                sell_per_kg=sell,
                valid_from=LONG_AGO,
            )
        )
    _db.session.commit()
    return waste_type


@contextmanager
def triggers_lifted(connection):
    """Inside a transaction on `connection`: the append-only triggers are off, as an
    attacker with database access (or a bug in raw SQL) would have them."""
    if connection.dialect.name == "sqlite":
        saved = connection.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        ).all()
        for name, _sql in saved:
            connection.execute(text(f'DROP TRIGGER "{name}"'))
        yield
        for _name, sql in saved:
            connection.execute(text(sql))
    else:
        for table in APPEND_ONLY_TABLES:
            connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        yield
        for table in APPEND_ONLY_TABLES:
            connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
