"""Every committed change to reports renews what the core caches for the kelurahan (the
home widget, the dashboard figures, the map layer) and tells other plugins, after the
commit: filed on the site or through Open311, a status changed, a report hidden or shown
again by staff or hidden by residents' flags, a resident's support.

The changes here go through HTTP requests, as people make them; rows the test writes
itself would renew the caches on their own (conftest `watch_test_writes`)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from conftest import act_as, enable_plugin, fixture_manifest, kelurahan, make_user
from reports_helpers import KAUMAN
from sqlalchemy import insert, select

from app.apikeys import issue_key
from app.extensions import db as _db
from app.models import utcnow
from app.plugins import hookimpl
from plugins.reports.models import Report

BASE = "/k/kauman/laporan"
LAYER = "/k/kauman/peta/reports.geojson?status=open"


@pytest.fixture
def people(app):
    enable_plugin(app, "reports", "kauman")
    _key, api_key = issue_key(kelurahan("kauman"), "Aplikasi Lapor", ["reports.write"])
    _db.session.commit()
    resident, staff = app.test_client(), app.test_client()
    act_as(resident, make_user("warga", "kauman", name="Bu Wati"))
    act_as(staff, make_user("petugas", "kauman"))
    # Verified residents of Kauman: only their flags hide a report by themselves.
    flaggers = [make_user("warga", "kauman", verified=True) for _ in range(3)]
    return SimpleNamespace(resident=resident, staff=staff, flaggers=flaggers, api_key=api_key)


def file_report(client, title: str):
    response = client.post(
        f"{BASE}/baru",
        data={
            "category": "Drainase / banjir",
            "title": title,
            "description": "Air meluap ke jalan setiap hujan.",
            "lat": str(KAUMAN[0]),
            "lng": str(KAUMAN[1]),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def post_open311(client, api_key: str, description: str):
    response = client.post(
        "/open311/v2/requests.json",
        data={
            "api_key": api_key,
            "jurisdiction_id": "kauman",
            "service_code": "jalan-rusak",
            "lat": str(KAUMAN[0]),
            "long": str(KAUMAN[1]),
            "description": description,
        },
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()[0]["service_request_id"]


def close_report(client, report_id: int):
    response = client.post(
        f"{BASE}/{report_id}/status",
        data={"to_status": "selesai", "note": "Saluran sudah dibersihkan."},
    )
    assert response.status_code == 302


def sneak_in(title: str) -> None:
    """A row no request made and the test's session never sees (straight through the
    engine): only a cache that is renewed for other reasons will show it."""
    now = utcnow()
    row = {
        "kelurahan_id": kelurahan("kauman").id,
        "category": "Sampah",
        "title": title,
        "description": "-",
        "lat": KAUMAN[0],
        "lng": KAUMAN[1],
        "status": "baru",
        "source": "web",
        "hide_name": False,
        "created_at": now,
        "updated_at": now,
    }
    with _db.engine.begin() as conn:
        conn.execute(insert(Report.__table__), row)


def widget(client) -> str:
    page = client.get("/k/kauman/").get_data(as_text=True)
    part = page[page.index('id="widget-reports-latest"') :]
    return re.sub(r"\s+", " ", part[: part.index("</section>")])


def map_titles(client, url: str = LAYER) -> set[str]:
    data = client.get(url).get_json()
    return {f["properties"]["title"] for f in data["features"]}


def metric(client, label: str) -> int:
    page = client.get("/k/kauman/dasbor").get_data(as_text=True)
    return int(re.search(rf"<dt>{re.escape(label)}</dt><dd>([^<]*)</dd>", page).group(1))


def test_a_visitor_sees_a_report_filed_and_closed_through_the_site(client, people):
    # The visitor's pages are cached...
    assert "Belum ada laporan warga" in widget(client)
    assert map_titles(client) == set()
    assert metric(client, "Laporan warga masuk") == 0
    sneak_in("Masuk diam-diam")
    assert "Masuk diam-diam" not in widget(client)
    assert map_titles(client) == set()
    assert metric(client, "Laporan warga masuk") == 0

    # ...and renewed when a resident files a report.
    report_id = file_report(people.resident, "Pohon tumbang di Gang 7")
    assert "Pohon tumbang di Gang 7" in widget(client)
    assert "Bulan ini: 2 laporan masuk, 0 selesai." in widget(client)
    assert map_titles(client) == {"Pohon tumbang di Gang 7", "Masuk diam-diam"}
    assert metric(client, "Laporan warga masuk") == 2

    # Staff close it: the widget says so, the map of open reports drops it.
    close_report(people.staff, report_id)
    assert "Bulan ini: 2 laporan masuk, 1 selesai." in widget(client)
    assert "Pohon tumbang di Gang 7 · Selesai" in re.sub(r"<[^>]+>", "", widget(client))
    assert map_titles(client) == {"Masuk diam-diam"}
    assert metric(client, "Laporan warga selesai") == 1
    assert metric(client, "Laporan warga masih terbuka") == 1


def test_open311_moderation_and_flags_renew_the_map(client, people):
    assert map_titles(client) == set()
    post_open311(client, people.api_key, "Jalan amblas dekat jembatan")
    assert map_titles(client) == {"Jalan amblas dekat jembatan"}
    report_id = file_report(people.resident, "Sampah di bantaran sungai")
    assert map_titles(client) == {"Jalan amblas dekat jembatan", "Sampah di bantaran sungai"}

    # Staff hide it and show it again.
    response = people.staff.post(f"{BASE}/{report_id}/sembunyikan", data={"reason": "Iklan"})
    assert response.status_code == 302
    assert "Sampah di bantaran sungai" not in map_titles(client)
    assert "Sampah di bantaran sungai" not in widget(client)
    assert people.staff.post(f"{BASE}/{report_id}/tampilkan").status_code == 302
    assert "Sampah di bantaran sungai" in map_titles(client)
    assert "Sampah di bantaran sungai" in widget(client)

    # Residents' flags hide it by themselves (threshold 3).
    for user in people.flaggers:
        act_as(people.resident, user)
        people.resident.post(f"{BASE}/{report_id}/tandai", data={"reason": "spam"})
    assert "Sampah di bantaran sungai" not in map_titles(client)
    assert "Sampah di bantaran sungai" not in widget(client)
    # The documented URL of the map is renewed with the core's.
    assert map_titles(client, f"{BASE}/map.geojson") == {"Jalan amblas dekat jembatan"}


# -- what other plugins hear ---------------------------------------------------------------------


class Listener:
    """A plugin that records the reports plugin's events, and what the database had
    committed when each one arrived (read on a connection of its own)."""

    def __init__(self):
        self.heard: list[tuple[str, dict, str, tuple | None]] = []

    @hookimpl
    def kp_plugin_manifest(self):
        return fixture_manifest("listener")

    @hookimpl
    def kp_on_event(self, event):
        if event.source != "reports":
            return
        with _db.engine.connect() as conn:
            committed = conn.execute(
                select(Report.status, Report.hidden_at.is_not(None)).where(
                    Report.id == event.payload["report_id"]
                )
            ).one_or_none()
        row = tuple(committed) if committed is not None else None
        self.heard.append((event.name, dict(event.payload), event.kelurahan.slug, row))


def test_events_are_announced_after_their_commit(app, client, people, extra_plugin):
    listener = extra_plugin(Listener(), "listener")
    enable_plugin(app, "listener", "kauman")

    web = file_report(people.resident, "Lampu jalan mati")
    api = post_open311(client, people.api_key, "Tutup gorong-gorong pecah")
    act_as(people.resident, people.flaggers[0])
    assert people.resident.post(f"{BASE}/{web}/dukung").status_code == 302
    close_report(people.staff, web)
    people.staff.post(f"{BASE}/{api}/sembunyikan", data={"reason": "Ganda"})
    people.staff.post(f"{BASE}/{api}/tampilkan")
    for user in people.flaggers:
        act_as(people.resident, user)
        people.resident.post(f"{BASE}/{api}/tandai", data={"reason": "spam"})

    assert listener.heard == [
        ("reports.filed", {"report_id": web, "source": "web"}, "kauman", ("baru", False)),
        ("reports.filed", {"report_id": api, "source": "open311"}, "kauman", ("baru", False)),
        ("reports.supported", {"report_id": web}, "kauman", ("baru", False)),
        (
            "reports.status_changed",
            {"report_id": web, "from": "baru", "to": "selesai"},
            "kauman",
            ("selesai", False),
        ),
        ("reports.hidden", {"report_id": api, "by": "staff"}, "kauman", ("baru", True)),
        ("reports.restored", {"report_id": api}, "kauman", ("baru", False)),
        ("reports.hidden", {"report_id": api, "by": "flags"}, "kauman", ("baru", True)),
    ]


def test_refused_changes_announce_nothing(app, client, people, extra_plugin):
    listener = extra_plugin(Listener(), "listener")
    enable_plugin(app, "listener", "kauman")
    web = file_report(people.resident, "Jalan licin")
    listener.heard.clear()
    # A form sent back to fix, a forbidden transition, a repeated support: nothing saved.
    bad = people.resident.post(f"{BASE}/baru", data={"title": "x"})
    assert bad.status_code == 422
    unexplained = people.staff.post(f"{BASE}/{web}/status", data={"to_status": "selesai"})
    assert unexplained.status_code == 422  # closing needs a note
    act_as(people.resident, people.flaggers[0])
    people.resident.post(f"{BASE}/{web}/dukung")
    listener.heard.clear()
    people.resident.post(f"{BASE}/{web}/dukung")
    assert listener.heard == []
