"""Links read outside the site (a WhatsApp share, Open311 answers) carry the configured
public address (KP_PUBLIC_URL), whatever Host header the request came with: a forged
Host must never end up in a link people or other systems follow."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from conftest import enable_plugin
from reports_helpers import make_report

from app.extensions import db as _db
from app.models import Media
from plugins.reports.models import ReportPhoto

PUBLIC = "https://kelurahanpintar.pekalongankota.go.id"
FORGED = "http://pintar.penipu.example"

pytestmark = pytest.mark.parametrize("app_overrides", [{"KP_PUBLIC_URL": PUBLIC + "/"}])


@pytest.fixture(autouse=True)
def reports_on(app):
    enable_plugin(app, "reports", "kauman")


def test_whatsapp_share_links_to_the_public_address(client, factory):
    report = make_report(factory, title="Lampu mati")
    page = client.get(f"/k/kauman/laporan/{report.id}", base_url=FORGED).get_data(as_text=True)
    link = f"{PUBLIC}/k/kauman/laporan/{report.id}"
    assert "https://wa.me/?text=" + quote(f"Lampu mati {link}", safe="") in page
    assert "penipu" not in page


def test_open311_answers_link_to_the_public_address(client, factory):
    report = make_report(factory, title="Jalan berlubang")
    media = Media(
        relpath="reports/kauman/lubang.jpg",
        width=800,
        height=600,
        content_type="image/jpeg",
        size_bytes=1000,
        kelurahan_id=report.kelurahan_id,
    )
    _db.session.add(media)
    _db.session.flush()
    _db.session.add(
        ReportPhoto(kelurahan_id=report.kelurahan_id, report_id=report.id, media_id=media.id)
    )
    _db.session.commit()
    answer = client.get(
        f"/open311/v2/requests/{report.id}.json?jurisdiction_id=kauman", base_url=FORGED
    )
    (row,) = answer.get_json()
    assert row["media_url"] == f"{PUBLIC}/media/reports/kauman/lubang.jpg"
    assert f"{PUBLIC}/k/kauman/laporan/{report.id}" in row["service_notice"]
    discovery = client.get("/open311/v2/discovery.json", base_url=FORGED).get_json()
    assert discovery["endpoints"][0]["url"] == f"{PUBLIC}/open311/v2"
    assert "penipu" not in answer.get_data(as_text=True) + str(discovery)
