"""The waste bank's tables: units run by KSM groups, their members (nasabah), waste types
with dated prices, and the append-only ledger (entries and their weighed lines).

Money is integer rupiah, weight integer grams. Ledger rows are never changed: the schema
refuses UPDATE and DELETE of `wastebank_entry` and `wastebank_entry_line` with triggers
(SQLite and PostgreSQL), created by the migration and, for `create_all`, by the hook at the
bottom of this module. A member's balance is the `balance_after` of their latest entry, a
running total that `ledger.verify()` checks against the plain sum.
"""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.kit import Group, TenantMixin, User, UTCDateTime, db, utcnow


class EntryKind(enum.StrEnum):
    DEPOSIT = "deposit"  # setoran: waste in, member credited
    WITHDRAWAL = "withdrawal"  # penarikan: cash out to the member
    SALE = "sale"  # penjualan ke pengepul: waste out, cash in to the unit
    CORRECTION = "correction"  # reverses one earlier entry, with a reason


class RequestStatus(enum.StrEnum):
    REQUESTED = "diminta"
    PAID = "dibayar"
    CANCELLED = "dibatalkan"


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


def new_card_token() -> str:
    return secrets.token_urlsafe(18)  # 24 characters, 144 random bits


class Unit(TenantMixin, db.Model):
    """A waste-bank unit, run by one KSM bank sampah group."""

    __tablename__ = "wastebank_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("community_group.id"), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    opening_days: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[Group] = relationship()


class Member(TenantMixin, db.Model):
    """A nasabah of one unit; the card's QR carries only `card_token`."""

    __tablename__ = "wastebank_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("wastebank_unit.id"), index=True)
    number: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164, +628…
    card_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_card_token)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()
    user: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("unit_id", "number"),)


class WasteType(TenantMixin, db.Model):
    """A kind of sorted waste the unit buys (Kertas / kardus, Plastik PET…)."""

    __tablename__ = "wastebank_waste_type"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("wastebank_unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    unit: Mapped[Unit] = relationship()

    __table_args__ = (UniqueConstraint("unit_id", "name"),)


class PricePeriod(TenantMixin, db.Model):
    """Buying and selling price per kg of a type from `valid_from` until the day before
    `valid_until` (open-ended when None). Periods of a type never overlap (pricing.set_price)."""

    __tablename__ = "wastebank_price_period"

    id: Mapped[int] = mapped_column(primary_key=True)
    waste_type_id: Mapped[int] = mapped_column(ForeignKey("wastebank_waste_type.id"), index=True)
    buy_per_kg: Mapped[int] = mapped_column(Integer)
    sell_per_kg: Mapped[int] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    waste_type: Mapped[WasteType] = relationship()

    __table_args__ = (
        UniqueConstraint("waste_type_id", "valid_from"),
        CheckConstraint("buy_per_kg >= 0", name="buy_not_negative"),
        CheckConstraint("sell_per_kg >= 0", name="sell_not_negative"),
        CheckConstraint("valid_until IS NULL OR valid_until > valid_from", name="period_ordered"),
    )


# Sign and shape of each kind of entry; a correction mirrors the entry it reverses.
_ENTRY_SHAPE = (
    "(kind = 'deposit' AND amount >= 0 AND member_id IS NOT NULL AND reverses_id IS NULL)"
    " OR (kind = 'withdrawal' AND amount < 0 AND member_id IS NOT NULL AND reverses_id IS NULL)"
    " OR (kind = 'sale' AND amount >= 0 AND member_id IS NULL AND reverses_id IS NULL"
    " AND collector IS NOT NULL)"
    " OR (kind = 'correction' AND reverses_id IS NOT NULL AND reason IS NOT NULL)"
)


class Entry(TenantMixin, db.Model):
    """One posted ledger entry. Never updated or deleted (the schema refuses it).

    `amount` is signed rupiah: a deposit credits the member (+), a withdrawal debits (−), a
    sale is cash into the unit (+, no member), a correction is −amount of the entry it
    reverses. `balance_after` is the member's running total after this entry and
    `member_seq` its place in the member's book (1, 2, 3…): unique, so two writers can never
    both extend the same balance."""

    __tablename__ = "wastebank_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("wastebank_unit.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("wastebank_member.id"))
    member_seq: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[int] = mapped_column(BigInteger)
    balance_after: Mapped[int | None] = mapped_column(BigInteger)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("wastebank_entry.id"), unique=True)
    reason: Mapped[str | None] = mapped_column(String(300))
    collector: Mapped[str | None] = mapped_column(String(120))
    idempotency_key: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit: Mapped[Unit] = relationship()
    member: Mapped[Member | None] = relationship()
    created_by: Mapped[User] = relationship()
    reverses: Mapped[Entry | None] = relationship(remote_side=[id], foreign_keys=[reverses_id])
    # The correction that reversed this entry, if any (at most one: reverses_id is unique).
    reversed_by: Mapped[Entry | None] = relationship(
        foreign_keys=[reverses_id], viewonly=True, uselist=False
    )
    # Ordered by (entry, id) rather than id: the (kelurahan, entry) index then yields the
    # lines of a page of entries in order, where ordering by id alone made SQLite read every
    # line of the kelurahan to avoid a sort.
    lines: Mapped[list[EntryLine]] = relationship(
        back_populates="entry", order_by="(EntryLine.entry_id, EntryLine.id)", lazy="selectin"
    )

    __table_args__ = (
        UniqueConstraint("unit_id", "idempotency_key"),
        UniqueConstraint("member_id", "member_seq"),
        CheckConstraint(_in("kind", EntryKind), name="kind_known"),
        CheckConstraint(_ENTRY_SHAPE, name="amount_fits_kind"),
        CheckConstraint(
            "(member_id IS NULL AND balance_after IS NULL AND member_seq IS NULL)"
            " OR (member_id IS NOT NULL AND balance_after >= 0 AND member_seq >= 1)",
            name="member_running_total",
        ),
        Index("ix_wastebank_entry_unit_created", "unit_id", "created_at"),
        Index("ix_wastebank_entry_unit_kind_created", "unit_id", "kind", "created_at"),
    )

    @property
    def total_grams(self) -> int:
        return sum(line.grams for line in self.lines)


class EntryLine(TenantMixin, db.Model):
    """A weighed line of a deposit, sale or correction, with the price it used.
    `direction` is +1 for waste into the unit's stock and −1 for waste out."""

    __tablename__ = "wastebank_entry_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("wastebank_entry.id"), index=True)
    waste_type_id: Mapped[int] = mapped_column(ForeignKey("wastebank_waste_type.id"), index=True)
    grams: Mapped[int] = mapped_column(Integer)
    direction: Mapped[int] = mapped_column(SmallInteger)
    price_per_kg: Mapped[int] = mapped_column(Integer)
    value: Mapped[int] = mapped_column(BigInteger)

    entry: Mapped[Entry] = relationship(back_populates="lines")
    waste_type: Mapped[WasteType] = relationship()

    __table_args__ = (
        CheckConstraint("grams > 0", name="grams_positive"),
        CheckConstraint("direction IN (1, -1)", name="direction_known"),
        CheckConstraint("price_per_kg >= 0", name="price_not_negative"),
        CheckConstraint("value >= 0", name="value_not_negative"),
        # Lines are always read by entry under the tenancy filter (kelurahan_id = ?); with
        # only single-column indexes SQLite's planner, which has no statistics, picks the
        # kelurahan's and reads every line of the kelurahan once per entry.
        Index("ix_wastebank_entry_line_kelurahan_entry", "kelurahan_id", "entry_id"),
    )


class WithdrawalRequest(TenantMixin, db.Model):
    """A member's request to take cash out, paid by an operator (then `entry_id` is the
    withdrawal) or cancelled."""

    __tablename__ = "wastebank_withdrawal_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("wastebank_member.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.REQUESTED.value)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("wastebank_entry.id"), unique=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship()
    entry: Mapped[Entry | None] = relationship()

    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(_in("status", RequestStatus), name="status_known"),
    )


# -- append-only ledger: the same statements run in migrations/0001_wastebank_tables.py ----------

APPEND_ONLY_TABLES = ("wastebank_entry", "wastebank_entry_line")


def append_only_ddl(dialect: str) -> list[str]:
    """Statements that make the ledger tables refuse UPDATE and DELETE."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{op.lower()} BEFORE {op} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'wastebank ledger is append-only: {op} refused'); END"
            for table in APPEND_ONLY_TABLES
            for op in ("UPDATE", "DELETE")
        ]
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION wastebank_refuse_change() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION USING MESSAGE = "
            "'wastebank ledger is append-only: ' || TG_OP || ' on ' || TG_TABLE_NAME "
            "|| ' refused'; END $$",
        ] + [
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION wastebank_refuse_change()"
            for table in APPEND_ONLY_TABLES
        ]
    return []


@event.listens_for(db.metadata, "after_create")
def _append_only_after_create_all(target, connection, tables=(), **kw):
    # create_all (the tests' schema) builds tables without the migration: add the triggers.
    if any(t.name == "wastebank_entry_line" for t in tables):
        for statement in append_only_ddl(connection.dialect.name):
            connection.execute(DDL(statement.replace("%", "%%")))  # DDL formats with %
