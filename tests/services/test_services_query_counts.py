"""The letter types, the office's queue, a request's page, the public service times and the
resident's own list run the same number of SQL statements with few requests as with many:
nothing per request, step, document or letter type."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import StatementCounter, act_as, enable_plugin
from services_helpers import BASE, make_type

from app.extensions import db as _db
from app.models import Media, utcnow
from plugins.services.models import Request, RequestDocument, Step


@pytest.fixture(autouse=True)
def services_on(app):
    enable_plugin(app, "services", "kauman")


_made = iter(range(10**6))


def add_requests(letter_types, requester, n: int) -> Request:
    """`n` requests per type: half finished (with a service time), half in the queue, each
    with two steps and a document."""
    now = utcnow()
    last = None
    for letter_type in letter_types:
        for i in range(n):
            k = next(_made)
            done = i % 2 == 0
            req = Request(
                kelurahan_id=letter_type.kelurahan_id,
                code=f"Q{k:07d}",
                letter_type_id=letter_type.id,
                requester_id=requester.id,
                status="selesai" if done else "diajukan",
                full_name=f"Pemohon {k}",
                rt="001",
                rw="002",
                values={},
                created_at=now - timedelta(days=10),
                complete_at=now - timedelta(days=10),
                ready_at=now - timedelta(days=8) if done else None,
            )
            req.documents.append(
                RequestDocument(
                    kelurahan_id=letter_type.kelurahan_id,
                    name="KTP",
                    position=0,
                    media=Media(
                        relpath=f"services/q-{k}.jpg",
                        width=8,
                        height=8,
                        content_type="image/jpeg",
                        size_bytes=10,
                        kelurahan_id=letter_type.kelurahan_id,
                        public=False,
                    ),
                )
            )
            _db.session.add(req)
            _db.session.flush()
            for status in ("diajukan", "diperiksa"):
                _db.session.add(
                    Step(kelurahan_id=req.kelurahan_id, request_id=req.id, status=status)
                )
            last = req
    _db.session.commit()
    return last


def measure(client, urls: dict[str, str]) -> dict[str, int]:
    counts = {}
    for name, url in urls.items():
        assert client.get(url).status_code == 200, url  # warm-up: connection, caches
        with StatementCounter(_db.engine) as counter:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[name] = counter.n
    return counts


def test_pages_do_not_grow_with_the_requests(client, factory):
    types = [make_type(slug="domisili"), make_type(slug="usaha", code="500")]
    resident = factory.user("warga", "kauman", verified=True)
    staff = factory.user("admin", "kauman", verified=True)
    sample = add_requests(types, resident, 2)

    def urls():
        return {
            "letter types": f"{BASE}/",
            "queue": f"{BASE}/antrean",
            "queue, done": f"{BASE}/antrean?tab=selesai",
            "request": f"{BASE}/permohonan/{sample.id}",
            "service times": f"{BASE}/waktu-layanan",
        }

    act_as(client, staff)
    few = measure(client, urls())
    act_as(client, resident)
    few_mine = measure(client, {"my requests": f"{BASE}/"})

    sample = add_requests(types, resident, 20)
    act_as(client, staff)
    many = measure(client, urls())
    act_as(client, resident)
    many_mine = measure(client, {"my requests": f"{BASE}/"})

    assert many == few
    assert many_mine == few_mine
