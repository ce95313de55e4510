"""The reports plugin's public statistics page and its platform hooks: dashboard metrics,
home widget, search, open data (CSV and GeoJSON) and demo data."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from conftest import count, enable_plugin
from sqlalchemy import select

from app.extensions import db as _db
from app.models import utcnow
from plugins.reports.models import Report, ReportSupport, ReportUpdate
from plugins.reports.stats import month_starts

KAUMAN = (-6.8899, 109.6728)
MEDONO = (-6.8800, 109.6600)


@pytest.fixture
def reports_on(app):
    enable_plugin(app, "reports", "kauman")
    enable_plugin(app, "reports", "medono")


def add_report(
    factory,
    title: str = "Saluran air tersumbat di Gang 5",
    *,
    slug: str = "kauman",
    category: str = "Drainase / banjir",
    status: str = "baru",
    created: datetime | None = None,
    responded_after: float | None = None,
    closed_after: float | None = None,
    **fields,
) -> Report:
    created = created or utcnow() - timedelta(days=30)
    lat, lng = KAUMAN if slug == "kauman" else MEDONO
    report = Report(
        kelurahan_id=factory.kelurahan(slug).id,
        category=category,
        title=title,
        description=fields.pop("description", f"Keterangan {title}."),
        lat=fields.pop("lat", lat),
        lng=fields.pop("lng", lng),
        status=status,
        source="web",
        created_at=created,
        updated_at=created,
        first_response_at=(
            created + timedelta(days=responded_after) if responded_after is not None else None
        ),
        closed_at=fields.pop(
            "closed_at",
            created + timedelta(days=closed_after) if closed_after is not None else None,
        ),
        **fields,
    )
    _db.session.add(report)
    _db.session.commit()
    return report


def text_of(response) -> str:
    return response.get_data(as_text=True)


def big_figure(page: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">([^<]*)<', page)
    assert match, f"no #{element_id} on the page"
    return match.group(1).strip()


def table_row(page: str, table_id: str, label: str) -> list[str]:
    """The cells (after the row header) of the row headed `label` in table `table_id`."""
    table = page[page.index(f'id="{table_id}"') :]
    table = table[: table.index("</table>")]
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        header = re.search(r'<th scope="row">(.*?)</th>', row, re.S)
        if header and header.group(1).strip() == label:
            return [c.strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
    raise AssertionError(f"no row {label!r} in #{table_id}")


# -- statistics page ---------------------------------------------------------------------------


def test_statistics_page_counts_and_medians(app, client, factory, reports_on):
    """First responses after 1, 2 and 10 days: the median is 2, not the mean (4.3).
    Fixes after 3 and 5 days: the median of an even count is their mean, 4."""
    add_report(
        factory,
        "Lampu PJU mati depan mushola",
        category="Penerangan jalan",
        status="diproses",
        responded_after=1,
    )
    add_report(
        factory,
        "Jalan berlubang di Gang 3",
        category="Jalan rusak",
        status="selesai",
        responded_after=2,
        closed_after=3,
    )
    add_report(
        factory, "Saluran mampet di RT 04", status="selesai", responded_after=10, closed_after=5
    )
    add_report(factory, "Sampah menumpuk di sungai", category="Sampah")
    add_report(factory, "Laporan ditolak", category="Lainnya", status="ditolak", closed_after=1)
    # Not counted: hidden by moderation, or another kelurahan's.
    add_report(
        factory,
        "Disembunyikan",
        status="selesai",
        responded_after=0.1,
        closed_after=0.1,
        hidden_at=utcnow(),
        hidden_reason="spam",
    )
    add_report(
        factory,
        "Laporan Medono",
        slug="medono",
        status="selesai",
        responded_after=30,
        closed_after=40,
    )

    response = client.get("/k/kauman/laporan/statistik")
    assert response.status_code == 200
    page = text_of(response)
    assert big_figure(page, "stat-open") == "2"  # diproses + baru
    assert big_figure(page, "stat-fixed") == "2"
    assert big_figure(page, "stat-median-response") == "2"
    assert big_figure(page, "stat-median-resolution") == "4"
    assert "dari 5 laporan masuk" in page
    assert "Disembunyikan" not in page and "Medono" not in page

    # By category: laporan, terbuka, selesai, median response, median resolution.
    assert table_row(page, "table-categories", "Drainase / banjir") == ["1", "0", "1", "10", "5"]
    assert table_row(page, "table-categories", "Penerangan jalan") == ["1", "1", "0", "1", "—"]
    assert table_row(page, "table-categories", "Keamanan &amp; ketertiban") == [
        "0",
        "0",
        "0",
        "—",
        "—",
    ]


def test_statistics_page_month_buckets_follow_wib(app, client, factory, reports_on):
    """Months are WIB (UTC+7) months: a report filed at 20:00 UTC on the last day of a
    month is already 03:00 on the 1st in WIB and counts for the later month; one filed at
    23:00 WIB on the last day counts for the earlier one. Fixes count in their own month."""
    from plugins.reports.stats import month_label

    starts = month_starts()
    this_month, last_month = starts[-2], starts[-3]
    add_report(factory, "Lampu mati dini hari", created=this_month + timedelta(hours=3))
    add_report(factory, "Lampu mati larut malam", created=this_month - timedelta(hours=1))
    add_report(
        factory,
        "Laporan bulan lalu",
        created=last_month + timedelta(days=2),
        status="selesai",
        responded_after=1,
        closed_after=6,
    )
    add_report(factory, "Laporan lama sekali", created=starts[0] - timedelta(days=40))

    page = text_of(client.get("/k/kauman/laporan/statistik"))
    # received, fixed, median days to first response, median days to resolution
    assert table_row(page, "table-months", month_label(this_month, "id")) == ["1", "0", "—", "—"]
    assert table_row(page, "table-months", month_label(last_month, "id")) == ["2", "1", "1", "6"]
    assert table_row(page, "table-months", month_label(starts[0], "id")) == ["0", "0", "—", "—"]
    assert len(re.findall(r'<th scope="row">', page[page.index('id="table-months"') :])) == 12


def test_statistics_page_chart_is_svg_without_style_attributes(app, client, factory, reports_on):
    add_report(
        factory,
        "Jalan berlubang di Gang 3",
        category="Jalan rusak",
        status="selesai",
        responded_after=2,
        closed_after=3,
    )
    add_report(factory, "Jalan berlubang di Gang 4", category="Jalan rusak")
    add_report(factory, "Sampah menumpuk", category="Sampah")
    page = text_of(client.get("/k/kauman/laporan/statistik"))
    assert "<svg" in page and "<title>Jalan rusak: 1 selesai, 1 terbuka" in page
    assert " style=" not in page  # the CSP would refuse inline styles
    chart = page[page.index('id="per-kategori"') : page.index('id="table-categories"')]
    bars = {
        label: re.findall(
            r'<rect x="([^"]+)" y="0" width="([^"]+)" height="16" fill="(#[0-9a-f]+)"', svg
        )
        for label, svg in re.findall(r"<strong>(.*?)</strong>.*?<svg(.*?)</svg>", chart, re.S)
    }
    background = ("0", "100", "#eef2f0")
    # Jalan rusak (the largest, 2): half fixed (green) then half open (amber); Sampah: one
    # open report, half the width; Lainnya: no bar at all.
    assert bars["Jalan rusak"] == [
        background,
        ("0.0", "50.0", "#0b6e4f"),
        ("50.0", "50.0", "#b26b00"),
    ]
    assert bars["Sampah"] == [background, ("0.0", "50.0", "#b26b00")]
    assert bars["Lainnya"] == [background]


def test_statistics_page_of_a_kelurahan_without_reports(app, client, reports_on):
    page = text_of(client.get("/k/kauman/laporan/statistik"))
    assert big_figure(page, "stat-open") == "0"
    assert big_figure(page, "stat-median-response") == "—"


# -- hooks -------------------------------------------------------------------------------------


def test_dimension_metrics_on_the_dashboard(app, client, factory, reports_on):
    old = utcnow() - timedelta(days=90)
    add_report(factory, "Lama terbuka", created=old)  # open now, received before the period
    add_report(
        factory, "Lama selesai", created=old, status="selesai", responded_after=1, closed_after=2
    )
    add_report(
        factory,
        "Baru 1",
        created=utcnow() - timedelta(days=10),
        status="selesai",
        responded_after=1,
        closed_after=3,
    )
    add_report(
        factory,
        "Baru 2",
        created=utcnow() - timedelta(days=12),
        status="diproses",
        responded_after=3,
    )
    add_report(factory, "Baru 3", created=utcnow() - timedelta(days=20), responded_after=5)
    add_report(factory, "Tersembunyi", created=utcnow() - timedelta(days=3), hidden_at=utcnow())
    page = text_of(client.get("/k/kauman/dasbor"))

    def metric(label: str) -> str:
        match = re.search(rf"<dt>{re.escape(label)}</dt><dd>([^<]*)</dd>", page)
        assert match, f"no metric {label!r}"
        return match.group(1)

    assert metric("Laporan warga masuk") == "3"
    assert metric("Laporan warga masih terbuka") == "3"
    assert metric("Laporan warga selesai") == "1"
    assert metric("Median hari sampai laporan ditanggapi") == "3"  # of 1, 3, 5
    assert "Laporan warga" not in text_of(client.get("/k/sapuro-kebulen/dasbor"))


def test_home_widget_shows_latest_reports_and_this_months_figures(app, client, factory, reports_on):
    start, now = month_starts()[-2], utcnow()
    step = (now - start) / 10  # everything below falls inside this WIB month
    for i in range(6):
        add_report(factory, f"Laporan nomor {i}", created=start + step * (i + 1))
    add_report(
        factory,
        "Selesai bulan ini",
        created=start - timedelta(days=3),
        status="selesai",
        closed_at=start + step,
    )
    add_report(
        factory,
        "Selesai bulan lalu",
        created=start - timedelta(days=3),
        status="selesai",
        closed_at=start - timedelta(hours=1),
    )
    add_report(factory, "Laporan tersembunyi", created=now, hidden_at=now)
    add_report(factory, "Laporan Medono", slug="medono", created=now)
    page = text_of(client.get("/k/kauman/"))
    widget = page[page.index('id="widget-reports-latest"') :]
    widget = widget[: widget.index("</section>")]
    assert "Laporan warga terbaru" in widget
    assert all(f"Laporan nomor {i}" in widget for i in range(1, 6))
    assert "Laporan nomor 0" not in widget  # only the latest five
    assert "tersembunyi" not in widget and "Medono" not in widget
    assert "Bulan ini: 6 laporan masuk, 1 selesai." in widget
    assert 'href="/k/kauman/laporan/statistik"' in widget


def test_search_finds_public_reports_and_never_hidden_ones(app, client, factory, reports_on):
    add_report(factory, "Lampu PJU mati depan mushola", category="Penerangan jalan")
    add_report(factory, "Got mampet", description="Saluran di Gang Kenanga penuh lumpur.")
    add_report(factory, "Lampu mati disembunyikan", hidden_at=utcnow(), hidden_reason="spam")
    add_report(factory, "Lampu mati di Medono", slug="medono")
    page = text_of(client.get("/k/kauman/cari", query_string={"q": "lampu"}))
    assert "Lampu PJU mati depan mushola" in page
    assert "disembunyikan" not in page and "Medono" not in page
    page = text_of(client.get("/k/kauman/cari", query_string={"q": "kenanga"}))
    assert "Got mampet" in page and "Saluran di Gang Kenanga penuh lumpur." in page
    # LIKE wildcards in the query are taken literally.
    page = text_of(client.get("/k/kauman/cari", query_string={"q": "%"}))
    assert "Got mampet" not in page


def test_open_data_has_public_fields_only(app, client, factory, reports_on):
    shown = factory.user(
        "warga", "kauman", name="Warga Terbuka", email="terbuka@contoh.id", phone="+6281211112222"
    )
    shy = factory.user(
        "warga", "kauman", name="Warga Pemalu", email="pemalu@contoh.id", phone="+6281233334444"
    )
    named = add_report(
        factory, "Lampu PJU mati depan mushola", reporter_id=shown.id, lat=-6.8891, lng=109.6731
    )
    anon = add_report(
        factory, "Saluran air tersumbat di Gang 5", reporter_id=shy.id, hide_name=True
    )
    add_report(factory, "Laporan tersembunyi", reporter_id=shown.id, hidden_at=utcnow())
    add_report(factory, "Laporan Medono", slug="medono")
    _db.session.add_all(
        [
            ReportSupport(kelurahan_id=named.kelurahan_id, report_id=named.id, user_id=shy.id),
            ReportSupport(kelurahan_id=anon.kelurahan_id, report_id=anon.id, user_id=shown.id),
            ReportSupport(kelurahan_id=anon.kelurahan_id, report_id=anon.id, user_id=shy.id),
        ]
    )
    _db.session.commit()

    listing = text_of(client.get("/k/kauman/data-terbuka"))
    assert "Laporan warga" in listing

    response = client.get("/k/kauman/data-terbuka/laporan.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = text_of(response)
    for secret in (
        "terbuka@contoh.id",
        "pemalu@contoh.id",
        "6281211112222",
        "6281233334444",
        "Warga Pemalu",
        "Laporan tersembunyi",
        "Medono",
    ):
        assert secret not in body, secret
    rows = {row["judul"]: row for row in csv.DictReader(io.StringIO(body))}
    assert set(rows) == {"Lampu PJU mati depan mushola", "Saluran air tersumbat di Gang 5"}
    assert rows["Lampu PJU mati depan mushola"]["pelapor"] == "Warga Terbuka"
    assert rows["Lampu PJU mati depan mushola"]["dukungan"] == "1"
    assert rows["Saluran air tersumbat di Gang 5"]["pelapor"] == ""
    assert rows["Saluran air tersumbat di Gang 5"]["dukungan"] == "2"
    assert {"id", "kategori", "status", "dibuat", "diperbarui", "lat", "lng"} <= set(
        next(iter(rows.values()))
    )

    response = client.get("/k/kauman/data-terbuka/laporan.geojson")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    raw = text_of(response)
    for secret in (
        "terbuka@contoh.id",
        "pemalu@contoh.id",
        "6281211112222",
        "Warga Pemalu",
        "Laporan tersembunyi",
        "Medono",
    ):
        assert secret not in raw, secret
    data = response.get_json(force=True)
    assert data["type"] == "FeatureCollection"
    features = {f["properties"]["judul"]: f for f in data["features"]}
    assert len(features) == 2
    point = features["Lampu PJU mati depan mushola"]
    assert point["geometry"] == {"type": "Point", "coordinates": [109.6731, -6.8891]}  # lng, lat
    assert point["properties"]["pelapor"] == "Warga Terbuka"
    assert features["Saluran air tersumbat di Gang 5"]["properties"]["pelapor"] == ""


def test_open_data_of_a_kelurahan_without_the_plugin(app, client, factory, reports_on):
    add_report(factory, "Laporan Kauman")
    assert client.get("/k/sapuro-kebulen/data-terbuka/laporan.csv").status_code == 404


def test_demo_data_is_believable_and_idempotent(app, factory):
    enable_plugin(app, "reports", "kauman")
    enable_plugin(app, "reports", "medono")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["kp", "seed", "--demo"])
    assert result.exit_code == 0, result.output
    kauman, medono = factory.kelurahan("kauman"), factory.kelurahan("medono")
    first = {k.slug: count(Report, Report.kelurahan_id == k.id) for k in (kauman, medono)}
    assert 8 <= first["kauman"] <= 12 and 8 <= first["medono"] <= 12
    assert count(Report, Report.kelurahan_id == factory.kelurahan("sapuro-kebulen").id) == 0
    reports = (
        _db.session.execute(select(Report).where(Report.kelurahan_id == kauman.id)).scalars().all()
    )
    assert len({r.status for r in reports}) >= 4
    assert len({r.category for r in reports}) >= 4
    for r in reports:
        assert abs(r.lat - kauman.lat) < 0.01 and abs(r.lng - kauman.lng) < 0.01
        history = [u.to_status for u in r.updates]
        assert history[0] == "baru" and history[-1] == r.status
        if r.status != "baru":
            assert r.first_response_at is not None and r.first_response_at > r.created_at
        if r.status in ("selesai", "ditolak", "tidak_dapat_ditangani", "duplikat"):
            assert r.closed_at is not None
        if r.status == "duplikat":
            assert r.duplicate_of_id is not None
    assert any(u.note for r in reports for u in r.updates)
    # Kauman has demo residents: some of them support reports.
    assert count(ReportSupport, ReportSupport.kelurahan_id == kauman.id) > 0
    updates = count(ReportUpdate)

    result = runner.invoke(args=["kp", "seed", "--demo"])
    assert result.exit_code == 0, result.output
    again = {k.slug: count(Report, Report.kelurahan_id == k.id) for k in (kauman, medono)}
    assert again == first
    assert count(ReportUpdate) == updates


def test_demo_data_shows_on_the_statistics_page(app, client):
    enable_plugin(app, "reports", "kauman")
    assert app.test_cli_runner().invoke(args=["kp", "seed", "--demo"]).exit_code == 0
    page = text_of(client.get("/k/kauman/laporan/statistik"))
    assert big_figure(page, "stat-median-response") != "—"
    assert int(big_figure(page, "stat-fixed")) >= 1


def test_month_starts_are_wib_midnights():
    starts = month_starts(datetime(2026, 3, 31, 18, 30, tzinfo=UTC))  # 1 April 01:30 WIB
    assert len(starts) == 13
    assert starts[-2] == datetime(2026, 3, 31, 17, 0, tzinfo=UTC)  # 1 April 00:00 WIB
    assert starts[-1] == datetime(2026, 4, 30, 17, 0, tzinfo=UTC)
    assert starts[0] == datetime(2025, 4, 30, 17, 0, tzinfo=UTC)  # 1 May 2025
