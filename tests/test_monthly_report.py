"""The monthly report for the Wali Kota (`/kota/laporan?bulan=YYYY-MM`): only the city
admin opens it; a month that is not a real, started month is a 400; its movers are the
biggest changes against the month before, good or bad by each figure's better direction;
the kelurahan needing help are named with their reasons; it prints on A4 with a "Cetak"
button and no script or style inline."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

import pytest
from conftest import StatementCounter, act_as, kelurahan

from app import report as report_module
from app.extensions import db as _db
from app.metrics import add_months, month_of
from app.models import MetricSnapshot
from app.plugins import Metric
from app.report import movers, needing_help

MONTH = date(2026, 6, 1)
BEFORE = date(2026, 5, 1)


def keep(slug: str, month: date, key: str, value: int, dimension: str = "society") -> None:
    _db.session.add(
        MetricSnapshot(
            kelurahan_id=kelurahan(slug).id,
            month=month,
            plugin_id="core",
            dimension=dimension,
            key=key,
            label=key,
            value=value,
        )
    )


def known(**directions) -> dict[str, Metric]:
    return {
        key: Metric("society", key, key.replace("_", " ").capitalize(), 0, higher_is_better=hib)
        for key, hib in directions.items()
    }


def pairs(found) -> list[tuple[str, str, int, int]]:
    return [(m.kelurahan.slug, m.key, m.before, m.after) for m in found]


def test_movers_are_good_or_bad_by_the_figures_better_direction(app):
    for slug, key, before, after in [
        ("kauman", "members", 10, 15),  # +50%, 5 more: good
        ("medono", "members", 4, 2),  # -50%: bad
        ("kauman", "open_reports", 2, 8),  # +300% of a lower-is-better figure: bad
        ("medono", "open_reports", 6, 3),  # -50%, 3 fewer: good, after kauman's +5
        ("tirto", "received", 1, 100),  # no better direction: neither
        ("poncol", "members", 5, 5),  # no change
        ("bendan-kergon", "gone", 1, 9),  # no plugin gives it any more: direction unknown
    ]:
        keep(slug, BEFORE, key, before)
        keep(slug, MONTH, key, after)
    keep("klego", MONTH, "members", 50)  # nothing kept the month before: no move
    keep("klego", add_months(BEFORE, -1), "members", 1)
    _db.session.commit()
    directions = known(members=True, open_reports=False, received=None)

    good, bad = movers(MONTH, directions)
    assert pairs(good) == [
        ("kauman", "members", 10, 15),
        ("medono", "open_reports", 6, 3),
    ]
    assert pairs(bad) == [
        ("kauman", "open_reports", 2, 8),
        ("medono", "members", 4, 2),
    ]
    assert bad[0].percent == "+300%" and good[1].percent == "−50%"
    assert bad[0].sentence() == "Open reports naik dari 2 menjadi 8"
    assert bad[1].sentence() == "Members turun dari 4 menjadi 2"
    good, bad = movers(MONTH, directions, limit=1)
    assert len(good) == len(bad) == 1


def test_the_kelurahan_needing_help_are_named_with_their_reasons(app):
    keep("tirto", BEFORE, "members", 20)
    keep("tirto", MONTH, "members", 5)
    _db.session.commit()
    _, bad = movers(MONTH, known(members=True))
    ids = {slug: kelurahan(slug).id for slug in ("kauman", "medono", "tirto", "poncol", "klego")}
    scores = {
        ids["kauman"]: {"governance": 80.0, "society": 70.0},
        ids["medono"]: {"governance": 20.0, "society": 60.0},  # lowest in governance
        ids["tirto"]: {"governance": 50.0, "society": 30.0},  # lowest in society
        ids["poncol"]: {"governance": 90.0, "society": None},
        ids["klego"]: {"governance": None, "society": None},  # no index at all
    }
    helps = needing_help(scores, bad)
    by_slug = {h.kelurahan.slug: h.reasons for h in helps}
    assert [h.kelurahan.slug for h in helps][:2] == ["tirto", "medono"]  # most reasons first
    assert by_slug["tirto"] == [
        "Indeks rata-rata 40, termasuk 3 terendah di kota",
        "Indeks Smart Society 30, terendah di kota",
        "Members turun dari 20 menjadi 5",
    ]
    assert by_slug["medono"] == [
        "Indeks rata-rata 40, termasuk 3 terendah di kota",
        "Indeks Smart Governance 20, terendah di kota",
    ]
    assert by_slug["kauman"] == ["Indeks rata-rata 75, termasuk 3 terendah di kota"]
    assert "poncol" not in by_slug and "klego" not in by_slug
    # Without an index, the worst moves alone.
    assert [(h.kelurahan.slug, h.reasons) for h in needing_help(None, bad)] == [
        ("tirto", ["Members turun dari 20 menjadi 5"])
    ]


def test_only_the_city_admin_opens_the_report(app, client, factory):
    response = client.get("/kota/laporan")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]
    act_as(client, factory.user("admin", "kauman"))
    assert client.get("/kota/laporan").status_code in (403, 404)
    act_as(client, factory.user(None, "kauman", city_admin=True))
    page = client.get("/kota/laporan").get_data(as_text=True)
    last_month = add_months(month_of(), -1)
    assert f'name="bulan" value="{last_month:%Y-%m}"' in page  # the last complete month
    assert 'href="/kota/laporan"' in client.get("/kota/").get_data(as_text=True)


@pytest.mark.parametrize(
    "value",
    [
        "2026-13",
        "2026-00",
        "26-06",
        "2026-6",
        "juni",
        "２０２６-06",
        "2026-06-01",
        "1999-12",
        "2026-06\x00",
    ],
)
def test_a_month_that_is_not_a_month_is_400(app, client, factory, value):
    act_as(client, factory.user(None, "kauman", city_admin=True))
    assert client.get("/kota/laporan", query_string={"bulan": value}).status_code == 400


def test_a_month_not_started_yet_is_400_and_this_month_is_fine(app, client, factory):
    act_as(client, factory.user(None, "kauman", city_admin=True))
    future = add_months(month_of(), 1)
    assert client.get(f"/kota/laporan?bulan={future:%Y-%m}").status_code == 400
    assert client.get(f"/kota/laporan?bulan={month_of():%Y-%m}").status_code == 200
    assert client.get("/kota/laporan?bulan=").status_code == 200  # an empty picker


def table_rows(page: str, table_id: str) -> list[list[str]]:
    start = page.index(f'id="{table_id}"')
    table = page[start : page.index("</table>", start)]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]
    ]


def test_the_report_page_has_trends_movers_and_help_and_prints(app, client, factory, monkeypatch):
    for slug, before, after in (("kauman", 3, 6), ("medono", 5, 4), ("tirto", 2, 2)):
        keep(slug, BEFORE, "groups", before)
        keep(slug, MONTH, "groups", after)
    keep("kauman", add_months(MONTH, -11), "groups", 1)
    keep("kauman", add_months(MONTH, -12), "groups", 50)  # June a year before
    keep("kauman", add_months(MONTH, -13), "groups", 80)  # before it: not shown
    _db.session.commit()
    ids = {k: kelurahan(k).id for k in ("kauman", "medono")}
    asked = []

    def scores(since, until):
        asked.append((since, until))
        return {ids["kauman"]: {"society": 71.6}, ids["medono"]: {"society": 12.2}}

    monkeypatch.setattr(report_module, "city_index", SimpleNamespace(scores=scores))
    act_as(client, factory.user(None, "kauman", city_admin=True))
    page = client.get("/kota/laporan?bulan=2026-06").get_data(as_text=True)

    # The index of the month: asked for June in WIB.
    assert [(s.isoformat(), u.isoformat()) for s, u in asked] == [
        ("2026-05-31T17:00:00+00:00", "2026-06-30T17:00:00+00:00")
    ]
    grid = {row[0]: row[1:] for row in table_rows(page, "tabel-indeks")}
    assert len(grid) == 27
    assert grid["Kauman"][3] == "72" and grid["Kauman"][-1] == "72"
    assert grid["Poncol"] == ["—"] * 7

    # The city's groups from June a year before to June: the total of the kelurahan.
    city = {row[0]: row[1] for row in table_rows(page, "tren-groups-table")}
    assert len(city) == 13 and list(city)[0] == "Jun 2025" and list(city)[-1] == "Jun 2026"
    assert city["Jun 2026"] == "12" and city["Mei 2026"] == "10" and city["Jul 2025"] == "1"
    assert city["Jun 2025"] == "50"
    assert city["Agu 2025"] == "—"

    good = table_rows(page, "tabel-membaik")
    bad = table_rows(page, "tabel-memburuk")
    assert good == [["Kauman", "Kelompok masyarakat", "3", "6", "+3 (+100%)"]]
    assert bad == [["Medono", "Kelompok masyarakat", "5", "4", "-1 (−20%)"]]
    help_list = page[page.index('id="perlu-dibantu"') :]
    assert "Kelompok masyarakat turun dari 5 menjadi 4" in help_list
    assert "Indeks Smart Society 12, terendah di kota" in help_list

    # Printable: the print stylesheet, a Cetak button wired by a static script.
    assert "css/print.css" in page and "js/print.js" in page
    assert '<button type="button" data-print hidden>Cetak</button>' in page
    assert " style=" not in page and "<script>" not in page
    assert 'class="no-print"' in page


def test_a_month_without_records_says_so(app, client, factory):
    act_as(client, factory.user(None, "kauman", city_admin=True))
    page = client.get("/kota/laporan?bulan=2026-06").get_data(as_text=True)
    assert 'id="tren-kosong"' in page and 'id="bantu-kosong"' in page
    grid = {row[0]: row[1:] for row in table_rows(page, "tabel-indeks")}
    assert len(grid) == 27 and grid["Kauman"][-1] == "—"


def test_the_report_costs_the_same_queries_with_more_snapshots(app, client, factory, monkeypatch):
    monkeypatch.setattr(report_module, "city_index", SimpleNamespace(scores=lambda s, u: {}))
    act_as(client, factory.user(None, "kauman", city_admin=True))
    slugs = ["kauman", "medono", "tirto", "poncol", "klego", "bendan-kergon"]

    def statements(places: int, months: int) -> int:
        _db.session.query(MetricSnapshot).delete()
        for slug in slugs[:places]:
            for n in range(months):
                keep(slug, add_months(MONTH, -n), "groups", n + places)
                keep(slug, add_months(MONTH, -n), "group_members", 2 * n)
        _db.session.commit()
        client.get("/kota/laporan?bulan=2026-06")
        with StatementCounter(_db.engine) as counter:
            assert client.get("/kota/laporan?bulan=2026-06").status_code == 200
        return counter.n

    assert statements(2, 2) == statements(len(slugs), 12)
