"""The map (the plugin's URL and the core's), the list page, a report's page and the
kelurahan home with its reports widget run the same number of SQL statements with 10
reports as with 1,000: no query per report, photo, comment or status change. (A map answer
of at most 500 points adds one statement for the points after its grid, however many.)

Statements are counted with an engine `before_cursor_execute` listener around one request;
each request is made once beforehand so one-off work (first connection) is not counted,
and the cache is emptied before the counted one, so cached answers are computed in it.
Between the two sizes the report on the report page also grows: more photos, comments,
status changes and supporters, each by a different person. Staff's pages ("Tugas saya"
with its two reports queues, the work queue) are counted for staff.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from conftest import StatementCounter, act_as, enable_plugin, make_user
from sqlalchemy import insert

from app import caching
from app.extensions import db as _db
from app.models import Media, User, utcnow
from plugins.reports.models import (
    Report,
    ReportComment,
    ReportFollow,
    ReportPhoto,
    ReportSupport,
    ReportUpdate,
)

CENTRE = (-6.8899, 109.6728)  # Kauman
SPREAD = 0.004  # reports within about ±450 m of the centre
CITY_BBOX = "109.62,-6.94,109.72,-6.83"
NEIGHBOURHOOD_BBOX = "109.6705,-6.8922,109.6751,-6.8876"  # about 500 m square
STATUSES = ["baru", "diverifikasi", "diproses", "selesai", "ditolak"]
CATEGORIES = ["Jalan rusak", "Drainase / banjir", "Sampah", "Penerangan jalan"]


def bulk_reports(kelurahan_id: int, n: int, reporters: list[User], rng: random.Random) -> None:
    """Insert `n` reports in one executemany (a few hidden), spread around Kauman."""
    now = utcnow()
    rows = []
    for i in range(n):
        created = now - timedelta(hours=rng.uniform(1, 24 * 300))
        rows.append(
            {
                "kelurahan_id": kelurahan_id,
                "category": CATEGORIES[i % len(CATEGORIES)],
                "title": f"Laporan massal {i}",
                "description": "Saluran air tersumbat, air meluap ke jalan.",
                "lat": CENTRE[0] + rng.uniform(-SPREAD, SPREAD),
                "lng": CENTRE[1] + rng.uniform(-SPREAD, SPREAD),
                "status": STATUSES[i % len(STATUSES)],
                "reporter_id": reporters[i % len(reporters)].id,
                "hide_name": i % 7 == 0,
                "source": "web",
                "created_at": created,
                "updated_at": created,
                "hidden_at": now if i % 50 == 49 else None,
            }
        )
    _db.session.execute(insert(Report), rows)
    _db.session.commit()


def grow_report(report: Report, people: list[User], photos: int, comments: int, updates: int):
    """Give `report` more photos, comments (by different people), status changes and
    supporters/followers."""
    kid = report.kelurahan_id
    start = len(report.photos)
    for i in range(start, photos):
        media = Media(
            relpath=f"reports/uji-{report.id}-{i}.jpg",
            width=800,
            height=600,
            content_type="image/jpeg",
            size_bytes=1000,
            kelurahan_id=kid,
        )
        report.photos.append(ReportPhoto(kelurahan_id=kid, media=media, position=i))
    statuses = ["diverifikasi", "diproses", "selesai", "diproses"]
    for i in range(len(report.updates), updates):
        report.updates.append(
            ReportUpdate(
                kelurahan_id=kid,
                actor_id=people[i % len(people)].id,
                from_status=report.status,
                to_status=statuses[i % len(statuses)],
                note=f"Catatan petugas {i}",
            )
        )
        report.status = statuses[i % len(statuses)]
    existing = {c.user_id for c in _db.session.query(ReportComment).filter_by(report_id=report.id)}
    for person in people[:comments]:
        if person.id in existing:
            continue
        _db.session.add(
            ReportComment(kelurahan_id=kid, report_id=report.id, user_id=person.id, body="Setuju")
        )
        _db.session.add(ReportSupport(kelurahan_id=kid, report_id=report.id, user_id=person.id))
        _db.session.add(ReportFollow(kelurahan_id=kid, report_id=report.id, user_id=person.id))
    _db.session.commit()


def measure(client, urls: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, url in urls.items():
        headers = {"HX-Request": "true"} if "htmx" in name else {}
        assert client.get(url, headers=headers).status_code == 200, url  # warm-up
        # Cached answers (map layers, home widgets) are computed inside the counted request.
        caching.cache.clear()
        with StatementCounter(_db.engine) as counter:
            response = client.get(url, headers=headers)
        assert response.status_code == 200, url
        counts[name] = len(counter.statements)
        if response.mimetype == "application/geo+json" and not response.get_json()["clustered"]:
            # Up to 500 points a map answer adds the points' own statement after its grid.
            counts[name] -= 1
    return counts


@pytest.fixture
def world(app, db):
    enable_plugin(app, "reports", "kauman")
    enable_plugin(app, "reports", "medono")
    people = [make_user("warga", "kauman", name=f"Warga {i}") for i in range(30)]
    staff = make_user("petugas", "kauman", name="Petugas Kauman", verified=True)
    return people, staff


def test_query_counts_do_not_grow_with_the_number_of_reports(app, client, db, world):
    people, staff = world
    rng = random.Random(7)
    kauman = people[0].home_kelurahan_id
    medono = make_user("warga", "medono").home_kelurahan_id
    bulk_reports(kauman, 9, people[:3], rng)
    bulk_reports(medono, 5, people[:1], rng)
    report = Report(
        kelurahan_id=kauman,
        category="Drainase / banjir",
        title="Saluran air tersumbat di Gang 5",
        description="Air meluap setiap hujan.",
        lat=CENTRE[0],
        lng=CENTRE[1],
        status="baru",
        reporter_id=people[0].id,
        source="web",
    )
    db.session.add(report)
    db.session.commit()
    grow_report(report, people, photos=1, comments=2, updates=1)

    base = "/k/kauman/laporan"
    urls = {
        "map, whole city": f"{base}/map.geojson?bbox={CITY_BBOX}",
        "map, neighbourhood": f"{base}/map.geojson?bbox={NEIGHBOURHOOD_BBOX}",
        "map, no bbox, filtered": f"{base}/map.geojson?status=open&category=Sampah",
        "list": f"{base}/",
        "list, filtered, htmx": f"{base}/?status=open&bbox={NEIGHBOURHOOD_BBOX}",
        "report page": f"{base}/{report.id}",
        "kelurahan home (widget)": "/k/kauman/",
        "core map layer": f"/k/kauman/peta/reports.geojson?bbox={CITY_BBOX}&status=open",
    }
    staff_urls = {"tugas saya": "/k/kauman/tugas/", "work queue": f"{base}/kelola"}

    def measure_all() -> dict[str, int]:
        counts = {f"{k} (anonymous)": v for k, v in measure(client, urls).items()}
        act_as(client, people[5])
        counts.update({f"{k} (resident)": v for k, v in measure(client, urls).items()})
        act_as(client, staff)
        counts.update({f"{k} (staff)": v for k, v in measure(client, urls | staff_urls).items()})
        with client.session_transaction() as session:
            session.clear()
        return counts

    small = measure_all()

    bulk_reports(kauman, 990, people, rng)
    bulk_reports(medono, 500, people[:1], rng)
    grow_report(report, people, photos=3, comments=25, updates=6)
    db.session.expire_all()
    assert db.session.query(Report).filter_by(kelurahan_id=kauman).count() == 1000

    # The larger world really is larger on these pages.
    city = client.get(urls["map, whole city"]).get_json()
    assert city["clustered"] and sum(f["properties"]["count"] for f in city["features"]) > 900
    near = client.get(urls["map, neighbourhood"]).get_json()
    assert not near["clustered"] and 50 < len(near["features"]) <= 500
    page = client.get(urls["report page"]).get_data(as_text=True)
    assert page.count("Catatan petugas") == 6 and page.count("uji-") >= 3

    large = measure_all()
    assert large == small, "\n".join(
        f"{name}: {small[name]} statements with 10 reports, {large[name]} with 1,000"
        for name in small
        if small[name] != large[name]
    )
