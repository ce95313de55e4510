"""The ledger: every rupiah and gram that moves in a waste bank, posted here and only here.

Each post is one transaction that commits itself: on SQLite it starts with
`BEGIN IMMEDIATE` (one writer at a time, so a balance read is the balance written against);
on PostgreSQL it locks the member's row (the unit's for a sale) before reading the balance.
Two operators withdrawing from one member at the same moment are therefore served one after
the other, and the second sees the first's withdrawal. The schema backs this up: an entry's
`member_seq` is unique per member, so two posts can never both extend the same balance.

Posts are idempotent on (unit, key): the form's submission token. A repeated key returns
the entry the first one posted, unchanged, whatever else the repeat carried.

A member's balance is the `balance_after` of their latest entry (one index lookup however
long the book); `verify()` proves each running total equals the plain sum of amounts.
"""

from __future__ import annotations

from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload, selectinload

from app.kit import WIB, Kelurahan, _l, db, emit, kg, notify, rupiah, utcnow

from .models import (
    Entry,
    EntryKind,
    EntryLine,
    Member,
    RequestStatus,
    Unit,
    WasteType,
    WithdrawalRequest,
)
from .pricing import MAX_GRAMS, line_value, prices_on_unit

HISTORY_PER_PAGE = 20
MAX_LINES = 50
MAX_AMOUNT = 1_000_000_000  # Rp 1 milyar in one entry: a typo, not a withdrawal


class LedgerError(Exception):
    """A post the ledger refuses; `message` is Indonesian (lazy), for the form."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class InsufficientBalance(LedgerError):
    """A withdrawal (or a correction) would take the balance below zero."""


class InsufficientStock(LedgerError):
    """A sale of more kg of a type than the unit holds."""


class NoPrice(LedgerError):
    """A type without a price for today."""


def today() -> date:
    """The calendar day in Pekalongan (WIB), which decides the price in force."""
    return datetime.now(WIB).date()


def _day_of(at: datetime | None) -> date:
    # `at` back-dates a post (demo data, benchmarks): its WIB day decides the price.
    return at.astimezone(WIB).date() if at is not None else today()


# -- locking -----------------------------------------------------------------------------------


def lock_for_write(model, row_id: int) -> None:
    """Start the ledger write: BEGIN IMMEDIATE on SQLite, or lock `model`'s row on PostgreSQL.
    Must run before anything the decision depends on is read."""
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.driver_connection
        if not raw.in_transaction:
            # pysqlite would open a deferred transaction at the first write, after our reads;
            # IMMEDIATE takes the write lock now, and a waiting writer queues (busy timeout).
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        db.session.execute(select(model.id).where(model.id == row_id).with_for_update())


@contextmanager
def _posting():
    """Roll back on any failure, so a refused post leaves nothing half-written behind."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise


def _check_key(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > 64:
        raise ValueError("an idempotency key of 1 to 64 characters is required")
    return key


def _posted(unit_id: int, key: str) -> Entry | None:
    return db.session.execute(
        select(Entry)
        .where(Entry.unit_id == unit_id, Entry.idempotency_key == key)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def _last_of(member_id: int) -> tuple[int, int]:
    """(member_seq, balance_after) of the member's latest entry; (0, 0) for an empty book."""
    row = db.session.execute(
        select(Entry.member_seq, Entry.balance_after)
        .where(Entry.member_id == member_id)
        .order_by(Entry.member_seq.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row else (0, 0)


def _commit(entry: Entry, unit_id: int, key: str) -> Entry:
    """Commit; a twin of the same key that won a race is returned instead of an error."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        first = _posted(unit_id, key)
        if first is None:
            raise
        return first
    return entry


def _lines_checked(unit_id: int, lines) -> list[tuple[WasteType, int]]:
    if not lines:
        raise LedgerError(_l("Isi paling sedikit satu baris: jenis sampah dan beratnya."))
    if len(lines) > MAX_LINES:
        raise LedgerError(_l("Paling banyak %(n)s baris dalam satu transaksi.", n=MAX_LINES))
    for waste_type, grams in lines:
        if waste_type.unit_id != unit_id:
            raise LedgerError(_l("Jenis sampah ini bukan milik unit ini."))
        if not isinstance(grams, int) or isinstance(grams, bool) or not 0 < grams <= MAX_GRAMS:
            raise LedgerError(_l("Berat harus lebih dari 0 dan paling banyak 10.000 kg."))
    return list(lines)


def _priced(
    unit_id: int, kelurahan_id: int, lines, sell: bool, day: date | None = None
) -> list[EntryLine]:
    prices = prices_on_unit(unit_id, day or today())
    missing = sorted({wt.name for wt, _grams in lines if wt.id not in prices})
    if missing:
        raise NoPrice(_l("%(names)s belum punya harga untuk hari ini.", names=", ".join(missing)))
    priced = []
    for waste_type, grams in lines:
        period = prices[waste_type.id]
        price = period.sell_per_kg if sell else period.buy_per_kg
        priced.append(
            EntryLine(
                kelurahan_id=kelurahan_id,
                waste_type_id=waste_type.id,
                grams=grams,
                direction=-1 if sell else 1,
                price_per_kg=price,
                value=line_value(grams, price),
            )
        )
    return priced


# -- posting -----------------------------------------------------------------------------------


def post_deposit(member: Member, lines, actor, key: str, *, at: datetime | None = None) -> Entry:
    """Credit `member` with the value of the weighed `lines` [(WasteType, grams)], each line
    at today's buying price, rounded half-up once per line."""
    key = _check_key(key)
    unit_id, member_id = member.unit_id, member.id
    lines = _lines_checked(unit_id, lines)
    with _posting():
        lock_for_write(Member, member_id)
        if (first := _posted(unit_id, key)) is not None:
            db.session.commit()
            return first
        if not member.active:
            raise LedgerError(_l("Nasabah ini tidak aktif; setoran tidak dapat dicatat."))
        priced = _priced(unit_id, member.kelurahan_id, lines, sell=False, day=_day_of(at))
        total = sum(line.value for line in priced)
        seq, balance_before = _last_of(member_id)
        entry = Entry(
            kelurahan_id=member.kelurahan_id,
            unit_id=unit_id,
            member_id=member_id,
            member_seq=seq + 1,
            kind=EntryKind.DEPOSIT.value,
            amount=total,
            balance_after=balance_before + total,
            idempotency_key=key,
            created_by_id=actor.id,
            created_at=at or utcnow(),
            lines=priced,
        )
        db.session.add(entry)
        db.session.flush()
        _tell_member(
            member,
            entry,
            _l(
                "Setoran sampah %(amount)s dicatat di buku bank sampah Anda. Saldo: %(balance)s.",
                amount=rupiah(total),
                balance=rupiah(entry.balance_after),
            ),
        )
        entry = _commit(entry, unit_id, key)
    _emit("wastebank.deposit", entry, actor)
    return entry


def post_withdrawal(
    member: Member, amount: int, actor, key: str, request=None, *, at: datetime | None = None
) -> Entry:
    """Pay `amount` rupiah out of `member`'s balance; never more than the balance, however
    many operators pay at once. With `request` (a WithdrawalRequest), it is marked paid."""
    key = _check_key(key)
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise LedgerError(_l("Jumlah penarikan harus lebih dari Rp 0."))
    if amount > MAX_AMOUNT:
        raise LedgerError(_l("Jumlah penarikan terlalu besar."))
    unit_id, member_id = member.unit_id, member.id
    with _posting():
        lock_for_write(Member, member_id)
        if (first := _posted(unit_id, key)) is not None:
            db.session.commit()
            return first
        if request is not None:
            request = db.session.execute(
                select(WithdrawalRequest)
                .where(WithdrawalRequest.id == request.id)
                .execution_options(populate_existing=True)
            ).scalar_one()
            if request.member_id != member_id or request.status != RequestStatus.REQUESTED:
                raise LedgerError(_l("Permintaan penarikan ini sudah diproses."))
        seq, balance_before = _last_of(member_id)
        if amount > balance_before:
            raise InsufficientBalance(
                _l(
                    "Saldo tidak cukup: saldo %(balance)s, diminta %(amount)s.",
                    balance=rupiah(balance_before),
                    amount=rupiah(amount),
                )
            )
        entry = Entry(
            kelurahan_id=member.kelurahan_id,
            unit_id=unit_id,
            member_id=member_id,
            member_seq=seq + 1,
            kind=EntryKind.WITHDRAWAL.value,
            amount=-amount,
            balance_after=balance_before - amount,
            idempotency_key=key,
            created_by_id=actor.id,
            created_at=at or utcnow(),
        )
        db.session.add(entry)
        db.session.flush()
        if request is not None:
            request.status = RequestStatus.PAID.value
            request.entry_id = entry.id
            request.decided_at = utcnow()
        _tell_member(
            member,
            entry,
            _l(
                "Penarikan %(amount)s dari tabungan bank sampah Anda. Sisa saldo: %(balance)s.",
                amount=rupiah(amount),
                balance=rupiah(entry.balance_after),
            ),
        )
        entry = _commit(entry, unit_id, key)
    _emit("wastebank.withdrawal", entry, actor)
    return entry


def cancel_request(request: WithdrawalRequest) -> bool:
    """Cancel a withdrawal request that is still waiting; False when it was paid or
    cancelled first. Under the member's lock, so a payment and a cancellation of the same
    request cannot both happen; the caller commits (with its audit entry)."""
    with _posting():
        lock_for_write(Member, request.member_id)
        current = db.session.execute(
            select(WithdrawalRequest)
            .where(WithdrawalRequest.id == request.id)
            .execution_options(populate_existing=True)
        ).scalar_one()
        if current.status != RequestStatus.REQUESTED:
            return False
        current.status = RequestStatus.CANCELLED.value
        current.decided_at = utcnow()
        db.session.flush()
    return True


def post_sale(
    unit: Unit, lines, collector: str, actor, key: str, *, at: datetime | None = None
) -> Entry:
    """Sell weighed waste to a collector (pengepul) at today's selling prices: out of the
    unit's stock, never more of a type than it holds; cash into the unit."""
    key = _check_key(key)
    collector = (collector or "").strip()
    if not collector:
        raise LedgerError(_l("Tulis nama pengepul."))
    if len(collector) > 120:
        raise LedgerError(_l("Nama pengepul paling panjang 120 karakter."))
    unit_id = unit.id
    lines = _lines_checked(unit_id, lines)
    with _posting():
        lock_for_write(Unit, unit_id)
        if (first := _posted(unit_id, key)) is not None:
            db.session.commit()
            return first
        held = stock(unit)
        wanted: dict[int, int] = defaultdict(int)
        names = {}
        for waste_type, grams in lines:
            wanted[waste_type.id] += grams
            names[waste_type.id] = waste_type.name
        short = [
            (names[type_id], held.get(type_id, 0))
            for type_id, grams in wanted.items()
            if grams > held.get(type_id, 0)
        ]
        if short:
            raise InsufficientStock(
                _l(
                    "Stok tidak cukup: %(list)s.",
                    list="; ".join(f"{name} {kg(max(grams, 0))}" for name, grams in sorted(short)),
                )
            )
        priced = _priced(unit_id, unit.kelurahan_id, lines, sell=True, day=_day_of(at))
        entry = Entry(
            kelurahan_id=unit.kelurahan_id,
            unit_id=unit_id,
            kind=EntryKind.SALE.value,
            amount=sum(line.value for line in priced),
            collector=collector,
            idempotency_key=key,
            created_by_id=actor.id,
            created_at=at or utcnow(),
            lines=priced,
        )
        db.session.add(entry)
        db.session.flush()
        entry = _commit(entry, unit_id, key)
    _emit("wastebank.sale", entry, actor)
    return entry


def post_correction(
    entry: Entry, reason: str, actor, key: str, *, at: datetime | None = None
) -> Entry:
    """Reverse `entry` with a new entry of the opposite amount (and lines, with the prices
    they used), giving `reason`. Once per entry; a correction itself is not reversed."""
    key = _check_key(key)
    reason = (reason or "").strip()
    if not reason:
        raise LedgerError(_l("Tulis alasan koreksi."))
    if len(reason) > 300:
        raise LedgerError(_l("Alasan koreksi paling panjang 300 karakter."))
    unit_id, entry_id, member_id = entry.unit_id, entry.id, entry.member_id
    with _posting():
        if member_id is not None:
            lock_for_write(Member, member_id)
        else:
            lock_for_write(Unit, unit_id)
        if (first := _posted(unit_id, key)) is not None:
            db.session.commit()
            return first
        original = db.session.execute(
            select(Entry).where(Entry.id == entry_id).execution_options(populate_existing=True)
        ).scalar_one()
        if original.kind == EntryKind.CORRECTION:
            raise LedgerError(
                _l("Koreksi tidak dapat dikoreksi lagi; catat transaksi baru bila perlu.")
            )
        already = db.session.scalar(select(Entry.id).where(Entry.reverses_id == entry_id))
        if already is not None:
            raise LedgerError(_l("Transaksi ini sudah dikoreksi (#%(id)s).", id=already))
        correction = Entry(
            kelurahan_id=original.kelurahan_id,
            unit_id=unit_id,
            member_id=member_id,
            kind=EntryKind.CORRECTION.value,
            amount=-original.amount,
            reverses_id=entry_id,
            reason=reason,
            idempotency_key=key,
            created_by_id=actor.id,
            created_at=at or utcnow(),
            lines=[
                EntryLine(
                    kelurahan_id=original.kelurahan_id,
                    waste_type_id=line.waste_type_id,
                    grams=line.grams,
                    direction=-line.direction,
                    price_per_kg=line.price_per_kg,
                    value=line.value,
                )
                for line in original.lines
            ],
        )
        if member_id is not None:
            seq, balance_before = _last_of(member_id)
            if balance_before - original.amount < 0:
                raise InsufficientBalance(
                    _l(
                        "Koreksi ini membuat saldo minus (saldo %(balance)s). "
                        "Catat setoran atau batalkan penarikan lebih dulu.",
                        balance=rupiah(balance_before),
                    )
                )
            correction.member_seq = seq + 1
            correction.balance_after = balance_before - original.amount
        db.session.add(correction)
        db.session.flush()
        if original.member is not None:
            _tell_member(
                original.member,
                correction,
                _l(
                    "Transaksi #%(id)s di buku bank sampah Anda dikoreksi: %(reason)s",
                    id=entry_id,
                    reason=reason,
                ),
            )
        correction = _commit(correction, unit_id, key)
    _emit("wastebank.correction", correction, actor)
    return correction


def _kelurahan(kelurahan_id: int) -> Kelurahan | None:
    return db.session.get(Kelurahan, kelurahan_id)


def _tell_member(member: Member, entry: Entry, message) -> None:
    """A member with an account hears of each movement in their book (same transaction)."""
    if member.user_id is None or member.user is None:
        return
    kelurahan = _kelurahan(member.kelurahan_id)
    try:
        url = url_for("wastebank.my_receipt", kelurahan_slug=kelurahan.slug, entry_id=entry.id)
    except Exception:  # outside a request (CLI, demo) or before the page exists: no link
        url = None
    notify(member.user, message, url=url, kelurahan=kelurahan)


def _emit(name: str, entry: Entry, actor) -> None:
    emit(
        name,
        {"entry_id": entry.id, "unit_id": entry.unit_id, "member_id": entry.member_id},
        kelurahan=_kelurahan(entry.kelurahan_id),
        actor=actor,
    )


# -- reading -----------------------------------------------------------------------------------


def balance(member: Member) -> int:
    """The member's balance: their latest running total (one index lookup)."""
    return _last_of(member.id)[1]


def balances(unit: Unit) -> dict[int, int]:
    """{member id: balance} for every member of `unit`, in one query (0 for an empty book):
    each member's latest running total, one index lookup per member."""
    latest = (
        select(Entry.balance_after)
        .where(Entry.member_id == Member.id)
        .order_by(Entry.member_seq.desc())
        .limit(1)
        .correlate(Member)
        .scalar_subquery()
    )
    rows = db.session.execute(select(Member.id, latest).where(Member.unit_id == unit.id)).all()
    return {member_id: amount or 0 for member_id, amount in rows}


def stock(unit: Unit) -> dict[int, int]:
    """{waste type id: grams held}: everything weighed in minus everything sold (and
    corrected), per type."""
    rows = db.session.execute(
        select(EntryLine.waste_type_id, func.sum(EntryLine.grams * EntryLine.direction))
        .join(Entry, Entry.id == EntryLine.entry_id)
        .where(Entry.unit_id == unit.id)
        .group_by(EntryLine.waste_type_id)
    ).all()
    return {type_id: int(grams or 0) for type_id, grams in rows}


@dataclass(frozen=True)
class BookPage:
    """A page of a member's book, newest first, shaped like a Flask-SQLAlchemy pagination
    for the templates, with the balance it was read with."""

    items: list[Entry]
    page: int
    per_page: int
    total: int
    balance: int

    @property
    def pages(self) -> int:
        return -(-self.total // self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def member_history(member: Member, page: int = 1) -> BookPage:
    """A page of the member's book, newest first: each entry with its lines and the
    correction that reversed it. The book is numbered 1..n without gaps (member_seq), so
    the latest entry gives both the balance and the size of the book, and a page is a
    range of numbers read by index: no COUNT and no OFFSET, however long the book grows."""
    total, balance_now = _last_of(member.id)
    top = total - (page - 1) * HISTORY_PER_PAGE
    items = []
    if top > 0:
        items = list(
            db.session.execute(
                select(Entry)
                .where(
                    Entry.member_id == member.id,
                    Entry.member_seq <= top,
                    Entry.member_seq > top - HISTORY_PER_PAGE,
                )
                .order_by(Entry.member_seq.desc())
                # The reversing correction in the same query (its own lines are not shown
                # here). The lines come by their entries' ids: joined, the tenancy filter on
                # them makes SQLite look them up by kelurahan, once per entry.
                .options(joinedload(Entry.reversed_by).lazyload(Entry.lines))
            )
            .unique()
            .scalars()
        )
    return BookPage(items, page, HISTORY_PER_PAGE, total, balance_now)


def entry_for_receipt(entry_id: int, unit: Unit) -> Entry | None:
    """One entry of `unit` with everything its receipt shows, or None (another unit's)."""
    return db.session.execute(
        select(Entry)
        .where(Entry.id == entry_id, Entry.unit_id == unit.id)
        .options(
            selectinload(Entry.lines).selectinload(EntryLine.waste_type),
            selectinload(Entry.member),
            selectinload(Entry.created_by),
            selectinload(Entry.reverses),
            selectinload(Entry.reversed_by),
        )
    ).scalar_one_or_none()


def verify(unit: Unit | None = None) -> list[str]:
    """Problems found in the ledger (empty when sound): every running total must equal the
    sum of the member's amounts in order, every entry's amount the sum of its lines, every
    line's value its grams × price, every correction the mirror of what it reverses."""
    where = [] if unit is None else [Entry.unit_id == unit.id]
    problems: list[str] = []
    rows = db.session.execute(
        select(Entry.member_id, Entry.member_seq, Entry.id, Entry.amount, Entry.balance_after)
        .where(Entry.member_id.is_not(None), *where)
        .order_by(Entry.member_id, Entry.member_seq)
    )
    current, running, expected_seq, broken = None, 0, 1, False
    for member_id, seq, entry_id, amount, balance_after in rows:
        if member_id != current:
            current, running, expected_seq, broken = member_id, 0, 1, False
        running += amount
        if seq != expected_seq:
            problems.append(
                str(_l("Nasabah #%(m)s: urutan buku melompat di #%(e)s.", m=member_id, e=entry_id))
            )
        if balance_after != running and not broken:
            broken = True  # the first break of a book; the ones after it follow from it
            problems.append(
                str(
                    _l(
                        "Nasabah #%(m)s: saldo tercatat %(stored)s pada #%(e)s, "
                        "jumlah transaksinya %(sum)s.",
                        m=member_id,
                        e=entry_id,
                        stored=balance_after,
                        sum=running,
                    )
                )
            )
        expected_seq = seq + 1
    line_sum = (
        select(
            EntryLine.entry_id,
            func.sum(EntryLine.value).label("total"),
        )
        .group_by(EntryLine.entry_id)
        .subquery()
    )
    mismatched = db.session.execute(
        select(Entry.id, Entry.kind, Entry.amount, func.coalesce(line_sum.c.total, 0))
        .outerjoin(line_sum, line_sum.c.entry_id == Entry.id)
        .where(Entry.kind.in_([EntryKind.DEPOSIT.value, EntryKind.SALE.value]), *where)
        .where(Entry.amount != func.coalesce(line_sum.c.total, 0))
    ).all()
    for entry_id, _kind, amount, total in mismatched:
        problems.append(
            str(
                _l(
                    "Transaksi #%(e)s: jumlah %(amount)s, baris-barisnya %(total)s.",
                    e=entry_id,
                    amount=amount,
                    total=total,
                )
            )
        )
    bad_lines = db.session.execute(
        select(EntryLine.id, EntryLine.entry_id)
        .join(Entry, Entry.id == EntryLine.entry_id)
        .where(
            EntryLine.value != (EntryLine.grams * EntryLine.price_per_kg + 500) // 1000,
            *where,
        )
    ).all()
    for line_id, entry_id in bad_lines:
        problems.append(
            str(
                _l("Transaksi #%(e)s: nilai baris %(l)s tidak sesuai harga.", e=entry_id, l=line_id)
            )
        )
    original = aliased(Entry)
    mirrored = db.session.execute(
        select(Entry.id)
        .join(original, original.id == Entry.reverses_id)
        .where(Entry.amount != -original.amount, *where)
    ).scalars()
    for entry_id in mirrored:
        problems.append(str(_l("Koreksi #%(e)s tidak membalik jumlah aslinya.", e=entry_id)))
    return problems
