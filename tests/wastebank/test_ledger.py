"""The waste bank's ledger, through its service API (plugins/wastebank/ledger.py), on SQLite
and PostgreSQL: what a deposit is worth, what a withdrawal may take, what a sale may sell, how
a correction reverses, and what the database itself refuses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import StatementCounter, count, notes_for
from ledger_helpers import (
    make_member,
    make_operator,
    make_type,
    make_unit,
    triggers_lifted,
)
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from plugins.wastebank import ledger, pricing
from plugins.wastebank.models import Entry, EntryLine, WithdrawalRequest


@pytest.fixture
def bank(app):
    """A unit with an operator, two members and three priced types."""

    class Bank:
        unit = make_unit()
        operator = make_operator()
        member = make_member(unit)
        other = make_member(unit)
        paper = make_type(unit, "Kertas / kardus", buy=2500, sell=3000)
        pet = make_type(unit, "Plastik PET", buy=1999, sell=2600)
        cans = make_type(unit, "Logam / kaleng", buy=3, sell=5)

    return Bank


def deposit(bank, lines, key, member=None):
    return ledger.post_deposit(member or bank.member, lines, bank.operator, key=key)


# -- deposits ----------------------------------------------------------------------------------


def test_a_deposit_is_worth_the_sum_of_its_lines_each_rounded_half_up_once(bank):
    entry = deposit(
        bank,
        [(bank.paper, 1250), (bank.pet, 1), (bank.cans, 500), (bank.cans, 1500), (bank.cans, 499)],
        "k1",
    )
    # 1,25 kg × 2500 = 3125; 0,001 × 1999 = 1,999 → 2; 0,5 × 3 = 1,5 → 2;
    # 1,5 × 3 = 4,5 → 5; 0,499 × 3 = 1,497 → 1: rounded per line, never on the total.
    assert [line.value for line in entry.lines] == [3125, 2, 2, 5, 1]
    assert [line.price_per_kg for line in entry.lines] == [2500, 1999, 3, 3, 3]
    assert entry.amount == 3135
    assert ledger.balance(bank.member) == 3135
    assert ledger.balance(bank.other) == 0
    assert ledger.stock(bank.unit) == {bank.paper.id: 1250, bank.pet.id: 1, bank.cans.id: 2499}


def test_the_same_key_records_one_deposit_whatever_the_repeat_carries(bank):
    first = deposit(bank, [(bank.paper, 2000)], "double-click")
    again = deposit(bank, [(bank.paper, 9000)], "double-click")
    assert again.id == first.id
    assert count(Entry) == 1
    assert ledger.balance(bank.member) == 5000


def test_a_type_without_a_price_today_is_named_and_nothing_is_written(bank):
    glass = make_type(bank.unit, "Kaca", buy=None)
    with pytest.raises(ledger.NoPrice) as refused:
        deposit(bank, [(bank.paper, 1000), (glass, 1000)], "k")
    assert "Kaca" in str(refused.value.message)
    assert count(Entry) == 0 and count(EntryLine) == 0


def test_a_type_of_another_unit_is_refused(bank):
    elsewhere = make_type(make_unit("medono"), "Kertas")
    with pytest.raises(ledger.LedgerError):
        deposit(bank, [(elsewhere, 1000)], "k")
    assert count(Entry) == 0


def test_a_member_with_an_account_is_told_of_a_deposit(bank, factory):
    resident = factory.user("warga")
    member = make_member(bank.unit, user=resident)
    deposit(bank, [(bank.paper, 2000)], "k", member=member)
    notes = notes_for(resident)
    assert len(notes) == 1 and "Rp 5.000" in notes[0]


# -- withdrawals -------------------------------------------------------------------------------


def test_a_withdrawal_never_exceeds_the_balance(bank):
    deposit(bank, [(bank.paper, 4000)], "d")  # Rp 10.000
    with pytest.raises(ledger.InsufficientBalance) as refused:
        ledger.post_withdrawal(bank.member, 10_001, bank.operator, key="w1")
    assert str(refused.value.message) == "Saldo tidak cukup: saldo Rp 10.000, diminta Rp 10.001."
    assert count(Entry) == 1
    entry = ledger.post_withdrawal(bank.member, 10_000, bank.operator, key="w2")
    assert entry.amount == -10_000 and entry.balance_after == 0
    assert ledger.balance(bank.member) == 0
    with pytest.raises(ledger.InsufficientBalance):
        ledger.post_withdrawal(bank.member, 1, bank.operator, key="w3")


@pytest.mark.parametrize("amount", [0, -5000, True, "5000"])
def test_a_withdrawal_of_nothing_is_refused(bank, amount):
    deposit(bank, [(bank.paper, 4000)], "d")
    with pytest.raises(ledger.LedgerError):
        ledger.post_withdrawal(bank.member, amount, bank.operator, key="w")
    assert count(Entry) == 1


def test_paying_a_request_marks_it_paid_once(bank):
    deposit(bank, [(bank.paper, 4000)], "d")
    request = WithdrawalRequest(
        kelurahan_id=bank.unit.kelurahan_id, member_id=bank.member.id, amount=6000
    )
    db.session.add(request)
    db.session.commit()
    entry = ledger.post_withdrawal(bank.member, 6000, bank.operator, key="r1", request=request)
    db.session.refresh(request)
    assert (request.status, request.entry_id) == ("dibayar", entry.id)
    assert request.decided_at is not None
    with pytest.raises(ledger.LedgerError):
        ledger.post_withdrawal(bank.member, 1000, bank.operator, key="r2", request=request)
    assert ledger.balance(bank.member) == 4000


# -- sales -------------------------------------------------------------------------------------


def test_a_sale_sells_only_what_the_unit_holds_at_todays_selling_price(bank):
    deposit(bank, [(bank.paper, 3000)], "d1")
    deposit(bank, [(bank.paper, 1500)], "d2", member=bank.other)
    with pytest.raises(ledger.InsufficientStock) as refused:
        ledger.post_sale(bank.unit, [(bank.paper, 4501)], "Pak Darto", bank.operator, key="s")
    assert "Stok tidak cukup" in str(refused.value.message)
    assert "Kertas / kardus" in str(refused.value.message)
    with pytest.raises(ledger.InsufficientStock):  # two lines of one type count together
        ledger.post_sale(
            bank.unit,
            [(bank.paper, 3000), (bank.paper, 2000)],
            "Pak Darto",
            bank.operator,
            key="s",
        )
    with pytest.raises(ledger.InsufficientStock):  # nothing of this type came in
        ledger.post_sale(bank.unit, [(bank.pet, 1)], "Pak Darto", bank.operator, key="s")
    sale = ledger.post_sale(bank.unit, [(bank.paper, 4500)], "Pak Darto", bank.operator, key="s")
    assert sale.amount == 13_500 and sale.member_id is None and sale.balance_after is None
    assert [(line.direction, line.price_per_kg) for line in sale.lines] == [(-1, 3000)]
    assert ledger.stock(bank.unit) == {bank.paper.id: 0}
    # Members' money is untouched by selling their waste.
    assert ledger.balances(bank.unit) == {bank.member.id: 7500, bank.other.id: 3750}


def test_a_sale_needs_a_collector(bank):
    deposit(bank, [(bank.paper, 3000)], "d1")
    with pytest.raises(ledger.LedgerError):
        ledger.post_sale(bank.unit, [(bank.paper, 1000)], "  ", bank.operator, key="s")


# -- corrections -------------------------------------------------------------------------------


def test_a_correction_reverses_once_and_shows_in_both_histories(bank):
    wrong = deposit(bank, [(bank.paper, 10_000)], "d1")  # 10 kg typed for 1 kg
    deposit(bank, [(bank.pet, 1000)], "d2")
    fix = ledger.post_correction(wrong, "Salah ketik: 1 kg, bukan 10 kg", bank.operator, key="c1")
    assert fix.kind == "correction" and fix.reverses_id == wrong.id
    assert fix.amount == -25_000
    assert [(line.direction, line.grams, line.value) for line in fix.lines] == [
        (-1, 10_000, 25_000)
    ]
    assert ledger.balance(bank.member) == 1999
    assert ledger.stock(bank.unit) == {bank.paper.id: 0, bank.pet.id: 1000}

    book = ledger.member_history(bank.member, 1).items
    assert [entry.id for entry in book][0] == fix.id
    by_id = {entry.id: entry for entry in book}
    assert by_id[wrong.id].reversed_by.id == fix.id  # the original shows it was corrected
    assert by_id[fix.id].reverses.id == wrong.id  # the correction shows what it reverses
    assert by_id[fix.id].reason == "Salah ketik: 1 kg, bukan 10 kg"

    with pytest.raises(ledger.LedgerError) as twice:
        ledger.post_correction(wrong, "lagi", bank.operator, key="c2")
    assert "sudah dikoreksi" in str(twice.value.message)
    with pytest.raises(ledger.LedgerError):
        ledger.post_correction(fix, "membatalkan koreksi", bank.operator, key="c3")
    with pytest.raises(ledger.LedgerError):
        ledger.post_correction(wrong, "  ", bank.operator, key="c4")
    assert count(Entry) == 3
    assert ledger.verify() == []


def test_a_correction_that_would_leave_a_negative_balance_is_refused(bank):
    first = deposit(bank, [(bank.paper, 4000)], "d1")
    ledger.post_withdrawal(bank.member, 8000, bank.operator, key="w1")
    with pytest.raises(ledger.InsufficientBalance):
        ledger.post_correction(first, "salah nasabah", bank.operator, key="c1")
    assert ledger.balance(bank.member) == 2000


def test_a_withdrawal_and_a_sale_can_be_corrected(bank):
    deposit(bank, [(bank.paper, 4000)], "d1")
    paid = ledger.post_withdrawal(bank.member, 3000, bank.operator, key="w1")
    ledger.post_correction(paid, "uang tidak jadi diambil", bank.operator, key="c1")
    assert ledger.balance(bank.member) == 10_000
    sale = ledger.post_sale(bank.unit, [(bank.paper, 4000)], "CV Maju", bank.operator, key="s1")
    ledger.post_correction(sale, "pengepul batal", bank.operator, key="c2")
    assert ledger.stock(bank.unit) == {bank.paper.id: 4000}
    assert ledger.verify() == []


# -- prices ------------------------------------------------------------------------------------


def test_old_entries_keep_their_price_after_a_price_change(bank):
    before = deposit(bank, [(bank.paper, 1000)], "d1")
    pricing.set_price(bank.paper, 4000, 4500, ledger.today(), bank.operator)
    after = deposit(bank, [(bank.paper, 1000)], "d2")
    db.session.expire_all()
    old = db.session.get(Entry, before.id)
    assert (old.amount, old.lines[0].price_per_kg) == (2500, 2500)
    assert (after.amount, after.lines[0].price_per_kg) == (4000, 4000)
    assert ledger.balance(bank.member) == 6500
    periods = pricing.prices_on(bank.unit, ledger.today() - timedelta(days=1))
    assert periods[bank.paper.id].buy_per_kg == 2500
    assert periods[bank.paper.id].valid_until == ledger.today()


def test_a_new_price_must_start_after_the_current_one(bank):
    pricing.set_price(bank.paper, 4000, 4500, ledger.today(), bank.operator)
    with pytest.raises(ledger.LedgerError):
        pricing.set_price(bank.paper, 5000, 5500, ledger.today(), bank.operator)
    with pytest.raises(ledger.LedgerError):
        pricing.set_price(bank.paper, -1, 5500, ledger.today() + timedelta(days=1), bank.operator)
    assert pricing.price_on(bank.paper, ledger.today()).buy_per_kg == 4000


# -- balances ----------------------------------------------------------------------------------


def test_a_balance_costs_one_statement_however_long_the_book(bank):
    deposit(bank, [(bank.paper, 1000)], "first")
    db.session.refresh(bank.member)  # loaded, as a page has it before asking its balance
    with StatementCounter() as short:
        assert ledger.balance(bank.member) == 2500
    for n in range(30):
        deposit(bank, [(bank.paper, 1000)], f"k{n}")
    db.session.refresh(bank.member)
    db.session.refresh(bank.unit)
    with StatementCounter() as long:
        assert ledger.balance(bank.member) == 31 * 2500
    assert short.n == long.n == 1
    expected = {bank.member.id: 31 * 2500, bank.other.id: 0}
    with StatementCounter() as every:
        assert ledger.balances(bank.unit) == expected
    assert every.n == 1


def test_verify_finds_a_tampered_running_total_and_line(bank, backend):
    deposit(bank, [(bank.paper, 1000)], "d1")
    second = deposit(bank, [(bank.paper, 2000)], "d2")
    deposit(bank, [(bank.pet, 1000)], "d3")
    assert ledger.verify() == [] and ledger.verify(bank.unit) == []
    with db.engine.begin() as conn, triggers_lifted(conn):
        conn.execute(
            text(
                "UPDATE wastebank_entry SET balance_after = balance_after + 100000 WHERE id = :id"
            ),
            {"id": second.id},
        )
    problems = ledger.verify(bank.unit)
    assert len(problems) == 1 and f"#{second.id}" in problems[0]
    with db.engine.begin() as conn, triggers_lifted(conn):
        conn.execute(
            text("UPDATE wastebank_entry_line SET value = value + 1 WHERE entry_id = :id"),
            {"id": second.id},
        )
    assert len(ledger.verify()) == 3  # running total, amount vs lines, line vs price


# -- the schema itself -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE wastebank_entry SET amount = amount + 1000",
        "UPDATE wastebank_entry SET reason = 'diam-diam'",
        "DELETE FROM wastebank_entry",
        "UPDATE wastebank_entry_line SET grams = grams * 2",
        "DELETE FROM wastebank_entry_line",
    ],
)
def test_the_database_refuses_to_change_a_posted_entry(bank, statement):
    deposit(bank, [(bank.paper, 1000)], "d1")
    with pytest.raises(DBAPIError) as refused, db.engine.begin() as conn:
        conn.execute(text(statement))
    assert "append-only" in str(refused.value)
    assert ledger.balance(bank.member) == 2500 and count(EntryLine) == 1


def _insert(bank, **values):
    row = {
        "kelurahan_id": bank.unit.kelurahan_id,
        "unit_id": bank.unit.id,
        "member_id": bank.member.id,
        "member_seq": 1,
        "kind": "deposit",
        "amount": 1000,
        "balance_after": 1000,
        "idempotency_key": "raw",
        "created_by_id": bank.operator.id,
        "created_at": "2026-01-01 00:00:00",
    }
    row.update(values)
    columns = ", ".join(row)
    params = ", ".join(f":{name}" for name in row)
    with db.engine.begin() as conn:
        return conn.execute(
            text(f"INSERT INTO wastebank_entry ({columns}) VALUES ({params}) RETURNING id"),  # noqa: S608
            row,
        ).scalar_one()


@pytest.mark.parametrize(
    "values",
    [
        {"kind": "withdrawal", "amount": 1000},  # a withdrawal that credits
        {"kind": "deposit", "amount": -1000, "balance_after": 0},  # a deposit that debits
        {"balance_after": -1},  # a balance below zero
        {"kind": "sale"},  # a sale with a member's balance
        {"kind": "correction"},  # a correction reversing nothing, with no reason
        {"kind": "gift"},
        {"member_seq": 0},
    ],
)
def test_the_database_refuses_entries_of_the_wrong_shape(bank, values):
    with pytest.raises(DBAPIError):
        _insert(bank, **values)
    assert count(Entry) == 0


def test_the_database_refuses_bad_lines_and_a_second_entry_at_the_same_place(bank):
    entry_id = _insert(bank)
    with pytest.raises(DBAPIError):
        _insert(bank, idempotency_key="other")  # same member_seq: a forked balance
    line = {
        "kelurahan_id": bank.unit.kelurahan_id,
        "entry_id": entry_id,
        "waste_type_id": bank.paper.id,
        "grams": 400,
        "direction": 1,
        "price_per_kg": 2500,
        "value": 1000,
    }
    insert = text(
        "INSERT INTO wastebank_entry_line (kelurahan_id, entry_id, waste_type_id, grams, "
        "direction, price_per_kg, value) VALUES (:kelurahan_id, :entry_id, :waste_type_id, "
        ":grams, :direction, :price_per_kg, :value)"
    )
    for bad in ({"grams": 0}, {"grams": -400}, {"price_per_kg": -1}, {"direction": 2}):
        with pytest.raises(DBAPIError), db.engine.begin() as conn:
            conn.execute(insert, {**line, **bad})
    with db.engine.begin() as conn:
        conn.execute(insert, line)
    assert count(EntryLine) == 1


def test_the_database_refuses_a_negative_price(bank):
    with pytest.raises(DBAPIError), db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO wastebank_price_period (kelurahan_id, waste_type_id, buy_per_kg, "
                "sell_per_kg, valid_from, created_at) VALUES (:k, :t, -1, 100, '2030-01-01', "
                "'2026-01-01 00:00:00')"
            ),
            {"k": bank.unit.kelurahan_id, "t": bank.paper.id},
        )


def test_every_post_is_one_transaction(bank, monkeypatch):
    """A failure after the entry is flushed (here: telling the member) leaves nothing."""

    def broken(*args, **kwargs):
        raise RuntimeError("notification store down")

    resident_member = make_member(bank.unit, user=make_operator())
    monkeypatch.setattr(ledger, "notify", broken)
    with pytest.raises(RuntimeError):
        deposit(bank, [(bank.paper, 1000)], "k", member=resident_member)
    assert count(Entry) == 0 and count(EntryLine) == 0
    assert db.session.scalar(select(Entry.id)) is None
