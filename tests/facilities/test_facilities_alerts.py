"""Alerts (peringatan): who is told, what is refused, how an alert ends (by itself or closed
by staff), the public archive and flood history, the city page, and the hooks' pieces."""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest
from alert_helpers import NEW, form_data, make_alert
from facilities_helpers import BASE, centre, kelurahan_row, text, wib_day
from sqlalchemy import select

from app.extensions import db as _db
from app.geo import distance_m
from app.models import AuditEntry, Notification, utcnow
from app.tenancy import scoped_to
from plugins.facilities import alerts
from plugins.facilities.models import Alert, AlertArea
from tests.conftest import StatementCounter, count, enable_plugin, notes_for


@pytest.fixture
def on(app):
    enable_plugin(app, "facilities", "kauman")
    return app


@pytest.fixture
def wired(on):
    """The plugin on in Kauman, its hooks handing the alerts' panel and map layer to the
    core (hooks.py: alerts.home_widget, alerts.map_layer)."""
    return on


def resident(factory, slug="kauman", rw=None, **kwargs):
    user = factory.user("warga", slug, **kwargs)
    user.rw = rw
    _db.session.commit()
    return user


def staff(login_as, slug="kauman", rw=None):
    user = login_as("petugas", slug)
    user.rw = rw
    _db.session.commit()
    return user


def current_part(page: str) -> str:
    """The page's "in force" section (before the archive)."""
    return page.split('id="alerts-archive"')[0]


def archive_part(page: str) -> str:
    return page.split('id="alerts-archive"')[1].split('id="alerts-history"')[0]


# -- posting ----------------------------------------------------------------------------------


def test_an_alert_reaches_exactly_the_residents_of_its_rws(on, client, factory, login_as):
    rw3 = resident(factory, rw="003")
    rw4 = resident(factory, rw="004")
    rw5 = resident(factory, rw="005")
    no_rw = resident(factory)
    elsewhere = resident(factory, "medono", rw="003")
    poster = staff(login_as, rw="003")  # lives in RW 003 but posted it: not told

    response = client.post(NEW, data=form_data(submission_token="t" * 24))

    assert response.status_code == 303
    alert = _db.session.execute(select(Alert)).scalar_one()
    assert response.headers["Location"].endswith(f"{BASE}/peringatan/{alert.id}")
    assert alert.rws == ["003", "004"] and alert.kind == "rob" and alert.severity == "siaga"
    assert alert.water_cm == 30 and alert.created_by_id == poster.id and alert.notified == 2
    for user in (rw3, rw4):
        (note,) = notes_for(user)
        assert note.startswith("Peringatan Banjir rob (Siaga) untuk RW 003, RW 004,")
        assert "Tinggi air sekitar 30 cm." in note and "Air laut pasang" in note
        assert "WIB" in note
    for user in (rw5, no_rw, elsewhere, poster):
        assert notes_for(user) == []
    url = _db.session.scalar(select(Notification.url).where(Notification.user_id == rw3.id))
    assert url == f"{BASE}/peringatan/{alert.id}"
    entry = _db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "facilities.alert_posted")
    ).scalar_one()
    assert entry.object_id == str(alert.id) and entry.after["notified"] == 2
    assert entry.kelurahan_id == kelurahan_row().id

    # The same POST again (a double tap): no second alert, nobody told twice.
    again = client.post(NEW, data=form_data(submission_token="t" * 24))
    assert again.status_code in (302, 303)
    assert count(Alert) == 1 and len(notes_for(rw3)) == 1

    page = text(client.get(response.headers["Location"]))
    print(page[page.find("<main") :][:3000])
    assert "Banjir rob" in page and "Siaga" in page and "2 warga diberi tahu" in page


def test_all_rws_reaches_every_rw_and_an_upcoming_alert_says_when_it_starts(
    on, client, factory, login_as
):
    far = resident(factory, rw="012")
    staff(login_as)
    response = client.post(
        NEW,
        data=form_data(
            rws=None, all_rw="y", start_day=wib_day(2).isoformat(), end_day=wib_day(3).isoformat()
        ),
    )
    assert response.status_code == 303
    alert = _db.session.execute(select(Alert)).scalar_one()
    assert len(alert.rws) == 12
    (note,) = notes_for(far)
    assert "untuk semua RW, mulai" in note

    page = text(client.get(f"{BASE}/peringatan"))
    assert "mulai " in current_part(page) and "Banjir rob" in current_part(page)


def test_the_form_starts_now_at_the_kelurahan_centre(on, client, login_as):
    staff(login_as)
    page = text(client.get(NEW))
    lat, _lng = centre()
    assert f'value="{wib_day(0).isoformat()}"' in page
    assert f'value="{lat}"' in page
    assert 'name="rws" value="012"' in page and 'name="all_rw"' in page


def _outside_point():
    lat, lng = centre()
    point = (lat + 0.035, lng)
    assert distance_m(lat, lng, *point) > 2500  # the plugin's default area_radius_m
    return point


BAD_INPUT = {
    "no RW": ({"rws": None}, "Pilih minimal satu RW yang terdampak."),
    "end before start": (
        {"start_time": "10:00", "end_day": wib_day(0).isoformat(), "end_time": "09:00"},
        "Perkiraan selesai harus setelah waktu mulai.",
    ),
    "longer than 14 days": (
        {"end_day": wib_day(20).isoformat()},
        "Peringatan paling lama 14 hari sejak mulai.",
    ),
    "already over": (
        {
            "start_day": wib_day(-3).isoformat(),
            "end_day": wib_day(-2).isoformat(),
        },
        "Perkiraan selesai sudah lewat.",
    ),
    "outside the kelurahan": ("outside", "Lokasi ini di luar wilayah kelurahan."),
    "unknown RW": ({"rws": ["003", "099"]}, "RW 099 tidak ada di kelurahan ini."),
    "RW typed by hand": ({"rws": ["<b>x</b>" * 20]}, "tidak ada di kelurahan ini."),
    "no location": ({"lat": "", "lng": ""}, "Tandai lokasinya di peta."),
    "water too deep": ({"water_cm": "501"}, "Tulis tinggi air antara 0 dan 500 cm."),
    "water not a number": ({"water_cm": "tiga puluh"}, "Tulis sebagai bilangan bulat"),
    "message too long": ({"message": "a" * 1001}, "Paling banyak 1000 karakter."),
    "no end": ({"end_day": "", "end_time": ""}, "Wajib diisi."),
    "bad date": ({"start_day": "2026-13-45"}, "Tulis tanggal sebagai TTTT-BB-HH"),
    "unknown kind": ({"kind": "tsunami"}, "Pilih salah satu pilihan yang tersedia."),
}


@pytest.mark.parametrize("case", list(BAD_INPUT))
def test_bad_input_is_refused_in_indonesian_keeping_what_was_typed(
    on, client, factory, login_as, case
):
    resident(factory, rw="003")
    staff(login_as)
    overrides, message = BAD_INPUT[case]
    if overrides == "outside":
        lat, lng = _outside_point()
        overrides = {"lat": str(lat), "lng": str(lng)}
    typed = "Jalan Sampangan tergenang setinggi lutut."
    data = form_data(**{"message": typed, **overrides})

    response = client.post(NEW, data=data)

    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert "Periksa kembali isian yang ditandai." in page
    if "message" not in overrides:
        assert typed in page
    if overrides.get("rws") == ["003", "099"]:
        assert re.search(r'value="003" checked', page)
    assert count(Alert) == 0 and count(AlertArea) == 0 and count(Notification) == 0


def test_residents_and_visitors_may_not_post_or_close(on, client, login_as):
    alert = make_alert()
    login_as("warga")
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, data=form_data()).status_code == 403
    assert client.post(f"{BASE}/peringatan/{alert.id}/tutup").status_code == 403
    with client.session_transaction() as session:
        session.clear()
    assert client.get(NEW).status_code in (302, 303)
    assert count(Alert) == 1


# -- ending ------------------------------------------------------------------------------------


def test_an_alert_ends_by_itself_at_its_expected_end(wired, client):
    now = utcnow()
    over = make_alert(
        rws=("005",), start=now - timedelta(days=2), end=now - timedelta(minutes=1),
        message="Sudah surut.", kind="banjir",
    )  # fmt: skip
    running = make_alert(rws=("003",), message="Masih pasang.")

    page = text(client.get(f"{BASE}/peringatan"))
    assert "Masih pasang." in current_part(page) and "Sudah surut." not in current_part(page)
    assert "Sudah surut." in archive_part(page)
    assert alerts.status_of(over) == "ended" and alerts.status_of(running) == "active"

    layer = client.get("/k/kauman/peta/facilities-alerts.geojson").get_json()
    ids = {f["properties"]["id"] for f in layer["features"]}
    assert ids == {running.id}
    (feature,) = layer["features"]
    assert feature["properties"]["name"] == "Banjir rob · Siaga"
    assert feature["properties"]["url"].endswith(f"/peringatan/{running.id}")

    home = text(client.get("/k/kauman/"))
    assert 'id="widget-facilities-alerts"' in home
    panel = home.split('id="widget-facilities-alerts"')[1].split("</section>")[0]
    assert f"/peringatan/{running.id}" in panel and f"/peringatan/{over.id}" not in panel
    assert home.index('id="widget-facilities-alerts"') < home.index('id="widget-core-groups"')

    with scoped_to(kelurahan_row().id):
        assert alerts.active_count(kelurahan_row()) == 1


def test_no_panel_and_no_points_when_nothing_is_in_force(wired, client):
    now = utcnow()
    make_alert(start=now - timedelta(days=3), end=now - timedelta(days=2))
    assert 'id="widget-facilities-alerts"' not in text(client.get("/k/kauman/"))
    layer = client.get("/k/kauman/peta/facilities-alerts.geojson").get_json()
    assert layer["features"] == []
    with wired.test_request_context("/k/kauman/"), scoped_to(kelurahan_row().id):
        assert alerts.home_widget(kelurahan_row()) is None
        assert alerts.active_count(kelurahan_row()) == 0


def test_upcoming_alerts_are_listed_but_not_on_the_map(wired, client):
    now = utcnow()
    soon = make_alert(start=now + timedelta(hours=3), end=now + timedelta(hours=9))
    page = text(client.get(f"{BASE}/peringatan"))
    assert f"/peringatan/{soon.id}" in current_part(page) and "mulai " in current_part(page)
    layer = client.get("/k/kauman/peta/facilities-alerts.geojson").get_json()
    assert layer["features"] == []
    home = text(client.get("/k/kauman/"))
    assert f"/peringatan/{soon.id}" in home


def test_staff_close_an_alert_once(on, client, login_as):
    alert = make_alert(message="Masih pasang.")
    closer = staff(login_as)
    close = f"{BASE}/peringatan/{alert.id}/tutup"

    response = client.post(close)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/peringatan/{alert.id}")
    _db.session.refresh(alert)
    assert alert.closed_at is not None and alert.closed_by_id == closer.id
    assert alerts.status_of(alert) == "closed"
    assert "Peringatan ditutup." in text(client.get(response.headers["Location"]))

    again = client.post(close, follow_redirects=True)
    assert again.status_code == 200
    assert "sudah berakhir atau sudah ditutup" in text(again)
    assert count(AuditEntry, AuditEntry.action == "facilities.alert_closed") == 1

    page = text(client.get(f"{BASE}/peringatan"))
    assert "Masih pasang." in archive_part(page) and "Masih pasang." not in current_part(page)


def test_an_alert_that_ended_by_itself_cannot_be_closed(on, client, login_as):
    now = utcnow()
    alert = make_alert(start=now - timedelta(days=2), end=now - timedelta(hours=1))
    staff(login_as)
    response = client.post(f"{BASE}/peringatan/{alert.id}/tutup", follow_redirects=True)
    assert response.status_code == 200
    assert "sudah berakhir atau sudah ditutup" in text(response)
    _db.session.refresh(alert)
    assert alert.closed_at is None
    assert count(AuditEntry, AuditEntry.action == "facilities.alert_closed") == 0


# -- isolation and hostile input ---------------------------------------------------------------


def test_another_kelurahans_alert_is_a_404(on, client, login_as):
    enable_plugin(on, "facilities", "medono")
    theirs = make_alert("medono")
    staff(login_as)
    assert client.get(f"{BASE}/peringatan/{theirs.id}").status_code == 404
    assert client.post(f"{BASE}/peringatan/{theirs.id}/tutup").status_code == 404
    _db.session.refresh(theirs)
    assert theirs.closed_at is None
    assert f"/peringatan/{theirs.id}" not in text(client.get(f"{BASE}/peringatan"))


@pytest.mark.parametrize(
    "query",
    [
        "?rw=abc",
        "?rw=9999",
        "?rw=-1",
        "?rw=%F0%9F%8C%8A",
        "?rw=" + "9" * 5000,
        "?page=-3",
        "?page=99999999999999999999999",
        "?page=x&rw=003",
        "?rw=3&rw=4",
        "?endpoint=x&_scheme=y",
    ],
)
def test_hostile_query_values_never_fail(on, client, query):
    make_alert(start=utcnow() - timedelta(days=3), end=utcnow() - timedelta(days=2))
    assert client.get(f"{BASE}/peringatan{query}").status_code == 200


@pytest.mark.parametrize("alert_id", ["0", "99999999999999999999999", "-1", "abc", "１２"])
def test_hostile_alert_ids_are_404s(on, client, login_as, alert_id):
    assert client.get(f"{BASE}/peringatan/{alert_id}").status_code == 404
    staff(login_as)
    assert client.post(f"{BASE}/peringatan/{alert_id}/tutup").status_code in (404, 405)


def test_the_archive_filters_by_rw(on, client):
    now = utcnow()
    make_alert(rws=("003",), start=now - timedelta(days=5), end=now - timedelta(days=4),
               message="Rob di RW tiga.")  # fmt: skip
    make_alert(rws=("007",), start=now - timedelta(days=5), end=now - timedelta(days=4),
               message="Rob di RW tujuh.")  # fmt: skip
    page = archive_part(text(client.get(f"{BASE}/peringatan?rw=3")))
    assert "Rob di RW tiga." in page and "Rob di RW tujuh." not in page
    everything = archive_part(text(client.get(f"{BASE}/peringatan?rw=zz")))
    assert "Rob di RW tiga." in everything and "Rob di RW tujuh." in everything


# -- history -----------------------------------------------------------------------------------


def test_the_flood_history_counts_alerts_and_hours_per_rw_and_year(on, client):
    now = utcnow()
    a = make_alert(rws=("003", "004"), start=now - timedelta(days=10),
                   end=now - timedelta(days=10) + timedelta(hours=3))  # fmt: skip
    b = make_alert(rws=("003",), kind="banjir", start=now - timedelta(days=20),
                   end=now - timedelta(days=19), closed_at=now - timedelta(days=20)
                   + timedelta(hours=2))  # fmt: skip
    make_alert(
        rws=("003",),
        kind="listrik_padam",
        start=now - timedelta(days=4),
        end=now - timedelta(days=3),
    )  # fmt: skip: not a flood
    make_alert(
        rws=("003",), start=now - timedelta(days=4 * 365), end=now - timedelta(days=4 * 365 - 1)
    )  # fmt: skip: too old

    k = kelurahan_row()
    with scoped_to(k.id):
        history = alerts.flood_history(k.id, now)
    year = history.years.index(a.starts_at.astimezone(alerts.WIB).year)
    rows = {row.rw: row.years for row in history.rows}
    assert set(rows) == {"003", "004"}
    expected_003 = [(0, 0.0)] * len(history.years)
    for alert, hours in ((a, 3.0), (b, 2.0)):
        i = history.years.index(alert.starts_at.astimezone(alerts.WIB).year)
        n, h = expected_003[i]
        expected_003[i] = (n + 1, h + hours)
    assert rows["003"] == expected_003
    assert rows["004"][year] == (1, 3.0)

    page = text(client.get(f"{BASE}/peringatan"))
    assert "Riwayat banjir per RW" in page and 'role="region"' in page
    assert '<th scope="row">RW 003</th>' in page


def test_the_open_dataset_holds_figures_only(on, app):
    now = utcnow()
    make_alert(rws=("003", "004"), start=now - timedelta(hours=5), end=now - timedelta(hours=1),
               message="Rahasia kecil")  # fmt: skip
    k = kelurahan_row()
    with app.test_request_context("/k/kauman/"), scoped_to(k.id):
        dataset = alerts.history_dataset(k)
        header, rows = dataset.csv()
    assert dataset.id == "peringatan"
    assert header == ["tahun", "bulan", "rw", "jenis", "jumlah", "total_jam"]
    assert [row[2:] for row in rows] == [["003", "rob", 1, 4.0], ["004", "rob", 1, 4.0]]
    assert "Rahasia" not in repr(rows)


# -- the city ----------------------------------------------------------------------------------


def test_the_city_page_lists_what_is_in_force_everywhere(on, client):
    enable_plugin(on, "facilities", "medono")
    now = utcnow()
    here = make_alert("kauman", message="Rob Kauman.")
    there = make_alert("medono", kind="listrik_padam", message="Padam Medono.",
                       start=now + timedelta(hours=2), end=now + timedelta(hours=6))  # fmt: skip
    over = make_alert("kauman", message="Sudah selesai.", start=now - timedelta(days=2),
                      end=now - timedelta(days=1))  # fmt: skip

    with StatementCounter() as few:
        page = text(client.get("/fasilitas/peringatan"))
    assert f"/k/kauman/fasilitas/peringatan/{here.id}" in page
    assert f"/k/medono/fasilitas/peringatan/{there.id}" in page
    assert "Rob Kauman." in page and "Padam Medono." in page
    assert "Sudah selesai." not in page and f"/peringatan/{over.id}" not in page
    assert "Kecamatan Pekalongan" in page and "Listrik padam" in page

    enable_plugin(on, "facilities", "krapyak")
    make_alert("krapyak", rws=("002", "003"))
    make_alert("krapyak", rws=("004",))
    with StatementCounter() as more:
        page = text(client.get("/fasilitas/peringatan"))
    assert "/k/krapyak/fasilitas/peringatan/" in page
    assert more.n == few.n  # no query per kelurahan


def test_the_city_page_leaves_out_kelurahan_where_the_plugin_is_off(on, client):
    make_alert("medono", message="Padam Medono.")  # facilities is off in Medono
    page = text(client.get("/fasilitas/peringatan"))
    assert "Padam Medono." not in page


# -- hooks' pieces -----------------------------------------------------------------------------


def test_the_audit_log_names_alerts(on, client, login_as):
    staff(login_as)
    client.post(NEW, data=form_data())
    alert = _db.session.execute(select(Alert)).scalar_one()
    client.post(f"{BASE}/peringatan/{alert.id}/tutup")
    names = alerts.AUDIT_OBJECTS[0].names([str(alert.id), "x", "9" * 30])
    assert names == {str(alert.id): f"banjir rob #{alert.id}"}
    phrased = {p.action for p in alerts.AUDIT_PHRASES}
    recorded = set(
        _db.session.execute(
            select(AuditEntry.action).where(AuditEntry.action.startswith("facilities."))
        ).scalars()
    )
    assert recorded == {"facilities.alert_posted", "facilities.alert_closed"} == phrased


def test_the_demo_has_an_active_rob_in_krapyak_and_a_history(on, app):
    rng = random.Random(7)
    for slug in ("krapyak", "kauman"):
        k = kelurahan_row(slug)
        with app.test_request_context(f"/k/{slug}/"), scoped_to(k.id):
            alerts.seed_demo(k, rng, None)
            alerts.seed_demo(k, rng, None)  # runs once
            _db.session.commit()
    krapyak = kelurahan_row("krapyak")
    rows = list(
        _db.session.execute(select(Alert).where(Alert.kelurahan_id == krapyak.id)).scalars()
    )
    assert len(rows) == 13
    active = [a for a in rows if alerts.status_of(a) == "active"]
    assert [(a.kind, a.severity, a.rws, a.water_cm) for a in active] == [
        ("rob", "siaga", ["002", "003", "004"], 30)
    ]
    assert active[0].expected_end_at.astimezone(alerts.WIB).date() == wib_day(1)
    assert all(a.kind in ("rob", "banjir") for a in rows)
    assert all(a.notified == 0 for a in rows) and count(Notification) == 0
    kauman = kelurahan_row("kauman")
    theirs = list(
        _db.session.execute(select(Alert).where(Alert.kelurahan_id == kauman.id)).scalars()
    )
    assert sorted(a.kind for a in theirs) == ["listrik_padam", "pohon_tumbang"]
    assert all(alerts.status_of(a) in ("ended", "closed") for a in theirs)
