"""The operator's pages: who reaches a unit (and who gets a 404), deposits with their
Indonesian answers to bad input, idempotent posting, withdrawals, sales, corrections and
receipts. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from conftest import act_as, count
from sqlalchemy import select
from ui_helpers import (
    add_operator,
    base,
    lines,
    make_member,
    make_type,
    make_unit,
    switch_on,
    text,
    token_of,
)

from app.extensions import db as _db
from plugins.wastebank import ledger
from plugins.wastebank.models import Entry, Member


@pytest.fixture(autouse=True)
def wastebank_on(app):
    switch_on(app, "kauman", "medono")


@pytest.fixture
def bank(factory):
    """A unit with two priced types, one unpriced type, a member and a signed-in operator."""
    unit = make_unit("kauman")
    paper = make_type(unit, "Kertas / kardus", buy=2000, sell=2600)
    pet = make_type(unit, "Plastik PET", buy=3500, sell=4200)
    glass = make_type(unit, "Kaca", buy=None)
    member = make_member(unit, "007", "Bu Sri")
    operator = add_operator(unit)
    return type("Bank", (), locals())


def deposit_url(bank, member=None):
    return f"{base(bank.unit)}/nasabah/{(member or bank.member).id}/setoran"


def post_deposit(client, bank, *rows, member=None, token=None):
    url = deposit_url(bank, member)
    token = token or token_of(text(client.get(url)))
    return client.post(url, data={"submission_token": token, **lines(*rows)})


# -- who may ------------------------------------------------------------------------------------


def test_operator_and_leader_run_the_unit_others_get_404(client, bank, factory, login_as):
    act_as(client, bank.operator)
    assert client.get(base(bank.unit)).status_code == 200
    leader = bank.unit.group.members[0].user_id
    act_as(client, _db.session.get(type(bank.operator), leader))
    assert client.get(base(bank.unit)).status_code == 200

    # An ordinary member of the group (anggota), a resident and kelurahan staff: 404.
    member_of_group = add_operator(bank.unit, role="anggota")
    for user in (member_of_group, factory.user("warga"), factory.user("petugas")):
        act_as(client, user)
        assert client.get(base(bank.unit)).status_code == 404
        assert client.get(deposit_url(bank)).status_code == 404


def test_signed_out_visitor_is_sent_to_sign_in(client, bank):
    response = client.get(base(bank.unit))
    assert response.status_code in (302, 401)


def test_operator_of_another_unit_sees_nothing_of_this_one(client, bank):
    other = make_unit("kauman")
    other_operator = add_operator(other)
    act_as(client, other_operator)
    assert client.get(base(bank.unit)).status_code == 404
    assert client.get(f"{base(bank.unit)}/nasabah").status_code == 404
    # This unit's member through the other unit's URL: absent, and nothing is posted.
    url = f"{base(other)}/nasabah/{bank.member.id}/setoran"
    assert client.get(url).status_code == 404
    response = client.post(url, data=lines((bank.paper, "1")))
    assert response.status_code == 404
    assert count(Entry) == 0


def test_another_kelurahan_url_answers_404(client, bank):
    act_as(client, bank.operator)
    foreign = base(bank.unit).replace("/k/kauman/", "/k/medono/")
    assert client.get(foreign).status_code == 404
    assert (
        client.get(
            foreign.replace(f"/unit/{bank.unit.id}", "") + "/kartu/" + bank.member.card_token
        ).status_code
        == 404
    )


# -- deposits -----------------------------------------------------------------------------------


def test_deposit_of_mixed_types_posts_once_and_prints_a_receipt(client, bank):
    act_as(client, bank.operator)
    response = post_deposit(client, bank, (bank.paper, "1,250"), (bank.pet, "0.5"))
    assert response.status_code == 302
    entry = _db.session.execute(select(Entry)).scalar_one()
    assert entry.kind == "deposit" and entry.member_id == bank.member.id
    # 1,25 kg × 2000 = 2500; 0,5 kg × 3500 = 1750.
    assert entry.amount == 4250
    assert sorted(line.grams for line in entry.lines) == [500, 1250]
    receipt = client.get(response.headers["Location"])
    page = text(receipt)
    assert "Rp 4.250" in page and "1,25 kg" in page and "Bu Sri" in page
    assert "Kertas / kardus" in page and "Plastik PET" in page
    assert ledger.balance(bank.member) == 4250


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0", "lebih dari 0"),
        ("-2", "tidak boleh negatif"),
        ("1,2345", "3 angka di belakang koma"),
        ("satu", "Tulis berat dalam kg"),
    ],
)
def test_bad_weights_are_refused_in_indonesian_keeping_the_input(client, bank, typed, message):
    act_as(client, bank.operator)
    response = post_deposit(client, bank, (bank.paper, "2"), (bank.pet, typed))
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert f'value="{typed}"' in page  # what was typed stays
    assert 'value="2"' in page
    assert count(Entry) == 0


def test_type_without_price_today_is_named(client, bank):
    act_as(client, bank.operator)
    response = post_deposit(client, bank, (bank.glass, "3"))
    assert response.status_code == 422
    assert "Kaca belum punya harga untuk hari ini" in text(response)
    assert count(Entry) == 0


def test_empty_deposit_and_half_filled_rows_are_explained(client, bank):
    act_as(client, bank.operator)
    assert "paling sedikit satu baris" in text(post_deposit(client, bank))
    page = text(post_deposit(client, bank, ("", "1,5")))
    assert "Pilih jenis sampah" in page
    page = text(post_deposit(client, bank, (bank.paper, "")))
    assert "Isi beratnya" in page
    assert count(Entry) == 0


def test_double_submit_and_retry_record_one_deposit(client, bank):
    act_as(client, bank.operator)
    token = token_of(text(client.get(deposit_url(bank))))
    first = post_deposit(client, bank, (bank.paper, "2"), token=token)
    again = post_deposit(client, bank, (bank.paper, "2"), token=token)
    assert first.status_code == 302 and again.status_code in (302, 303)
    assert again.headers["Location"] == first.headers["Location"]
    assert count(Entry) == 1
    assert ledger.balance(bank.member) == 4000


def test_more_rows_without_javascript_keeps_what_was_typed(client, bank):
    act_as(client, bank.operator)
    url = deposit_url(bank)
    token = token_of(text(client.get(url)))
    response = client.post(
        url, data={"submission_token": token, "add_rows": "1", **lines((bank.paper, "1,5"))}
    )
    page = text(response)
    assert response.status_code == 200
    assert 'name="lines-8-kg"' in page  # 6 rows + 3
    assert 'value="1,5"' in page
    assert count(Entry) == 0


# -- withdrawals --------------------------------------------------------------------------------


def test_withdrawal_above_the_balance_is_refused_and_shows_the_balance(client, bank):
    act_as(client, bank.operator)
    post_deposit(client, bank, (bank.paper, "5"))  # Rp 10.000
    url = f"{base(bank.unit)}/nasabah/{bank.member.id}/penarikan"
    page = text(client.get(url))
    assert "Rp 10.000" in page
    response = client.post(url, data={"submission_token": token_of(page), "amount": "12.000"})
    assert response.status_code == 422
    assert "Saldo tidak cukup" in text(response) and "Rp 10.000" in text(response)
    assert 'value="12.000"' in text(response)
    ok = client.post(url, data={"submission_token": token_of(page), "amount": "7.500"})
    assert ok.status_code == 302
    assert ledger.balance(bank.member) == 2500
    assert "Rp 2.500" in text(client.get(ok.headers["Location"]))


@pytest.mark.parametrize(
    ("typed", "message"), [("0", "lebih dari 0"), ("-5", "negatif"), ("1,5", "tanpa desimal")]
)
def test_bad_withdrawal_amounts(client, bank, typed, message):
    act_as(client, bank.operator)
    url = f"{base(bank.unit)}/nasabah/{bank.member.id}/penarikan"
    response = client.post(url, data={"amount": typed})
    assert response.status_code == 422 and message in text(response)


# -- sales and corrections ---------------------------------------------------------------------


def test_sale_shows_stock_and_refuses_more_than_held(client, bank):
    act_as(client, bank.operator)
    post_deposit(client, bank, (bank.paper, "4"))
    url = f"{base(bank.unit)}/penjualan"
    page = text(client.get(url))
    assert "4 kg" in page
    too_much = client.post(
        url,
        data={
            "submission_token": token_of(page),
            "collector": "Pak Darto",
            **lines((bank.paper, "5")),
        },
    )
    assert too_much.status_code == 422
    assert 'value="5"' in text(too_much) and "Pak Darto" in text(too_much)
    ok = client.post(
        url,
        data={
            "submission_token": token_of(page),
            "collector": "Pak Darto",
            **lines((bank.paper, "3")),
        },
    )
    assert ok.status_code == 302
    sale = _db.session.execute(select(Entry).where(Entry.kind == "sale")).scalar_one()
    assert sale.amount == 3 * 2600 and sale.collector == "Pak Darto"
    assert ledger.stock(bank.unit)[bank.paper.id] == 1000


def test_correction_needs_a_reason_and_shows_in_both_histories(client, bank):
    act_as(client, bank.operator)
    posted = post_deposit(client, bank, (bank.paper, "10"))
    receipt_url = posted.headers["Location"]
    entry = _db.session.execute(select(Entry)).scalar_one()
    page = text(client.get(receipt_url))
    correct_url = f"{base(bank.unit)}/transaksi/{entry.id}/koreksi"
    refused = client.post(
        correct_url, data={"submission_token": token_of(page), "reason": "", "confirm": "y"}
    )
    assert refused.status_code == 422 and "Tulis alasan koreksi" in text(refused)
    done = client.post(
        correct_url,
        data={
            "submission_token": token_of(page),
            "reason": "Salah timbang, harusnya 1 kg",
            "confirm": "y",
        },
    )
    assert done.status_code == 302
    correction = _db.session.execute(select(Entry).where(Entry.kind == "correction")).scalar_one()
    assert correction.reverses_id == entry.id and correction.amount == -entry.amount
    assert ledger.balance(bank.member) == 0
    book = text(client.get(f"{base(bank.unit)}/nasabah/{bank.member.id}"))
    assert f"membatalkan #{entry.id}" in book and f"dikoreksi oleh #{correction.id}" in book
    original = text(client.get(receipt_url))
    assert "Salah timbang" in original and "Koreksi transaksi ini" not in original


def test_hostile_names_are_escaped_on_receipts(client, bank):
    hostile = make_member(bank.unit, "666", '<script>alert("x")</script>')
    act_as(client, bank.operator)
    response = post_deposit(client, bank, (bank.paper, "1"), member=hostile)
    page = text(client.get(response.headers["Location"]))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page


def test_receipt_has_a_58mm_variant_and_print_css(client, bank):
    act_as(client, bank.operator)
    url = post_deposit(client, bank, (bank.paper, "1")).headers["Location"]
    receipt = text(client.get(url))
    assert "wb-thermal" not in receipt
    assert bank.unit.name in receipt and "Bank sampah Bank Sampah" not in receipt  # 58 mm is narrow
    assert "wb-thermal" in text(client.get(url + "?cetak=58"))
    css = text(client.get("/k/kauman/bank-sampah/static/wastebank.css"))
    assert "@media print" in css and "58mm" in css


def test_entry_of_another_unit_is_404(client, bank):
    act_as(client, bank.operator)
    post_deposit(client, bank, (bank.paper, "1"))
    entry = _db.session.execute(select(Entry)).scalar_one()
    other = make_unit("kauman")
    act_as(client, add_operator(other))
    assert client.get(f"{base(other)}/transaksi/{entry.id}").status_code == 404
    assert (
        client.post(
            f"{base(other)}/transaksi/{entry.id}/koreksi", data={"reason": "xxxxx"}
        ).status_code
        == 404
    )


def test_member_list_and_book_cost_the_same_queries_as_they_grow(client, bank):
    from conftest import StatementCounter

    act_as(client, bank.operator)

    def cost(url: str) -> int:
        with StatementCounter() as counter:
            assert client.get(url).status_code == 200
        return counter.n

    book = f"{base(bank.unit)}/nasabah/{bank.member.id}"
    post_deposit(client, bank, (bank.paper, "1"))
    small = (cost(f"{base(bank.unit)}/nasabah"), cost(book), cost(base(bank.unit)))
    for n in range(12):
        make_member(bank.unit, f"2{n:02d}")
        post_deposit(client, bank, (bank.paper, "1"), (bank.pet, "0,5"))
    large = (cost(f"{base(bank.unit)}/nasabah"), cost(book), cost(base(bank.unit)))
    assert large == small


def test_a_long_book_pages_newest_first_and_shows_its_corrections(client, bank):
    act_as(client, bank.operator)
    member = _db.session.get(Member, bank.member.id)
    first = None
    for n in range(22):
        entry = ledger.post_deposit(member, [(bank.paper, 1000 + n)], bank.operator, f"k{n}")
        first = first or entry
    ledger.post_correction(first, "Salah timbang", bank.operator, "fix")  # entry 23
    book = f"{base(bank.unit)}/nasabah/{member.id}"

    page_one = text(client.get(book))
    ids = re.findall(r'/transaksi/(\d+)"', page_one)
    assert len(ids) == 20 and int(ids[0]) > int(ids[-1])  # the correction first
    assert "Halaman 1 dari 2" in page_one and 'rel="next"' in page_one

    page_two = text(client.get(f"{book}?page=2"))
    older = re.findall(r'/transaksi/(\d+)"', page_two)
    assert len(older) == 3 and int(older[-1]) == first.id
    assert "dikoreksi oleh #" in page_two and 'rel="prev"' in page_two
    assert not set(ids) & set(older)
    assert "Belum ada transaksi" in text(client.get(f"{book}?page=3"))
