"""Small factories for the operator and member page tests (imported by name: pytest puts this
folder on sys.path for the test modules in it)."""

from __future__ import annotations

import itertools
import re
from datetime import date

from conftest import enable_plugin, make_group, make_user

from app.extensions import db as _db
from app.models import GroupMember, Kelurahan
from plugins.wastebank.models import Member, PricePeriod, Unit, WasteType

KAUMAN = (-6.8899, 109.6728)
MEDONO = (-6.8925, 109.6600)
LONG_AGO = date(2020, 1, 1)

_seq = itertools.count(1)


def switch_on(app, *slugs) -> None:
    for slug in slugs:
        enable_plugin(app, "wastebank", slug)


def make_unit(slug: str = "kauman", *, leader=None, name: str | None = None) -> Unit:
    """A committed unit of a new verified KSM bank sampah group led by `leader`."""
    n = next(_seq)
    leader = leader or make_user("warga", slug)
    group = make_group(slug, leader, kind="ksm_bank_sampah", name=f"KSM Bank Sampah {n}")
    unit = Unit(
        kelurahan_id=group.kelurahan_id,
        group_id=group.id,
        name=name or f"Bank Sampah Berseri {n}",
        address=f"Jl. Kauman No. {n}",
        lat=KAUMAN[0],
        lng=KAUMAN[1],
        opening_days="Selasa dan Sabtu",
    )
    _db.session.add(unit)
    _db.session.commit()
    return unit


def add_operator(unit: Unit, user=None, role: str = "operator"):
    """A user (new warga of the unit's kelurahan unless given) with the group role `role`."""
    user = user or make_user("warga", slug_of(unit))
    _db.session.add(
        GroupMember(
            kelurahan_id=unit.kelurahan_id,
            group_id=unit.group_id,
            user_id=user.id,
            role=role,
            status="active",
        )
    )
    _db.session.commit()
    return user


def make_type(unit: Unit, name: str, buy: int | None = 2000, sell: int = 2500) -> WasteType:
    """A committed waste type priced since long ago (no price at all with buy=None)."""
    waste_type = WasteType(kelurahan_id=unit.kelurahan_id, unit_id=unit.id, name=name, position=1)
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


def make_member(unit: Unit, number: str | None = None, name: str | None = None, user=None):
    n = next(_seq)
    member = Member(
        kelurahan_id=unit.kelurahan_id,
        unit_id=unit.id,
        number=number or f"{n:03d}",
        name=name or f"Nasabah {n}",
        user_id=user.id if user else None,
    )
    _db.session.add(member)
    _db.session.commit()
    return member


def slug_of(obj) -> str:
    return _db.session.get(Kelurahan, obj.kelurahan_id).slug


def base(unit: Unit) -> str:
    return f"/k/{slug_of(unit)}/bank-sampah/unit/{unit.id}"


def text(response) -> str:
    return response.get_data(as_text=True)


def token_of(html: str) -> str:
    """The submission token of the (first) form on a page."""
    found = re.search(r'name="submission_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="submission_token"', html
    )
    assert found, "the form has no submission token"
    return found.group(1)


def lines(*rows, total: int = 6) -> dict:
    """Form data of a deposit or sale: rows of (waste type, "kg" text), padded with empty rows."""
    data = {}
    for i in range(total):
        waste_type, kg = rows[i] if i < len(rows) else ("", "")
        data[f"lines-{i}-waste_type"] = (
            str(waste_type.id) if hasattr(waste_type, "id") else waste_type
        )
        data[f"lines-{i}-kg"] = kg
    return data
