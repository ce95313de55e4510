"""An outside client, knowing only /api/openapi.json, reads every kelurahan's reports and
products through /api/v1."""

from __future__ import annotations

import pytest
from conftest import enable_plugin
from umkm_helpers import make_product, make_shop

from app.extensions import db as _db
from plugins.reports.models import Report

PUBLIC_URL = "https://kelurahan.pekalongankota.go.id"


@pytest.fixture
def app_overrides():
    return {"KP_PUBLIC_URL": PUBLIC_URL}


def make_report(factory, slug: str) -> Report:
    kelurahan = factory.kelurahan(slug)
    report = Report(
        kelurahan_id=kelurahan.id,
        reporter_id=factory.user("warga", slug).id,
        category="Sampah",
        title="Sampah menumpuk",
        description="Sudah tiga hari tidak diangkut.",
        lat=kelurahan.lat or -6.8899,
        lng=kelurahan.lng or 109.6728,
    )
    _db.session.add(report)
    _db.session.commit()
    return report


def test_an_outside_client_reads_every_kelurahans_reports_and_products_from_the_document(
    client, app, factory
):
    """Only what /api/openapi.json says: its server, the kelurahan list, each kelurahan's
    plugins, and the paths of the reports and products lists, followed page by page."""
    for slug in ("kauman", "medono"):
        enable_plugin(app, "reports", slug)
    enable_plugin(app, "umkm", "medono")
    made = {make_report(factory, "kauman").id, make_report(factory, "medono").id}
    shop = make_shop(factory, "medono")
    products = {make_product(shop).id for _ in range(3)}
    doc = client.get("/api/openapi.json").get_json()
    server = doc["servers"][0]["url"]
    assert server == PUBLIC_URL

    def get_all(path):
        items, url = [], server + path
        while url:
            response = client.get(url.removeprefix(server))
            assert response.status_code == 200, (url, response.get_data(as_text=True))
            items += response.get_json()["items"]
            link = response.headers.get("Link")
            url = link[1 : link.index(">")] if link else None
        return items

    kelurahan = get_all("/api/v1/kelurahan")
    reports_path = next(p for p in doc["paths"] if p.endswith("/reports/"))
    products_path = next(p for p in doc["paths"] if p.endswith("/products/"))
    seen_reports, seen_products = set(), set()
    for row in kelurahan:
        plugins = {
            p["id"] for p in client.get(f"/api/v1/kelurahan/{row['slug']}").get_json()["plugins"]
        }
        if "reports" in plugins:
            reports = get_all(reports_path.format(kelurahan_slug=row["slug"]))
            seen_reports |= {r["id"] for r in reports}
        if "umkm" in plugins:
            items = get_all(products_path.format(kelurahan_slug=row["slug"]) + "?limit=2")
            seen_products |= {p["id"] for p in items}
    assert seen_reports == made and seen_products == products
