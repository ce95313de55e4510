"""The city grid (`/dasbor` for everyone, `/kota/dasbor` for Diskominfo): the 27 kelurahan
by kecamatan × six dimensions; each cell names the plugins switched on there and their
figures, beside last month's kept value; a dimension no plugin serves still has its
column; the page's query count does not grow with the data."""

from __future__ import annotations

import html
from datetime import timedelta

from conftest import StatementCounter, act_as, enable_plugin, kelurahan
from sqlalchemy import func, select

from app.extensions import db as _db
from app.metrics import month_of
from app.models import Kelurahan, MetricSnapshot
from app.plugins import DIMENSIONS


def text(response) -> str:
    return response.get_data(as_text=True)


def row_of(page: str, name: str) -> str:
    start = page.index(f">{name}</a></th>")
    return page[start : page.index("</tr>", start)]


def test_the_grid_has_every_kelurahan_and_dimension_and_the_figures_of_each(app, client, factory):
    from tests.facilities.facilities_helpers import make_facility

    enable_plugin(app, "facilities", "kauman")
    make_facility(name="Balai", condition="baik")
    make_facility(name="Lampu", kind="lampu_jalan", bookable=False, condition="rusak_berat")
    last_month = (month_of() - timedelta(days=1)).replace(day=1)
    _db.session.add(
        MetricSnapshot(
            kelurahan_id=kelurahan("kauman").id,
            month=last_month,
            plugin_id="facilities",
            dimension="living",
            key="facilities_good_share",
            label="Fasilitas umum dalam kondisi baik (%)",
            value=40,
        )
    )
    _db.session.commit()
    page = text(client.get("/dasbor"))
    for label in DIMENSIONS.values():
        assert f'<th scope="col">{label}</th>' in page
    total = _db.session.scalar(select(func.count()).select_from(Kelurahan))
    assert page.count('<th scope="row">') == total == 27
    kauman = row_of(page, "Kauman")
    assert ">Fasilitas & lingkungan</p>" in html.unescape(kauman)
    figure = '<a href="/k/kauman/fasilitas/"><strong>50%</strong></a>'
    assert figure in kauman and '<span class="hint">(+10)</span>' in kauman
    medono = row_of(page, "Medono")
    assert "Fasilitas umum dalam kondisi baik" not in medono
    assert medono.count("Belum ada layanan") == 5  # Smart Society shows the groups' figures


def test_the_city_admin_grid_is_for_the_city_admin(app, client, factory):
    assert client.get("/kota/dasbor").status_code == 302
    act_as(client, factory.user("admin", "kauman"))
    assert client.get("/kota/dasbor").status_code in (403, 404)
    act_as(client, factory.user(None, "kauman", city_admin=True))
    page = text(client.get("/kota/dasbor"))
    assert "Adopsi layanan per kelurahan" in page


def test_the_grid_costs_the_same_queries_with_more_data(app, client, factory):
    from tests.facilities.facilities_helpers import make_facility

    enable_plugin(app, "facilities", "kauman")

    def statements(n: int) -> int:
        for i in range(n):
            make_facility(name=f"Lampu {i}", kind="lampu_jalan", bookable=False)
            factory.group("medono", name=f"Kelompok {n}-{i}")
        app.extensions["cache"]  # noqa: B018 - the figures are cached per kelurahan
        with StatementCounter(_db.engine) as counter:
            assert client.get("/dasbor").status_code == 200
        return counter.n

    assert statements(2) == statements(12)


def test_every_figure_says_what_it_counts_and_where_its_rows_are(app, client):
    """No figure without a definition and a way to check it: with every plugin on, each
    metric has a definition, and a link that opens (200) for a visitor."""
    from app.dashboard import kelurahan_metrics, period_start
    from app.kelurahan_context import acting_in
    from app.plugins import host

    k = kelurahan("kauman")
    for plugin_id in host().manifests:
        enable_plugin(app, plugin_id, "kauman")
    with app.test_request_context("/dasbor"), acting_in(k):
        metrics = kelurahan_metrics(k, period_start())
    keys = {m.key for m in metrics}
    assert {"groups", "reports_received", "facilities_good_share", "services_requests"} <= keys
    for metric in metrics:
        assert str(metric.definition), metric.key
        assert metric.url and client.get(metric.url).status_code == 200, metric.key
        assert metric.dimension in DIMENSIONS


def test_the_definitions_page_and_the_linked_figures(app, client):
    from tests.facilities.facilities_helpers import make_facility

    enable_plugin(app, "facilities", "kauman")
    make_facility(name="Balai", condition="baik")
    page = text(client.get("/dasbor/definisi"))
    assert "Fasilitas umum dalam kondisi baik (%)" in page
    assert "yang kondisinya baik menurut pemeriksaan terakhir" in page
    assert "Angka keadaan saat ini" in page and "lebih tinggi lebih baik" in page
    grid = row_of(text(client.get("/dasbor")), "Kauman")
    assert '<a href="/k/kauman/fasilitas/"><strong>100%</strong></a>' in grid
    own = text(client.get("/k/kauman/dasbor"))
    assert 'href="/dasbor/definisi"' in own
