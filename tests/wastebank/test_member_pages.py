"""Members: the operator adds them (unique numbers, linked accounts), and a member reads
their own balance, history and receipts, and asks for a withdrawal; nobody else's."""

from __future__ import annotations

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
from plugins.wastebank.models import Entry, Member, WithdrawalRequest


@pytest.fixture(autouse=True)
def wastebank_on(app):
    switch_on(app, "kauman", "medono")


def deposit(client, unit, member, *rows):
    url = f"{base(unit)}/nasabah/{member.id}/setoran"
    token = token_of(text(client.get(url)))
    response = client.post(url, data={"submission_token": token, **lines(*rows)})
    assert response.status_code == 302, text(response)
    return response.headers["Location"]


# -- adding members -----------------------------------------------------------------------------


def test_duplicate_number_is_refused_keeping_the_input(client):
    unit = make_unit("kauman")
    make_member(unit, "015", "Bu Ani")
    act_as(client, add_operator(unit))
    url = f"{base(unit)}/nasabah/baru"
    token = token_of(text(client.get(url)))
    response = client.post(
        url, data={"submission_token": token, "number": "015", "name": "Pak Joko"}
    )
    assert response.status_code == 422
    page = text(response)
    assert "Nomor nasabah 015 sudah dipakai di unit ini" in page
    assert 'value="Pak Joko"' in page
    assert count(Member) == 1
    # The same number in another unit is fine.
    other = make_unit("kauman")
    act_as(client, add_operator(other))
    url = f"{base(other)}/nasabah/baru"
    token = token_of(text(client.get(url)))
    ok = client.post(url, data={"submission_token": token, "number": "015", "name": "Pak Joko"})
    assert ok.status_code == 302


def test_member_linked_to_an_account_of_this_kelurahan_only(client, factory):
    unit = make_unit("kauman")
    act_as(client, add_operator(unit))
    here = factory.user("warga", "kauman", email="sri@contoh.id")
    factory.user("warga", "medono", email="jauh@contoh.id")
    url = f"{base(unit)}/nasabah/baru"
    token = token_of(text(client.get(url)))
    refused = client.post(
        url,
        data={
            "submission_token": token,
            "number": "1",
            "name": "Bu Jauh",
            "account": "jauh@contoh.id",
        },
    )
    assert refused.status_code == 422
    assert "Tidak ada akun warga kelurahan ini" in text(refused)
    bad_phone = client.post(
        url, data={"submission_token": token, "number": "1", "name": "Bu Sri", "phone": "12345"}
    )
    assert "Nomor HP tidak valid" in text(bad_phone)
    ok = client.post(
        url,
        data={
            "submission_token": token,
            "number": "1",
            "name": "Bu Sri",
            "account": "SRI@contoh.id",
            "phone": "0812-3456-7890",
        },
    )
    assert ok.status_code == 302
    member = _db.session.execute(select(Member)).scalar_one()
    assert member.user_id == here.id and member.phone == "+6281234567890"


def test_search_by_number_or_name(client):
    unit = make_unit("kauman")
    make_member(unit, "101", "Bu Wati")
    make_member(unit, "102", "Pak Slamet")
    act_as(client, add_operator(unit))
    page = text(client.get(f"{base(unit)}/nasabah?q=slam"))
    assert "Pak Slamet" in page and "Bu Wati" not in page
    page = text(client.get(f"{base(unit)}/nasabah?q=101"))
    assert "Bu Wati" in page and "Pak Slamet" not in page
    assert "Tidak ada nasabah" in text(client.get(f"{base(unit)}/nasabah?q=%25_"))


# -- the member's own book ---------------------------------------------------------------------


def test_member_reads_balance_history_receipt_and_kg(client, factory):
    unit = make_unit("kauman")
    paper = make_type(unit, "Kertas / kardus", buy=2000)
    resident = factory.user("warga", "kauman")
    mine = make_member(unit, "003", "Bu Sri", user=resident)
    someone = make_member(unit, "004", "Pak Lain")
    act_as(client, add_operator(unit))
    receipt = deposit(client, unit, mine, (paper, "2,5"))
    deposit(client, unit, someone, (paper, "1"))
    entries = {e.member_id: e for e in _db.session.execute(select(Entry)).scalars()}

    act_as(client, resident)
    page = text(client.get("/k/kauman/bank-sampah/saya"))
    assert "Rp 5.000" in page and "2,5 kg" in page and "Pak Lain" not in page
    # The impact estimate uses the kelurahan's factor (1,0 by default) and names its source.
    assert "2,5 kg CO₂e" in page and "Sumber faktor" in page
    own = client.get(f"/k/kauman/bank-sampah/saya/transaksi/{entries[mine.id].id}")
    assert own.status_code == 200 and "Rp 5.000" in text(own)
    assert (
        client.get(f"/k/kauman/bank-sampah/saya/transaksi/{entries[someone.id].id}").status_code
        == 404
    )
    # The operator's pages stay closed to the member.
    assert client.get(receipt).status_code == 404


def test_resident_without_a_book_is_told_how_to_get_one(client, login_as):
    login_as("warga", "kauman")
    response = client.get("/k/kauman/bank-sampah/saya")
    assert response.status_code == 200
    assert "belum terhubung" in text(response)


def test_member_asks_for_a_withdrawal_and_the_operator_pays_it(client, factory):
    unit = make_unit("kauman")
    paper = make_type(unit, "Kertas / kardus", buy=2000)
    resident = factory.user("warga", "kauman")
    member = make_member(unit, "009", "Bu Nur", user=resident)
    operator = add_operator(unit)
    act_as(client, operator)
    deposit(client, unit, member, (paper, "5"))  # Rp 10.000

    act_as(client, resident)
    page = text(client.get("/k/kauman/bank-sampah/saya"))
    too_much = client.post(
        "/k/kauman/bank-sampah/saya/penarikan",
        data={"submission_token": token_of(page), "buku": str(member.id), "amount": "20000"},
    )
    assert too_much.status_code == 422 and "Saldo tidak cukup" in text(too_much)
    assert "Sumber faktor" in text(too_much)  # the refused form keeps the impact's source
    ok = client.post(
        "/k/kauman/bank-sampah/saya/penarikan",
        data={"submission_token": token_of(page), "buku": str(member.id), "amount": "6000"},
    )
    assert ok.status_code == 302
    assert count(WithdrawalRequest) == 1

    act_as(client, operator)
    listing = text(client.get(f"{base(unit)}/permintaan"))
    assert "Bu Nur" in listing and "Rp 6.000" in listing
    request_row = _db.session.execute(select(WithdrawalRequest)).scalar_one()
    paid = client.post(f"{base(unit)}/permintaan/{request_row.id}/bayar")
    assert paid.status_code == 302
    assert ledger.balance(member) == 4000
    _db.session.refresh(request_row)
    assert request_row.status == "dibayar"
    # Paying twice posts nothing more.
    client.post(f"{base(unit)}/permintaan/{request_row.id}/bayar")
    assert ledger.balance(member) == 4000


def test_staff_see_no_members_book(client, factory):
    unit = make_unit("kauman")
    member = make_member(unit, "001", "Bu Sri")
    act_as(client, factory.user("petugas", "kauman"))
    assert client.get(f"{base(unit)}/nasabah/{member.id}").status_code == 404
    assert client.get(f"{base(unit)}/nasabah").status_code == 404


def test_forms_refuse_a_post_without_csrf_token(app, client):
    unit = make_unit("kauman")
    member = make_member(unit)
    paper = make_type(unit, "Kertas")
    act_as(client, add_operator(unit))
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(f"{base(unit)}/nasabah/{member.id}/setoran", data=lines((paper, "1")))
    assert response.status_code == 400
    response = client.post(f"{base(unit)}/nasabah/{member.id}/penarikan", data={"amount": "1"})
    assert response.status_code == 400
    assert count(Entry) == 0


def _waiting_request(member, amount: int = 3000) -> WithdrawalRequest:
    found = WithdrawalRequest(
        kelurahan_id=member.kelurahan_id,
        member_id=member.id,
        amount=amount,
        requested_by_id=member.user_id,
    )
    _db.session.add(found)
    _db.session.commit()
    return found


def test_member_takes_back_a_waiting_request_and_nobody_else_can(client, factory):
    unit = make_unit("kauman")
    resident = factory.user("warga", "kauman")
    member = make_member(unit, "009", "Bu Nur", user=resident)
    found = _waiting_request(member)
    cancel = f"/k/kauman/bank-sampah/saya/penarikan/{found.id}/batal"

    act_as(client, factory.user("warga", "kauman"))  # a neighbour
    assert client.post(cancel).status_code == 404
    act_as(client, resident)
    page = text(client.get("/k/kauman/bank-sampah/saya"))
    assert "menunggu dibayar operator" in page and f'action="{cancel}"' in page
    answer = client.post(cancel, follow_redirects=True)
    assert "Permintaan penarikan dibatalkan." in text(answer)
    assert "menunggu dibayar operator" not in text(answer)
    _db.session.refresh(found)
    assert found.status == "dibatalkan" and found.decided_at is not None

    operator = add_operator(unit)
    act_as(client, operator)
    assert "Bu Nur" not in text(client.get(f"{base(unit)}/permintaan"))
    client.post(f"{base(unit)}/permintaan/{found.id}/bayar")  # a stale list, a late tap
    assert count(Entry) == 0  # nothing paid out of a cancelled request


def test_operator_closes_a_request_unpaid_with_an_audit_entry(client, factory):
    from app.models import AuditEntry

    unit = make_unit("kauman")
    member = make_member(unit, "009", "Bu Nur", user=factory.user("warga", "kauman"))
    found = _waiting_request(member, 5000)
    act_as(client, add_operator(unit))
    listing = text(client.get(f"{base(unit)}/permintaan"))
    assert f'action="{base(unit)}/permintaan/{found.id}/batal"' in listing
    assert client.post(f"{base(unit)}/permintaan/{found.id}/batal").status_code == 302
    _db.session.refresh(found)
    assert found.status == "dibatalkan"
    entry = _db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "wastebank.request_cancelled")
    ).scalar_one()
    assert entry.before["amount"] == 5000
    # Cancelling again changes nothing and records nothing more.
    again = client.post(f"{base(unit)}/permintaan/{found.id}/batal", follow_redirects=True)
    assert "sudah diproses" in text(again)
    assert count(AuditEntry, AuditEntry.action == "wastebank.request_cancelled") == 1
    # Another unit's operator does not find it.
    other = make_unit("kauman")
    act_as(client, add_operator(other))
    assert client.post(f"{base(other)}/permintaan/{found.id}/batal").status_code == 404
