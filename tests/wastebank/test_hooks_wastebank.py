"""The waste bank on the platform's shared pages, through its hooks: the menu, the map
layer of units, the home widget, the Smart Environment figures, open data (aggregates only),
staff's "Tugas saya", and what the admin reads before switching it off and in the audit log.

Some tests call the hooks directly, outside any kelurahan's scope, to prove each query names
its kelurahan itself (the city dashboards call them that way)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from conftest import StatementCounter, act_as, make_user
from flask import g
from ui_helpers import add_operator, make_type, make_unit, switch_on

from app.extensions import db as _db
from app.models import Kelurahan, utcnow
from plugins.wastebank import admin_hooks, hooks, ledger, pricing
from plugins.wastebank.models import Member, PricePeriod, WithdrawalRequest


@pytest.fixture(autouse=True)
def wastebank_on(app):
    switch_on(app, "kauman", "medono")


def member(unit, name: str, number: str, **kwargs) -> Member:
    m = Member(kelurahan_id=unit.kelurahan_id, unit_id=unit.id, number=number, name=name, **kwargs)
    _db.session.add(m)
    _db.session.commit()
    return m


@pytest.fixture
def banks(app):
    """A Kauman unit with this month's and an old deposit, and a Medono unit."""
    unit = make_unit("kauman", name="Bank Sampah Kenanga")
    operator = add_operator(unit)
    kardus = make_type(unit, "Kardus", buy=1000, sell=1500)
    siti = member(unit, "Siti Rahasia", "001", phone="+6281299990000")
    ledger.post_deposit(siti, [(kardus, 1250)], operator, "now", at=utcnow())
    ledger.post_deposit(siti, [(kardus, 4000)], operator, "old", at=utcnow() - timedelta(days=120))
    far = make_unit("medono", name="Bank Sampah Medono")
    far_type = make_type(far, "Kardus")
    ledger.post_deposit(
        member(far, "Jauh", "M1"), [(far_type, 7000)], add_operator(far), "far", at=utcnow()
    )
    return {"unit": unit, "operator": operator, "kardus": kardus, "siti": siti, "far": far}


def kelurahan(slug: str) -> Kelurahan:
    return _db.session.execute(_db.select(Kelurahan).where(Kelurahan.slug == slug)).scalar_one()


def test_menu_links_the_waste_bank(client):
    page = client.get("/k/kauman/").get_data(as_text=True)
    assert 'href="/k/kauman/bank-sampah/"' in page


def test_map_layer_shows_units_with_their_opening_days(client, banks):
    data = client.get("/k/kauman/peta/wastebank-units.geojson").get_json()
    names = {f["properties"]["name"] for f in data["features"]}
    assert names == {"Bank Sampah Kenanga"}  # nothing of Medono
    props = data["features"][0]["properties"]
    assert props["opening_days"] == "Selasa dan Sabtu" and props["address"].startswith("Jl.")
    assert "Siti" not in str(data)


def test_home_widget_shows_this_months_kg(client, banks):
    page = client.get("/k/kauman/").get_data(as_text=True)
    widget = page[page.index('id="wastebank-month-kg"') :]
    assert widget.startswith('id="wastebank-month-kg">1,25 kg<')  # not the old 4 kg, nor Medono's


def test_dimension_metrics_name_their_kelurahan(app, banks):
    since = utcnow() - timedelta(days=30)
    with app.test_request_context():
        until = utcnow() + timedelta(days=1)
        metrics = {m.key: m for m in hooks.kp_dimension_metrics(kelurahan("kauman"), since, until)}
    assert {m.dimension for m in metrics.values()} == {"environment"}
    assert metrics["wastebank_kg_month"].value == 1  # 1.25 kg, whole kg
    assert metrics["wastebank_kg_since"].value == 1
    assert metrics["wastebank_active_members"].value == 1
    assert metrics["wastebank_units"].value == 1


def test_dashboard_shows_the_figures(client, banks):
    page = client.get("/k/kauman/dasbor").get_data(as_text=True)
    assert "Unit bank sampah" in page and "Nasabah bank sampah aktif (90 hari)" in page


def test_open_data_has_aggregates_only(client, banks):
    listing = client.get("/k/kauman/data-terbuka").get_data(as_text=True)
    assert "Bank sampah: kg per bulan" in listing and "Unit bank sampah" in listing
    monthly = client.get("/k/kauman/data-terbuka/bank-sampah-bulanan.csv")
    assert monthly.status_code == 200
    text = monthly.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["unit"] for r in rows} == {"Bank Sampah Kenanga"}
    assert sorted(r["kg_disetor"] for r in rows) == ["1.25", "4"]
    assert "Siti" not in text and "001" not in text and "6281299990000" not in text
    units = client.get("/k/kauman/data-terbuka/bank-sampah-unit.csv").get_data(as_text=True)
    (row,) = list(csv.DictReader(io.StringIO(units)))
    assert row["nama"] == "Bank Sampah Kenanga" and row["hari_buka"] == "Selasa dan Sabtu"
    assert row["nasabah_terdaftar"] == "1" and row["nasabah_aktif_90_hari"] == "1"
    assert "saldo" not in units
    geo = client.get("/k/kauman/data-terbuka/bank-sampah-unit.geojson")
    assert geo.status_code == 200 and len(geo.get_json()["features"]) == 1


def test_staff_tasks_list_waiting_withdrawals_and_missing_prices(app, client, login_as, banks):
    unit, operator, siti = banks["unit"], banks["operator"], banks["siti"]
    _db.session.add(
        WithdrawalRequest(
            kelurahan_id=unit.kelurahan_id,
            member_id=siti.id,
            amount=1000,
            created_at=utcnow() - timedelta(days=3),
        )
    )
    make_type(unit, "Kaca", buy=None)  # no price at all
    minyak = make_type(unit, "Minyak jelantah")
    # Its price ends in three days and no next price is set.
    period = _db.session.execute(
        _db.select(PricePeriod).where(PricePeriod.waste_type_id == minyak.id)
    ).scalar_one()
    period.valid_until = date.today() + timedelta(days=3)
    _db.session.commit()

    login_as("petugas", "kauman")
    page = client.get("/k/kauman/tugas/").get_data(as_text=True)
    assert "Permintaan penarikan tabungan sampah menunggu dibayar" in page
    assert "Jenis sampah tanpa harga hari ini atau harganya segera berakhir" in page

    with app.test_request_context("/k/kauman/"):
        g.kelurahan = kelurahan("kauman")
        tasks = {t.id: t for t in hooks.kp_staff_tasks(g.kelurahan, make_user("petugas"))}
        assert tasks["wastebank-withdrawals"].count == 1
        assert tasks["wastebank-withdrawals"].oldest is not None
        assert tasks["wastebank-prices"].count == 2
        assert tasks["wastebank-withdrawals"].url == "/k/kauman/bank-sampah/laporan"
        # The unit's operator gets the same queues, linked to their own unit's pages.
        mine = {t.id: t for t in hooks.kp_staff_tasks(g.kelurahan, operator)}
        assert mine["wastebank-withdrawals"].count == 1
        assert mine["wastebank-withdrawals"].url.endswith(f"/unit/{unit.id}/permintaan")
        assert mine["wastebank-prices"].url.endswith(f"/unit/{unit.id}/jenis")
        # An operator of another unit sees none of it; a resident gets no queue.
        other = add_operator(make_unit("kauman"))
        theirs = {t.id: t for t in hooks.kp_staff_tasks(g.kelurahan, other)}
        assert theirs["wastebank-withdrawals"].count == 0
        assert hooks.kp_staff_tasks(g.kelurahan, make_user("warga")) == []
        # The warning window is the kelurahan's setting: one day leaves the oil out.
        from app.plugins import host

        host(app).save_settings(g.kelurahan, "wastebank", {"days_price_lapse_warning": 1})
        _db.session.commit()
        tasks = {t.id: t for t in hooks.kp_staff_tasks(g.kelurahan, make_user("petugas"))}
        assert tasks["wastebank-prices"].count == 1


def test_switch_off_impact_and_audit_phrases(app, client, login_as, banks):
    with app.test_request_context():
        lines = [
            str(getattr(x, "text", x))
            for x in admin_hooks.kp_plugin_off_impact(kelurahan("kauman"))
        ]
    assert "1 unit bank sampah" in lines[0] and "1 nasabah" in lines[0]
    assert "Rp 5.250" in lines[1]  # what members hold stays in the books
    pricing.set_price(
        banks["kardus"], 1100, 1600, date.today() + timedelta(days=1), banks["operator"]
    )
    login_as("admin", "kauman")
    page = client.get("/k/kauman/admin/audit").get_data(as_text=True)
    assert "menetapkan harga jenis sampah “Kardus”" in page
    assert "beli Rp 1.100/kg, jual Rp 1.600/kg" in page


def test_operator_can_open_the_report_from_the_task_links(client, banks):
    act_as(client, banks["operator"])
    assert client.get(f"/k/kauman/bank-sampah/unit/{banks['unit'].id}/laporan").status_code == 200


def test_shared_pages_run_a_fixed_number_of_queries(client, banks):
    """The home page, dashboard, map layer and open data ask the same number of questions
    whether the ledger holds three deposits or fifty."""
    urls = (
        "/k/kauman/",
        "/k/kauman/dasbor",
        "/k/kauman/peta/wastebank-units.geojson",
        "/k/kauman/data-terbuka/bank-sampah-bulanan.csv",
        "/k/kauman/data-terbuka/bank-sampah-unit.csv",
    )

    def statements() -> dict[str, int]:
        found = {}
        for url in urls:
            with StatementCounter() as counter:
                assert client.get(url).status_code == 200, url
            found[url] = counter.n
        return found

    before = statements()
    unit, operator, kardus = banks["unit"], banks["operator"], banks["kardus"]
    second = make_unit("kauman", name="Bank Sampah Melati")
    second_type = make_type(second, "Kardus")
    second_operator = add_operator(second)
    for i in range(12):
        ledger.post_deposit(
            member(unit, f"Nasabah {i}", f"1{i:02d}"),
            [(kardus, 500 + i)],
            operator,
            f"grow-{i}",
            at=utcnow() - timedelta(days=20 * i),
        )
        ledger.post_deposit(
            member(second, f"Warga {i}", f"2{i:02d}"),
            [(second_type, 700 + i)],
            second_operator,
            f"grow-b-{i}",
            at=utcnow() - timedelta(days=15 * i),
        )
    assert statements() == before


def test_home_widget_and_figures_of_an_empty_waste_bank(app, client):
    page = client.get("/k/kauman/").get_data(as_text=True)
    assert 'id="wastebank-month-kg"' not in page  # no unit yet: no panel
    make_unit("kauman")
    page = client.get("/k/kauman/").get_data(as_text=True)
    assert 'id="wastebank-month-kg">0 kg<' in page
    with app.test_request_context():
        metrics = hooks.kp_dimension_metrics(
            kelurahan("kauman"), utcnow() - timedelta(days=30), utcnow() + timedelta(days=1)
        )
    assert {m.key: m.value for m in metrics} == {
        "wastebank_kg_month": 0,
        "wastebank_kg_since": 0,
        "wastebank_active_members": 0,
        "wastebank_units": 1,
    }
