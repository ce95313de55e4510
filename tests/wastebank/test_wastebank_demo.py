"""Demo data of the waste bank (`flask kp seed --demo`): a unit in Panjang Wetan and one in
Kauman, each with 30 members and six months of believable deposits posted through the
ledger, so every balance is the sum of its book; nothing doubled when the seed runs again."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from conftest import count
from sqlalchemy import func, select

from app.extensions import db as _db
from app.kit import WIB
from app.models import Group, GroupMember, User, utcnow
from plugins.wastebank import ledger
from plugins.wastebank.demo import DEMO, MEMBERS
from plugins.wastebank.models import (
    Entry,
    EntryLine,
    Member,
    PricePeriod,
    Unit,
    WasteType,
    WithdrawalRequest,
)

MODELS = (Unit, Member, WasteType, PricePeriod, Entry, EntryLine, WithdrawalRequest, Group)


def seed(app) -> None:
    result = app.test_cli_runner().invoke(args=["kp", "seed", "--demo"])
    assert result.exit_code == 0, result.output


def counts() -> dict[str, int]:
    numbers = {model.__name__: count(model) for model in MODELS}
    numbers["GroupMember"] = count(GroupMember)
    numbers["User"] = count(User)
    return numbers


def test_demo_units_are_believable_their_books_add_up_and_a_second_seed_adds_nothing(app, factory):
    seed(app)
    units = {unit.kelurahan_id: unit for unit in _db.session.execute(select(Unit)).scalars()}
    assert set(units) == {factory.kelurahan(slug).id for slug in DEMO}
    for slug, spec in DEMO.items():
        kelurahan = factory.kelurahan(slug)
        unit = units[kelurahan.id]
        assert unit.name == spec.name and unit.opening_days
        assert abs(unit.lat - kelurahan.lat) < 0.01 and abs(unit.lng - kelurahan.lng) < 0.01
        group = unit.group
        assert group.kind == "ksm_bank_sampah" and group.verified_at is not None
        assert {m.role for m in group.members} == {"ketua", "operator"}
        assert count(Member, Member.unit_id == unit.id) == MEMBERS

        entries = list(_db.session.execute(select(Entry).where(Entry.unit_id == unit.id)).scalars())
        kinds = Counter(e.kind for e in entries)
        assert kinds["deposit"] >= 150, kinds  # six months of two mornings a week
        assert kinds["withdrawal"] >= 2 and kinds["sale"] == 1 and kinds["correction"] == 1
        # Six months back, on opening days (Tuesday and Saturday mornings, WIB).
        days = {e.created_at.astimezone(WIB).date() for e in entries}
        assert min(days) <= (utcnow() - timedelta(days=170)).astimezone(WIB).date()
        assert {d.weekday() for d in days} == {1, 5}
        assert all(7 <= e.created_at.astimezone(WIB).hour < 11 for e in entries)
        # Most members save regularly; a few hardly ever.
        savers = Counter(e.member_id for e in entries if e.kind == "deposit")
        assert len(savers) >= MEMBERS - 3

        # The reference prices are used, and old deposits kept the price they used.
        kardus = _db.session.execute(
            select(WasteType).where(WasteType.unit_id == unit.id, WasteType.name == "Kardus")
        ).scalar_one()
        kardus_prices = {
            line.price_per_kg
            for line in _db.session.execute(
                select(EntryLine)
                .join(Entry)
                .where(Entry.kind == "deposit", EntryLine.waste_type_id == kardus.id)
            ).scalars()
        }
        assert kardus_prices == {845, 900}
        assert count(PricePeriod, PricePeriod.waste_type_id == kardus.id) == 2

        assert ledger.verify(unit) == []
        balances = ledger.balances(unit)
        assert all(amount >= 0 for amount in balances.values())
        assert sum(balances.values()) > 500_000  # real money: worth a trip to the bank
        waiting = _db.session.execute(
            select(WithdrawalRequest).where(WithdrawalRequest.status == "diminta")
        ).scalars()
        assert any(r.member.unit_id == unit.id for r in waiting)

    # Kauman's demo resident reads their own book.
    resident = _db.session.execute(
        select(User).where(User.email == "warga@demo.kelurahan-pintar.id")
    ).scalar_one()
    book = _db.session.execute(select(Member).where(Member.user_id == resident.id)).scalar_one()
    assert book.unit.kelurahan_id == factory.kelurahan("kauman").id
    assert ledger.balance(book) > 0

    first = counts()
    last_entry = _db.session.scalar(select(func.max(Entry.id)))
    seed(app)
    assert counts() == first
    assert _db.session.scalar(select(func.max(Entry.id))) == last_entry


def test_demo_leaves_other_kelurahan_alone(app, factory):
    from app import tenancy
    from plugins.wastebank.demo import seed_demo_wastebank

    medono = factory.kelurahan("medono")
    with app.test_request_context(), tenancy.scoped_to(medono.id):
        assert seed_demo_wastebank(medono) == 0
    assert count(Unit) == 0 and count(Group) == 0
