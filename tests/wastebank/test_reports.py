"""The waste bank's reports: kg per month and type, active members, cash flow and margin,
every member's balance for the unit's operators, aggregates for kelurahan staff, CSV exports,
and a fixed number of queries however long the ledger grows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from conftest import StatementCounter, act_as, make_user
from ui_helpers import add_operator, make_type, make_unit, switch_on

from app.extensions import db as _db
from app.models import utcnow
from plugins.wastebank import ledger, pricing, reports
from plugins.wastebank.models import Member

NOW = datetime(2026, 5, 20, 5, 0, tzinfo=UTC)  # 12.00 WIB


def at(day: str, hour: int = 1) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def member(unit, name: str, number: str) -> Member:
    m = Member(kelurahan_id=unit.kelurahan_id, unit_id=unit.id, number=number, name=name)
    _db.session.add(m)
    _db.session.commit()
    return m


@pytest.fixture(autouse=True)
def wastebank_on(app):
    switch_on(app, "kauman", "medono")


@pytest.fixture
def bank(app):
    """A Kauman unit with two members, April and May 2026 of ledger (see each test)."""
    unit = make_unit("kauman", name="Bank Sampah Kenanga")
    operator = add_operator(unit)
    kardus = make_type(unit, "Kardus", buy=1000, sell=1500)
    pet = make_type(unit, "Botol PET", buy=2000, sell=3000)
    # Cardboard goes up on 10 May: April's deposits keep 1000, the May sale costs 1200.
    pricing.set_price(kardus, 1200, 1700, date(2026, 5, 10), operator)
    siti, budi = member(unit, "Siti Aminah", "001"), member(unit, "Budi Santoso", "002")
    ledger.post_deposit(siti, [(kardus, 2500), (pet, 1000)], operator, "d1", at=at("2026-04-12"))
    reversed_later = ledger.post_deposit(budi, [(pet, 500)], operator, "d2", at=at("2026-04-20"))
    ledger.post_deposit(budi, [(kardus, 1250)], operator, "d3", at=at("2026-05-12"))
    ledger.post_correction(reversed_later, "Salah nasabah", operator, "c1", at=at("2026-05-14"))
    ledger.post_withdrawal(siti, 3000, operator, "w1", at=at("2026-05-14", 2))
    ledger.post_sale(unit, [(kardus, 3000)], "Pak Darsono", operator, "s1", at=at("2026-05-15"))
    return {"unit": unit, "operator": operator, "kardus": kardus, "pet": pet, "siti": siti}


def by_label(report):
    return {m.start.astimezone(reports.WIB).strftime("%Y-%m"): m for m in report.months}


def test_months_kg_by_type_cash_flow_and_margin(app, factory, bank):
    kardus, pet = bank["kardus"], bank["pet"]
    report = reports.compute(factory.kelurahan("kauman"), bank["unit"], now=NOW)
    months = by_label(report)
    assert len(report.months) == 12 and report.months[-1] is months["2026-05"]
    april, may = months["2026-04"], months["2026-05"]
    # April: Siti's deposit; Budi's was reversed in May and drops out of April itself.
    assert april.grams_in == 3500
    assert april.grams_by_type == {kardus.id: 2500, pet.id: 1000}
    assert april.deposits == 2500 + 2000
    assert april.active_members == 1
    # May: Budi's cardboard at the new price, the withdrawal and the sale.
    assert may.grams_in == 1250 and may.grams_by_type == {kardus.id: 1250}
    assert may.deposits == 1500
    assert may.withdrawals == 3000
    assert may.grams_sold == 3000
    assert may.sales == 3 * 1700
    assert may.sold_buy_value == 3 * 1200  # the buying price on the day of the sale
    assert may.margin == 1500
    assert may.active_members == 1
    assert months["2026-03"].grams_in == 0 and months["2026-03"].deposits == 0
    assert report.active_members == 2 and report.members == 2 and report.units == 1
    assert [t.name for t in report.types] == ["Kardus", "Botol PET"]
    assert {t.name: t.grams for t in report.types} == {"Kardus": 3750, "Botol PET": 1000}
    # The figures agree with the ledger: what members hold is deposits − withdrawals.
    balances = ledger.balances(bank["unit"])
    assert sum(balances.values()) == report.total.deposits - report.total.withdrawals
    assert ledger.stock(bank["unit"])[kardus.id] == 3750 - 3000


def test_kelurahan_report_adds_up_its_units_and_nothing_of_others(app, factory, bank):
    other = make_unit("kauman", name="Bank Sampah Melati")
    op = add_operator(other)
    kardus = make_type(other, "Kardus", buy=900, sell=1400)
    ledger.post_deposit(member(other, "Ani", "A1"), [(kardus, 2000)], op, "o1", at=at("2026-05-02"))
    far = make_unit("medono")
    far_type = make_type(far, "Kardus")
    ledger.post_deposit(
        member(far, "Jauh", "M1"), [(far_type, 9000)], add_operator(far), "f1", at=at("2026-05-02")
    )
    report = reports.compute(factory.kelurahan("kauman"), now=NOW)
    may = by_label(report)["2026-05"]
    assert may.grams_in == 1250 + 2000 and may.deposits == 1500 + 1800
    # Types of the same name across units are one column.
    assert [t.name for t in report.types] == ["Kardus", "Botol PET"]
    assert report.units == 2 and report.members == 3 and report.active_members == 3


def test_operator_page_shows_charts_tables_and_every_balance(app, client, bank):
    act_as(client, bank["operator"])
    unit = bank["unit"]
    page = client.get(f"/k/kauman/bank-sampah/unit/{unit.id}/laporan")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Laporan Bank Sampah Kenanga" in html
    assert 'id="table-kg"' in html and 'id="table-cash"' in html
    assert "<svg" in html and 'aria-hidden="true"' in html  # charts, with the tables for all
    assert 'id="table-balances"' in html
    balances = ledger.balances(unit)
    siti = bank["siti"]
    assert f'id="balance-{siti.id}"' in html
    assert "Siti Aminah" in html and f"Rp {balances[siti.id]:,}".replace(",", ".") in html


def test_staff_see_aggregates_without_balances(app, client, login_as, bank):
    login_as("petugas", "kauman")
    unit = bank["unit"]
    page = client.get(f"/k/kauman/bank-sampah/unit/{unit.id}/laporan").get_data(as_text=True)
    assert 'id="table-kg"' in page and 'id="table-cash"' in page
    assert 'id="table-balances"' not in page and "Siti Aminah" not in page
    assert client.get(f"/k/kauman/bank-sampah/unit/{unit.id}/laporan/saldo.csv").status_code == 404
    overview = client.get("/k/kauman/bank-sampah/laporan")
    assert overview.status_code == 200
    html = overview.get_data(as_text=True)
    assert "Laporan bank sampah kelurahan" in html and "Bank Sampah Kenanga" in html
    assert "Siti Aminah" not in html


def test_who_may_not_see_a_report_gets_404(app, client, login_as, bank):
    unit = bank["unit"]
    url = f"/k/kauman/bank-sampah/unit/{unit.id}/laporan"
    assert client.get(url).status_code == 302  # sign in first
    login_as("warga", "kauman")
    assert client.get(url).status_code == 404
    assert client.get("/k/kauman/bank-sampah/laporan").status_code == 404
    assert client.get("/k/kauman/bank-sampah/laporan/bulanan.csv").status_code == 404
    # An operator of another unit sees only their own.
    other = make_unit("kauman")
    act_as(client, add_operator(other))
    assert client.get(url).status_code == 404
    assert client.get(f"{url}/saldo.csv").status_code == 404
    landing = client.get("/k/kauman/bank-sampah/laporan")
    assert landing.status_code == 302
    assert landing.headers["Location"].endswith(f"/unit/{other.id}/laporan")
    # Another kelurahan's staff, and hostile ids.
    login_as("petugas", "medono")
    assert client.get(url.replace("kauman", "medono")).status_code == 404
    assert client.get(url).status_code == 404  # no role in Kauman
    for bad in ("abc", "-1", "99999999999999999999999", "1%00"):
        assert client.get(f"/k/kauman/bank-sampah/unit/{bad}/laporan").status_code in (400, 404)


def test_csv_exports(app, client, login_as, bank):
    unit = bank["unit"]
    siti = bank["siti"]
    siti.name = '=HYPERLINK("http://jahat.example")'
    _db.session.commit()
    # Post one deposit this month so the page's own 12 months include it.
    ledger.post_deposit(siti, [(bank["pet"], 1500)], bank["operator"], "now-1", at=utcnow())
    act_as(client, bank["operator"])
    response = client.get(f"/k/kauman/bank-sampah/unit/{unit.id}/laporan/bulanan.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 12
    assert rows[-1]["kg_Botol PET"] == "1.5" and rows[-1]["setoran_rp"] == "3000"
    assert set(rows[0]) >= {"bulan", "kg_setoran", "penarikan_rp", "penjualan_rp", "margin_rp"}

    response = client.get(f"/k/kauman/bank-sampah/unit/{unit.id}/laporan/saldo.csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    by_number = {row["nomor"]: row for row in rows}
    assert by_number["001"]["nama"].startswith("'=")  # formula neutralised by the core writer
    assert int(by_number["001"]["saldo_rp"]) == ledger.balance(siti)
    assert sum(int(r["saldo_rp"]) for r in rows) == sum(ledger.balances(unit).values())

    login_as("petugas", "kauman")
    response = client.get("/k/kauman/bank-sampah/laporan/bulanan.csv")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "HYPERLINK" not in text and "saldo" not in text.splitlines()[0]


def _grow(unit, operator, types, members: int, deposits: int, tag: str) -> None:
    people = [member(unit, f"Nasabah {tag}{i}", f"{tag}{i:03d}") for i in range(members)]
    start = utcnow() - timedelta(days=300)
    for i in range(deposits):
        who = people[i % len(people)]
        lines = [(types[i % len(types)], 1000 + i)]
        ledger.post_deposit(who, lines, operator, f"{tag}-{i}", at=start + timedelta(days=i))
    ledger.post_sale(unit, [(types[0], 1000)], "Pengepul", operator, f"{tag}-sale", at=utcnow())


def test_report_pages_run_a_fixed_number_of_queries(app, client, login_as):
    unit = make_unit("kauman")
    operator = add_operator(unit)
    types = [make_type(unit, "Kardus"), make_type(unit, "PET")]
    _grow(unit, operator, types, members=2, deposits=4, tag="a")
    url = f"/k/kauman/bank-sampah/unit/{unit.id}/laporan"
    act_as(client, operator)
    client.get(url)  # warm the caches of the menu and settings

    def statements() -> int:
        with StatementCounter() as counter:
            assert client.get(url).status_code == 200
        return counter.n

    small = statements()
    types.append(make_type(unit, "Kaleng"))
    _grow(unit, operator, types, members=6, deposits=30, tag="b")
    assert statements() == small
    staff = make_user("petugas", "kauman")
    act_as(client, staff)
    client.get("/k/kauman/bank-sampah/laporan")
    with StatementCounter() as counter:
        client.get("/k/kauman/bank-sampah/laporan")
    few = counter.n
    third = make_unit("kauman")
    _grow(third, add_operator(third), [make_type(third, "Kardus")], members=1, deposits=3, tag="c")
    with StatementCounter() as counter:
        client.get("/k/kauman/bank-sampah/laporan")
    assert counter.n == few


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_report_and_book_reach_ledger_rows_by_index_on_sqlite(app, client):
    """Without statistics, SQLite's planner once looked lines up by their kelurahan (every
    line of it) once per entry, and a large bank's report ran for minutes. Every statement of
    the report and the member book must reach ledger rows through an index on the unit, the
    member or the entry."""
    unit = make_unit("kauman")
    operator = add_operator(unit)
    types = [make_type(unit, "Kardus"), make_type(unit, "PET")]
    _grow(unit, operator, types, members=2, deposits=4, tag="a")
    someone = _db.session.execute(_db.select(Member).where(Member.unit_id == unit.id)).scalar()
    ledger.post_correction(
        ledger.member_history(someone).items[-1], "Salah timbang", operator, "fix"
    )
    act_as(client, operator)
    seen = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "wastebank_entry" in statement:
            seen.append((statement, parameters))

    base = f"/k/kauman/bank-sampah/unit/{unit.id}"
    _db.event.listen(_db.engine, "before_cursor_execute", keep)
    try:
        for url in (f"{base}/laporan", f"{base}/nasabah/{someone.id}"):
            assert client.get(url).status_code == 200
    finally:
        _db.event.remove(_db.engine, "before_cursor_execute", keep)
    assert seen
    with _db.engine.connect() as conn:
        for statement, parameters in seen:
            plan = " | ".join(
                row[3]
                for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            )
            assert "ix_wastebank_entry_line_kelurahan_id" not in plan, (statement, plan)
            assert "SCAN wastebank_entry" not in plan, (statement, plan)


def test_report_without_any_ledger(app, client, factory):
    unit = make_unit("kauman")
    operator = add_operator(unit)
    act_as(client, operator)
    html = client.get(f"/k/kauman/bank-sampah/unit/{unit.id}/laporan").get_data(as_text=True)
    assert 'id="kg-empty"' in html and "Belum ada nasabah." in html
    report = reports.compute(factory.kelurahan("kauman"), unit)
    assert report.total.grams_in == 0 and report.active_members == 0


def test_operator_of_two_units_chooses_one(app, client):
    first = make_unit("kauman", name="Bank Sampah Satu")
    operator = add_operator(first)
    second = make_unit("kauman", name="Bank Sampah Dua")
    add_operator(second, operator)
    act_as(client, operator)
    page = client.get("/k/kauman/bank-sampah/laporan")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for unit in (first, second):
        assert f'href="/k/kauman/bank-sampah/unit/{unit.id}/laporan"' in html
    assert 'id="table-kg"' not in html  # not the kelurahan's aggregate: that is for staff
