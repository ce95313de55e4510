"""The city grid (`/dasbor` for everyone, `/kota/dasbor` for Diskominfo): the 27 kelurahan
by kecamatan × six dimensions; each cell names the plugins switched on there and their
figures for the chosen period (this month, the last 3 months, this year), beside the
previous period's value (counted again, or the kept monthly value for a state figure) with
an arrow and whether that is better; a dimension no plugin serves still has its column;
the page's query count does not grow with the data."""

from __future__ import annotations

import html
from datetime import datetime, timedelta

from conftest import StatementCounter, act_as, enable_plugin, kelurahan
from sqlalchemy import func, select

from app.extensions import db as _db
from app.formatting import WIB
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
    assert figure in kauman
    # Against last month's kept value: up 10, better (higher is better), said in words.
    change = html.unescape(kauman[kauman.index(figure) :])
    assert '<span class="change change-good"><span aria-hidden="true">▲ +10</span>' in change
    assert "naik 10% dibanding bulan lalu, lebih baik." in change
    assert "(bulan lalu: 40%)" in change
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


# -- periods -------------------------------------------------------------------------------


def add_notice(slug: str, title: str, created_at: datetime) -> None:
    from kp_notices import Notice

    _db.session.add(
        Notice(kelurahan_id=kelurahan(slug).id, title=title, body=title, created_at=created_at)
    )
    _db.session.commit()


def notices_of(page: str, name: str = "Kauman") -> str:
    """The Kauman governance figure "Pengumuman baru" with its change, as text."""
    row = html.unescape(row_of(page, name))
    label = row.index("Pengumuman baru")
    return row[row.rindex("<p>", 0, label) : row.index("</p>", label)]


def test_the_period_switch_counts_each_period_against_the_one_before(app, client):
    from app.dashboard import period

    enable_plugin(app, "notices", "kauman")
    now = datetime.now(WIB)
    this_month = period("bulan", now)
    for i in range(2):
        add_notice("kauman", f"Bulan ini {i}", now)
    add_notice("kauman", "Bulan lalu", this_month.since - timedelta(days=2))
    quarter = period("3bulan", now)
    add_notice("kauman", "Empat bulan lalu", quarter.since - timedelta(days=20))
    add_notice("kauman", "Tahun lalu", now.replace(year=now.year - 1, day=min(now.day, 28)))

    page = text(client.get("/dasbor"))  # this month by default
    assert '<a href="/dasbor?periode=bulan" aria-current="page">Bulan ini</a>' in page
    assert 'href="/dasbor?periode=3bulan"' in page and 'href="/dasbor?periode=tahun"' in page
    figure = notices_of(page)
    assert "<strong>2</strong>" in figure
    assert "▲ +1" in figure and "naik 1 dibanding bulan lalu, lebih baik." in figure
    assert "(bulan lalu: 1)" in figure
    assert notices_of(text(client.get("/dasbor?periode=bulan"))) == figure

    three = text(client.get("/dasbor?periode=3bulan"))
    assert '<a href="/dasbor?periode=3bulan" aria-current="page">' in three
    figure = notices_of(three)  # 2 + 1 in the last three months, 1 in the three before
    assert (
        "<strong>3</strong>" in figure and "▲ +2" in figure and "(3 bulan sebelumnya: 1)" in figure
    )

    year = notices_of(text(client.get("/dasbor?periode=tahun")))
    assert "(tahun lalu sampai tanggal yang sama: 1)" in year


def test_a_state_figure_is_compared_with_the_kept_value_of_the_previous_periods_end(app, client):
    from app.dashboard import period
    from tests.facilities.facilities_helpers import make_facility

    enable_plugin(app, "facilities", "kauman")
    make_facility(name="Balai", condition="baik")
    make_facility(name="Lampu", kind="lampu_jalan", bookable=False, condition="rusak_berat")
    quarter = period("3bulan")
    _db.session.add(
        MetricSnapshot(
            kelurahan_id=kelurahan("kauman").id,
            month=quarter.snapshot_month,
            plugin_id="facilities",
            dimension="living",
            key="facilities_good_share",
            label="Fasilitas umum dalam kondisi baik (%)",
            value=80,
        )
    )
    _db.session.commit()
    assert quarter.snapshot_month == (quarter.since - timedelta(days=1)).date().replace(day=1)
    row = html.unescape(row_of(text(client.get("/dasbor?periode=3bulan")), "Kauman"))
    assert '<span class="change change-bad"><span aria-hidden="true">▼ -30</span>' in row
    assert "turun 30% dibanding 3 bulan sebelumnya, lebih buruk." in row
    # No kept value for the end of last month: no comparison rather than a made-up one.
    month = html.unescape(row_of(text(client.get("/dasbor")), "Kauman"))
    share = month[month.index("<strong>50%</strong>") :]
    assert "change" not in share[: share.index("</p>")]


def test_a_change_where_no_way_is_better_is_neither_good_nor_bad(app, client):
    from kp_notices import Notice  # noqa: F401 - the example plugin is loaded

    from app.dashboard import Figure
    from app.plugins import Metric

    neutral = Figure("x", 5, 2, Metric("governance", "x", "x", 5, higher_is_better=None))
    lower = Figure("x", 5, 2, Metric("governance", "x", "x", 5, higher_is_better=False))
    same = Figure("x", 5, 5, Metric("governance", "x", "x", 5))
    assert (neutral.verdict, lower.verdict, same.verdict) == (None, "bad", None)


def test_an_unknown_period_is_refused_not_a_crash(app, client, factory):
    for value in ("minggu", "<script>", "bulan%00", "1" * 500):
        assert client.get("/dasbor", query_string={"periode": value}).status_code == 400
    assert client.get("/dasbor?periode=").status_code == 200
    act_as(client, factory.user(None, "kauman", city_admin=True))
    assert client.get("/kota/dasbor?periode=tahun").status_code == 200
    page = text(client.get("/kota/dasbor?periode=tahun"))
    assert '<a href="/kota/dasbor?periode=tahun" aria-current="page">Tahun ini</a>' in page
    assert 'href="/dasbor?periode=tahun"' in page  # the public version of the same period
    assert client.get("/kota/dasbor?periode=abad").status_code == 400


def test_periods_of_the_calendar(app):
    from app.dashboard import period

    now = datetime(2027, 3, 10, 9, tzinfo=WIB)
    month = period("bulan", now)
    assert (month.since.date().isoformat(), month.until.date().isoformat()) == (
        "2027-03-01",
        "2027-04-01",
    )
    assert month.before_since.date().isoformat() == "2027-02-01"
    assert month.snapshot_month.isoformat() == "2027-02-01"
    quarter = period("3bulan", now)
    assert quarter.since.date().isoformat() == "2027-01-01"
    assert quarter.before_since.date().isoformat() == "2026-10-01"
    assert quarter.snapshot_month.isoformat() == "2026-12-01"
    year = period("tahun", now)
    assert year.since.date().isoformat() == "2027-01-01"
    assert (year.before_since.date().isoformat(), year.before_until.date().isoformat()) == (
        "2026-01-01",
        "2026-03-11",
    )
    january = period("3bulan", datetime(2027, 1, 5, tzinfo=WIB))
    assert january.since.date().isoformat() == "2026-11-01"
    leap = period("tahun", datetime(2028, 2, 29, 12, tzinfo=WIB))
    assert leap.before_until.date().isoformat() == "2027-03-01"
