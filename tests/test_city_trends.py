"""Monthly trends from the snapshots: a kelurahan's figures of one dimension
(`/k/<slug>/dasbor/<dimension>`) and one figure across the 27 kelurahan
(`/dasbor/tren/<key>`). Each chart comes with a table of the same numbers as the kept
snapshots (the current month live from the plugins), each figure links to its rows, unknown
dimensions and figures are 404, and the pages' query counts do not grow with the months or
the kelurahan kept."""

from __future__ import annotations

import html
import re
from datetime import date

from conftest import StatementCounter, enable_plugin, kelurahan
from kp_notices import Notice

from app.extensions import db as _db
from app.metrics import add_months, month_of
from app.models import MetricSnapshot

KEY = "notices_recent"  # the example plugin's figure over the period, in Smart Governance


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def keep(slug: str, month: date, value: int, key: str = KEY, dimension: str = "governance"):
    _db.session.add(
        MetricSnapshot(
            kelurahan_id=kelurahan(slug).id,
            month=month,
            plugin_id="notices",
            dimension=dimension,
            key=key,
            label="Pengumuman baru",
            value=value,
        )
    )


def chart_table(page: str, table_id: str) -> dict[str, int | None]:
    """{"2026-11": value or None} from a chart's table."""
    start = page.index(f'id="{table_id}"')
    table = page[start : page.index("</table>", start)]
    return {
        month: int(value) if value else None
        for month, value in re.findall(
            r'<tr data-month="(\d{4}-\d{2})">.*?<td data-value="(-?\d*)">', table, re.S
        )
    }


def months_back(n: int) -> date:
    return add_months(month_of(), -n)


def test_a_dimension_page_charts_each_figure_with_the_kept_numbers(app, client):
    enable_plugin(app, "notices", "kauman")
    _db.session.add(Notice(kelurahan_id=kelurahan("kauman").id, title="Kerja bakti", body="-"))
    for n, value in ((1, 4), (2, 7), (12, 3), (13, 99)):  # 13 months back: outside
        keep("kauman", months_back(n), value)
    keep("medono", months_back(1), 50)  # another kelurahan's
    _db.session.commit()

    page = text(client.get("/k/kauman/dasbor/governance"))
    numbers = chart_table(page, f"tren-{KEY}-table")
    assert list(numbers) == [f"{months_back(n):%Y-%m}" for n in range(12, -1, -1)]
    assert numbers[f"{months_back(1):%Y-%m}"] == 4
    assert numbers[f"{months_back(2):%Y-%m}"] == 7
    assert numbers[f"{months_back(12):%Y-%m}"] == 3
    assert numbers[f"{months_back(3):%Y-%m}"] is None  # nothing kept that month: "—"
    assert numbers[f"{month_of():%Y-%m}"] == 1  # this month, live
    assert "bulan berjalan" in page
    # The label links to the rows behind the figure; its definition is on the page.
    assert f'<h2 id="judul-{KEY}"><a href="/k/kauman/pengumuman/">Pengumuman baru</a></h2>' in page
    assert "Pengumuman yang terbit dalam periode." in page
    assert f'href="/dasbor/tren/{KEY}"' in page
    # The chart is an image with a title, its numbers described.
    assert f'role="img" aria-labelledby="tren-{KEY}-title tren-{KEY}-desc"' in page
    assert "Terendah 1, tertinggi 7, terakhir 1" in page
    assert " style=" not in page


def test_a_figure_no_plugin_gives_any_more_keeps_its_history(app, client):
    keep("kauman", months_back(1), 5)  # notices is off in kauman
    _db.session.commit()
    page = text(client.get("/k/kauman/dasbor/governance"))
    assert chart_table(page, f"tren-{KEY}-table")[f"{months_back(1):%Y-%m}"] == 5
    assert "tidak aktif lagi di kelurahan ini" in page
    assert f'<h2 id="judul-{KEY}">Pengumuman baru</h2>' in page


def test_dashboards_link_to_the_trends(app, client):
    enable_plugin(app, "notices", "kauman")
    own = text(client.get("/k/kauman/dasbor"))
    assert 'href="/k/kauman/dasbor/governance"' in own
    grid = text(client.get("/dasbor"))
    assert 'href="/k/kauman/dasbor/governance"' in grid
    assert 'href="/k/medono/dasbor/governance"' not in grid  # no figure there


def test_unknown_dimensions_figures_and_kelurahan_are_404(app, client):
    assert client.get("/k/kauman/dasbor/smart").status_code == 404
    assert client.get("/k/kauman/dasbor/Governance").status_code == 404
    assert client.get("/k/tidak-ada/dasbor/governance").status_code == 404
    assert client.get("/dasbor/tren/tidak_ada").status_code == 404
    assert client.get("/dasbor/tren/groups%00").status_code in (400, 404)
    assert client.get("/dasbor/tren/" + "a" * 81).status_code == 404
    assert client.get("/dasbor/tren/<script>").status_code == 404


def test_the_city_trend_has_every_kelurahan_and_the_city_total(app, client):
    enable_plugin(app, "notices", "kauman")
    keep("kauman", months_back(1), 4)
    keep("kauman", months_back(2), 2)
    keep("medono", months_back(1), 6)
    keep("medono", months_back(5), 1)
    _db.session.commit()

    page = text(client.get(f"/dasbor/tren/{KEY}"))
    city = chart_table(page, "tren-kota-table")
    assert city[f"{months_back(1):%Y-%m}"] == 10
    assert city[f"{months_back(2):%Y-%m}"] == 2
    assert city[f"{months_back(5):%Y-%m}"] == 1
    assert city[f"{months_back(3):%Y-%m}"] is None
    assert city[f"{month_of():%Y-%m}"] == 0  # live: no notice this month
    assert "Jumlah kota" in page

    table = page[
        page.index('id="per-kelurahan"') : page.index("</table>", page.index('id="per-kelurahan"'))
    ]
    rows = re.findall(r'<tr data-kelurahan="([a-z-]*)">(.*?)</tr>', table, re.S)
    assert len(rows) == 27 + 1  # every kelurahan, then the city
    cells = {slug: re.findall(r"<td>(.*?)</td>", row) for slug, row in rows}
    assert cells["kauman"][-3:] == ["2", "4", "0"]  # two months ago, last month, this month
    assert cells["medono"][-2:] == ["6", "—"]  # off in medono: no live figure
    assert cells[""][-2:] == ["10", "0"]
    assert 'href="/k/kauman/dasbor/governance#angka-notices_recent"' in table


def test_a_share_is_the_median_of_the_kelurahan_not_a_sum(app, client):
    from tests.facilities.facilities_helpers import make_facility

    enable_plugin(app, "facilities", "kauman")
    make_facility(name="Balai", condition="baik")
    for slug, value in (("kauman", 40), ("medono", 60), ("bendan-kergon", 90)):
        keep(slug, months_back(1), value, key="facilities_good_share", dimension="living")
    _db.session.commit()
    page = html.unescape(text(client.get("/dasbor/tren/facilities_good_share")))
    assert chart_table(page, "tren-kota-table")[f"{months_back(1):%Y-%m}"] == 60
    assert "Median kelurahan" in page and "60%" in page


def test_trend_pages_cost_the_same_queries_with_more_months_and_kelurahan(app, client):
    enable_plugin(app, "notices", "kauman")
    slugs = ["kauman", "medono", "bendan-kergon", "tirto", "poncol", "klego"]

    def statements(months: int, places: int) -> tuple[int, int]:
        _db.session.query(MetricSnapshot).delete()
        for slug in slugs[:places]:
            for n in range(1, months + 1):
                keep(slug, months_back(n), n)
        _db.session.commit()
        client.get("/k/kauman/dasbor/governance")  # the live figures are cached per kelurahan
        client.get(f"/dasbor/tren/{KEY}?warm={months}-{places}")
        with StatementCounter(_db.engine) as own:
            assert client.get("/k/kauman/dasbor/governance").status_code == 200
        with StatementCounter(_db.engine) as city:
            assert client.get(f"/dasbor/tren/{KEY}?n={months}-{places}").status_code == 200
        return own.n, city.n

    assert statements(2, 1) == statements(12, len(slugs))
