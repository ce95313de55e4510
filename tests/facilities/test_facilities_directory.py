"""The directory of facilities as residents and staff use it: the list and map with a kind
filter, staff recording a place (a point outside the kelurahan refused, photos public while
it is in use and hidden when retired), damage reported to the reports plugin or to staff,
and what the plugin gives the core: staff tasks, Smart Living figures, open data, search."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from conftest import StatementCounter, act_as, count, enable_plugin, notes_for
from facilities_helpers import BASE, centre, make_facility, text
from PIL import Image
from sqlalchemy import select

from app.extensions import db as _db
from app.models import Media, utcnow
from app.tenancy import scoped_to
from plugins.facilities.models import DamageNote, Facility, FacilityPhoto


@pytest.fixture(autouse=True)
def facilities_on(app):
    enable_plugin(app, "facilities", "kauman")
    enable_plugin(app, "facilities", "medono")


def jpeg() -> tuple[io.BytesIO, str]:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 120, 60)).save(out, "JPEG")
    out.seek(0)
    return out, "balai.jpg"


def facility_data(**fields):
    lat, lng = centre()
    data = {
        "name": "Balai RW 03",
        "kind": "balai",
        "description": "Balai warga",
        "address": "Gg. Mawar",
        "rw": "003",
        "lat": str(lat + 0.001),
        "lng": str(lng),
        "capacity": "80",
        "manager_name": "Pak RW",
        "manager_phone": "0812-3456-7890",
        "condition": "baik",
        "checked_on": (utcnow().date() - timedelta(days=3)).isoformat(),
        "condition_note": "",
        "bookable": "y",
        "max_hours": "5",
        "fee": "50.000",
        "fee_note": "kebersihan",
        "active": "y",
    }
    data.update(fields)
    return data


def test_the_directory_lists_and_maps_facilities_with_a_kind_filter(app, client):
    make_facility(name="Balai RW 03")
    make_facility(
        name="Lampu Gg. Mawar", kind="lampu_jalan", bookable=False, condition="rusak_berat"
    )
    make_facility("medono", name="Balai Medono")
    page = text(client.get(f"{BASE}/"))
    assert "Balai RW 03" in page and "Lampu Gg. Mawar" in page and "Rusak berat" in page
    assert "Balai Medono" not in page
    only_lights = text(client.get(f"{BASE}/?jenis=lampu_jalan"))
    assert "Lampu Gg. Mawar" in only_lights and "Balai RW 03" not in only_lights
    layer = client.get("/k/kauman/peta/facilities-places.geojson?jenis=lampu_jalan").get_json()
    assert [f["properties"]["name"] for f in layer["features"]] == ["Lampu Gg. Mawar"]
    everything = client.get(f"{BASE}/peta.geojson").get_json()
    assert len(everything["features"]) == 2
    assert client.get(f"{BASE}/?jenis=%3Cscript%3E").status_code == 200


def test_staff_record_a_facility_and_its_photo_is_public(app, client, factory):
    act_as(client, factory.user("petugas", "kauman"))
    data = facility_data()
    data["photos"] = [jpeg()]
    response = client.post(f"{BASE}/kelola/baru", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    place = _db.session.execute(select(Facility)).scalar_one()
    assert (place.rw, place.fee_rupiah, place.manager_phone) == ("003", 50_000, "+6281234567890")
    photo = place.photos[0]
    assert photo.media.public and photo.thumb.public
    visitor = app.test_client()
    assert visitor.get(f"/media/{photo.thumb.relpath}").status_code == 200
    page = text(visitor.get(f"{BASE}/{place.id}"))
    assert "Rp 50.000" in page and "Pesan Balai RW 03" in page

    retired = facility_data(active="")
    retired.pop("active")
    assert client.post(f"{BASE}/kelola/{place.id}", data=retired).status_code == 302
    _db.session.expire_all()
    assert not photo.media.public
    assert visitor.get(f"/media/{photo.thumb.relpath}").status_code == 404
    assert visitor.get(f"{BASE}/{place.id}").status_code == 404
    assert client.get(f"/media/{photo.thumb.relpath}").status_code == 200  # staff still see it


def test_a_place_outside_the_kelurahan_is_refused_and_the_photo_kept(app, client, factory):
    act_as(client, factory.user("petugas", "kauman"))
    lat, lng = centre()
    data = facility_data(lat=str(lat + 0.05), name="Sumur bor")
    data["photos"] = [jpeg()]
    response = client.post(f"{BASE}/kelola/baru", data=data, content_type="multipart/form-data")
    page = text(response)
    assert response.status_code == 422
    assert "Lokasi ini di luar wilayah kelurahan." in page and 'value="Sumur bor"' in page
    assert "Foto ini sudah tersimpan sementara" in page  # the chosen photo comes back
    assert count(Facility) == 0


def test_a_resident_cannot_reach_the_staff_pages(app, client, factory):
    place = make_facility()
    act_as(client, factory.user("warga", "kauman", verified=True))
    assert client.get(f"{BASE}/kelola").status_code == 403
    assert client.post(f"{BASE}/kelola/{place.id}", data=facility_data()).status_code == 403
    act_as(client, factory.user("petugas", "medono"))
    assert client.get(f"/k/medono/fasilitas/kelola/{place.id}").status_code == 404


def test_damage_goes_to_the_reports_form_prefilled_when_reports_is_on(app, client, factory):
    enable_plugin(app, "reports", "kauman")
    place = make_facility(name="Toilet umum Pasar", kind="toilet_umum", address="Pasar Kauman")
    act_as(client, factory.user("warga", "kauman"))
    response = client.get(f"{BASE}/{place.id}/lapor-kerusakan")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/k/kauman/laporan/baru?")
    form = text(client.get(response.headers["Location"]))
    assert 'value="Kerusakan: Toilet umum Pasar"' in form and 'value="Pasar Kauman"' in form


def test_damage_goes_to_staff_when_reports_is_off(app, client, factory):
    staff = factory.user("petugas", "kauman")
    place = make_facility(name="Sumur bor RW 04", kind="sumur_pompa")
    act_as(client, factory.user("warga", "kauman"))
    short = client.post(f"{BASE}/{place.id}/lapor-kerusakan", data={"body": "rusak"})
    assert short.status_code == 422 and "Tulis 10–2000 karakter." in text(short)
    response = client.post(
        f"{BASE}/{place.id}/lapor-kerusakan", data={"body": "Pompa mati sejak Senin pagi."}
    )
    assert response.status_code == 302
    assert count(DamageNote) == 1
    assert any("Sumur bor RW 04" in n for n in notes_for(staff))
    act_as(client, staff)
    page = text(client.get(f"{BASE}/kelola"))
    assert "Pompa mati sejak Senin pagi." in page
    note = _db.session.execute(select(DamageNote)).scalar_one()
    client.post(f"{BASE}/kelola/kerusakan/{note.id}/selesai")
    _db.session.expire_all()
    assert note.handled_at is not None


def test_staff_tasks_count_bookings_to_decide_and_facilities_not_checked(app, client, factory):
    make_facility(name="Lama", checked_on=utcnow().date() - timedelta(days=400))
    make_facility(name="Belum pernah", checked_on=None)
    make_facility(name="Baru dicek", checked_on=utcnow().date() - timedelta(days=10))
    act_as(client, factory.user("petugas", "kauman"))
    page = text(client.get("/k/kauman/tugas/"))
    assert "Fasilitas belum diperiksa lebih dari 6 bulan" in page
    manage = text(client.get(f"{BASE}/kelola"))
    assert manage.count('class="stale"') == 2


def test_open_data_and_search_never_name_the_person_in_charge(app, client):
    make_facility(name="Balai RW 03", manager_name="Bapak Sutrisno", manager_phone="+628123")
    csv = text(client.get("/k/kauman/data-terbuka/fasilitas.csv"))
    assert "Balai RW 03" in csv and "Sutrisno" not in csv and "628123" not in csv
    geo = client.get("/k/kauman/data-terbuka/fasilitas.geojson").get_json()
    assert geo["features"][0]["properties"]["nama"] == "Balai RW 03"
    assert "Balai RW 03" in text(client.get("/k/kauman/cari?q=balai"))


def test_the_directory_runs_the_same_queries_for_3_and_30_facilities(app, client):
    def statements(n):
        for i in range(n):
            place = make_facility(name=f"Lampu {i}", kind="lampu_jalan", bookable=False)
            with scoped_to(place.kelurahan_id):
                media = Media(
                    kelurahan_id=place.kelurahan_id,
                    relpath=f"facilities/x{place.id}.jpg",
                    content_type="image/jpeg",
                    width=10,
                    height=10,
                    size_bytes=10,
                    public=True,
                )
                _db.session.add(media)
                _db.session.flush()
                _db.session.add(
                    FacilityPhoto(facility_id=place.id, media_id=media.id, thumb_id=media.id)
                )
                _db.session.commit()
        client.get(f"{BASE}/")  # warm caches
        with StatementCounter(_db.engine) as counter:
            assert client.get(f"{BASE}/").status_code == 200
        return counter.n

    assert statements(3) == statements(27)
