"""Setting a unit up: the leader of a verified KSM group opens it (location on the map),
adds waste types and sets prices that start a new period."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from conftest import act_as, count, make_group
from sqlalchemy import select
from ui_helpers import KAUMAN, add_operator, base, make_type, make_unit, switch_on, text, token_of

from app.extensions import db as _db
from app.formatting import WIB
from plugins.wastebank.models import PricePeriod, Unit, WasteType


@pytest.fixture(autouse=True)
def wastebank_on(app):
    switch_on(app, "kauman")


def unit_data(group, **overrides):
    data = {
        "group": str(group.id),
        "name": "Bank Sampah Kauman Berseri",
        "address": "Jl. Hayam Wuruk Gg. 3",
        "lat": str(KAUMAN[0]),
        "lng": str(KAUMAN[1]),
        "opening_days": "Selasa dan Sabtu 07.00–10.00",
    }
    data.update(overrides)
    return data


def test_leader_of_a_verified_ksm_group_opens_a_unit(client, factory):
    leader = factory.user("warga", "kauman")
    group = make_group("kauman", leader, kind="ksm_bank_sampah")
    act_as(client, leader)
    url = "/k/kauman/bank-sampah/unit/baru"
    token = token_of(text(client.get(url)))
    outside = client.post(url, data={"submission_token": token, **unit_data(group, lat="-7.5")})
    assert outside.status_code == 422 and "di luar Kota Pekalongan" in text(outside)
    assert 'value="Jl. Hayam Wuruk Gg. 3"' in text(outside)
    ok = client.post(url, data={"submission_token": token, **unit_data(group)})
    assert ok.status_code == 302
    unit = _db.session.execute(select(Unit)).scalar_one()
    assert unit.group_id == group.id and unit.opening_days.startswith("Selasa")
    assert client.get(base(unit)).status_code == 200


def test_unverified_or_other_kind_of_group_cannot_open_a_unit(client, factory):
    leader = factory.user("warga", "kauman")
    unverified = make_group("kauman", leader, kind="ksm_bank_sampah", verified=False)
    umkm = make_group("kauman", leader, kind="umkm")
    act_as(client, leader)
    url = "/k/kauman/bank-sampah/unit/baru"
    assert client.get(url).status_code == 302  # nothing to open: told why
    for group in (unverified, umkm):
        response = client.post(url, data=unit_data(group))
        assert response.status_code == 422
    assert count(Unit) == 0


def test_types_and_a_price_change_start_a_new_period(client):
    unit = make_unit("kauman")
    act_as(client, add_operator(unit))
    url = f"{base(unit)}/jenis"
    assert client.post(url, data={"type-name": "Plastik PET"}).status_code == 302
    again = client.post(url, data={"type-name": "Plastik PET"})
    assert again.status_code == 422 and "sudah ada" in text(again)
    waste_type = _db.session.execute(select(WasteType)).scalar_one()
    assert "Belum ada harga untuk hari ini" in text(client.get(url))

    today = datetime.now(WIB).date()
    price_url = f"{base(unit)}/jenis/{waste_type.id}/harga"
    prefix = f"price{waste_type.id}-"
    bad = client.post(
        price_url,
        data={
            prefix + "buy_per_kg": "-5",
            prefix + "sell_per_kg": "4000",
            prefix + "valid_from": today.isoformat(),
        },
    )
    assert bad.status_code == 422 and "negatif" in text(bad)
    ok = client.post(
        price_url,
        data={
            prefix + "buy_per_kg": "3.500",
            prefix + "sell_per_kg": "4.200",
            prefix + "valid_from": today.isoformat(),
        },
    )
    assert ok.status_code == 302
    page = text(client.get(url))
    assert "Rp 3.500" in page and "Rp 4.200" in page
    later = today + timedelta(days=3)
    client.post(
        price_url,
        data={
            prefix + "buy_per_kg": "3800",
            prefix + "sell_per_kg": "4500",
            prefix + "valid_from": later.isoformat(),
        },
    )
    page = text(client.get(url))
    assert "Berikutnya" in page and "Rp 3.800" in page and "Rp 3.500" in page
    periods = (
        _db.session.execute(select(PricePeriod).order_by(PricePeriod.valid_from)).scalars().all()
    )
    assert [p.valid_until for p in periods] == [later, None]
    same_day = client.post(
        price_url,
        data={
            prefix + "buy_per_kg": "1",
            prefix + "sell_per_kg": "1",
            prefix + "valid_from": today.isoformat(),
        },
    )
    assert same_day.status_code == 422 and "Harga baru harus mulai setelah" in text(same_day)


def test_type_of_another_unit_cannot_be_priced(client):
    unit = make_unit("kauman")
    other = make_unit("kauman")
    foreign = make_type(other, "Kaca")
    act_as(client, add_operator(unit))
    response = client.post(f"{base(unit)}/jenis/{foreign.id}/harga", data={})
    assert response.status_code == 404
