"""The Kelurahan Pintar index (app/index.py): a score 0–100 per dimension per kelurahan,
min–max over the kelurahan that have each figure (flipped when lower is better), the
weighted mean per dimension, no score ("—", not 0) without a figure there; weights 0–10
per figure, set by the city admin on /kota/indeks (audited, Indonesian errors, what was
typed kept), shown with the formula on /dasbor/definisi."""

from __future__ import annotations

import html
import re

import pytest
from conftest import act_as, enable_plugin, kelurahan, make_group, make_user
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditEntry
from app.plugins import DIMENSIONS, Metric

WEIGHTS = "/kota/indeks"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def metric(key: str, value: int, dimension: str = "society", **kwargs) -> Metric:
    return Metric(dimension, key, key, value, **kwargs)


def index_of(page: str, name: str, dimension: str) -> str:
    """The index shown in a kelurahan's cell of one dimension on the city grid."""
    start = page.index(f">{name}</a></th>")
    row = page[start : page.index("</tr>", start)]
    cells = row.split("<td>")[1:]
    cell = cells[list(DIMENSIONS).index(dimension)]
    match = re.search(r'<p class="index-score">Indeks <strong[^>]*>([^<]*)</strong>', cell)
    assert match, cell
    return match.group(1)


# -- the formula on hand-made figures ------------------------------------------------------


def test_min_max_over_the_kelurahan_and_the_weighted_mean(app):
    from app.index import compute

    figures = {
        1: [metric("a", 10), metric("b", 0)],
        2: [metric("a", 20), metric("b", 5)],
        3: [metric("a", 30), metric("b", 10)],
    }
    with app.app_context():
        scores = compute(figures)
        weighted = compute(figures, {"a": 3, "b": 1})
    assert [scores[k]["society"] for k in (1, 2, 3)] == [0.0, 50.0, 100.0]
    # Kelurahan 1: a 0, b 0 → 0; 2: a 50, b 50 → 50. Uneven figures show the weights:
    uneven = {1: [metric("a", 30), metric("b", 0)], 2: [metric("a", 0), metric("b", 10)]}
    with app.app_context():
        even = compute(uneven)
        heavy_a = compute(uneven, {"a": 3, "b": 1})
        without_b = compute(uneven, {"b": 0})
    assert even[1]["society"] == even[2]["society"] == 50.0
    assert (heavy_a[1]["society"], heavy_a[2]["society"]) == (75.0, 25.0)
    assert (without_b[1]["society"], without_b[2]["society"]) == (100.0, 0.0)
    assert weighted[3]["society"] == 100.0
    assert set(scores[1]) == set(DIMENSIONS)


def test_lower_is_better_is_flipped_and_no_direction_does_not_count(app):
    from app.index import compute

    figures = {
        1: [
            metric("open", 2, higher_is_better=False),
            metric("received", 90, higher_is_better=None),
        ],
        2: [
            metric("open", 10, higher_is_better=False),
            metric("received", 1, higher_is_better=None),
        ],
        3: [metric("open", 6, higher_is_better=False)],
    }
    with app.app_context():
        scores = compute(figures)
    assert [scores[k]["society"] for k in (1, 2, 3)] == [100.0, 0.0, 50.0]


def test_no_figure_in_a_dimension_is_no_score_and_equal_values_all_score_100(app):
    from app.index import compute

    figures = {
        1: [metric("a", 4), metric("x", 7, dimension="economy")],
        2: [metric("a", 4)],
        3: [metric("only", 3, dimension="governance", higher_is_better=None)],
    }
    with app.app_context():
        scores = compute(figures)
    assert scores[1]["society"] == scores[2]["society"] == 100.0  # nobody behind anybody
    assert scores[1]["economy"] == 100.0 and scores[2]["economy"] is None
    assert scores[3]["society"] is None and scores[3]["governance"] is None
    assert scores[1]["branding"] is None


# -- on the grid, from the plugins' figures ------------------------------------------------


def society_world():
    """Kauman: two groups (one verified), two members; Medono: one verified group, one
    member; the other 25: none. Society figures (all higher is better) of every kelurahan:
    groups 2/1/0, verified 1/1/0, members 2/1/0."""
    make_group("kauman")
    make_group("kauman", verified=False)
    make_group("medono")


def test_the_grid_shows_each_kelurahans_index_and_a_dash_without_a_figure(app, client):
    from app.dashboard import period
    from app.index import scores

    society_world()
    enable_plugin(app, "notices", "kauman")
    page = text(client.get("/dasbor"))
    assert index_of(page, "Kauman", "society") == "100"
    assert index_of(page, "Medono", "society") == "67"  # (50 + 100 + 50) / 3
    assert index_of(page, "Sapuro Kebulen", "society") == "0"
    assert index_of(page, "Kauman", "governance") == "100"  # the only one with notices
    assert index_of(page, "Medono", "governance") == "—"  # no plugin there: no score, not 0
    assert "Cara menghitung indeks" in page
    chosen = period()
    with app.test_request_context("/dasbor"):
        numbers = scores(chosen.since, chosen.until)
    assert len(numbers) == 27
    assert numbers[kelurahan("medono").id]["society"] == pytest.approx(66.7)
    assert numbers[kelurahan("medono").id]["governance"] is None


def test_the_definitions_page_says_the_formula_and_each_weight(app, client):
    enable_plugin(app, "reports", "kauman")
    page = text(client.get("/dasbor/definisi"))
    assert "Indeks Kelurahan Pintar" in page and 'id="indeks"' in page
    assert "nilai terendah menjadi 0, nilai tertinggi menjadi 100" in page
    assert "tidak mendapat skor (ditulis —), bukan 0" in page
    groups = page[page.index('id="angka-groups"') :]
    assert "bobot indeks: 1" in groups[: groups.index("</dd>")]
    received = page[page.index('id="angka-reports_received"') :]
    assert "tidak dihitung dalam indeks" in received[: received.index("</dd>")]


# -- the weights -------------------------------------------------------------------------


def all_weights(**changed) -> dict[str, str]:
    data = {"bobot_groups": "1", "bobot_groups_verified": "1", "bobot_group_members": "1"}
    data.update({f"bobot_{key}": value for key, value in changed.items()})
    return data


def test_the_city_admin_sets_weights_which_change_the_scores_and_are_audited(app, client):
    from app.index import weights

    society_world()
    act_as(client, make_user(None, "kauman", city_admin=True, name="Rina"))
    form = text(client.get(WEIGHTS))
    assert '<label for="bobot_groups">Kelompok masyarakat</label>' in form
    assert 'name="bobot_groups_verified"' in form and 'value="1"' in form
    response = client.post(WEIGHTS, data=all_weights(groups_verified="10"))
    assert response.status_code == 302
    assert "Bobot indeks disimpan." in text(client.get(WEIGHTS))
    with app.app_context():
        assert weights(["groups", "groups_verified"]) == {"groups": 1, "groups_verified": 10}
    page = text(client.get("/dasbor"))
    assert index_of(page, "Medono", "society") == "92"  # (50 + 10 × 100 + 50) / 12
    definitions = text(client.get("/dasbor/definisi"))
    verified = definitions[definitions.index('id="angka-groups_verified"') :]
    assert "bobot indeks: 10" in verified[: verified.index("</dd>")]

    (entry,) = _db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "city.index_weights_changed")
    ).scalars()
    assert (entry.before, entry.after) == ({"groups_verified": 1}, {"groups_verified": 10})
    assert "mengubah 1 bobot indeks Kelurahan Pintar" in text(client.get("/kota/audit"))

    # Saving the same weights again changes nothing and records nothing.
    client.post(WEIGHTS, data=all_weights(groups_verified="10"))
    assert "Tidak ada yang berubah." in text(client.get(WEIGHTS))
    count = _db.session.scalar(
        select(_db.func.count())
        .select_from(AuditEntry)
        .where(AuditEntry.action == "city.index_weights_changed")
    )
    assert count == 1


@pytest.mark.parametrize(
    "typed, error",
    [
        ("abc", "Isi bilangan bulat dari 0 sampai 10."),
        ("11", "Isi bilangan bulat dari 0 sampai 10."),
        ("-1", "Isi bilangan bulat dari 0 sampai 10."),
        ("2.5", "Isi bilangan bulat dari 0 sampai 10."),
        ("9" * 40, "Isi bilangan bulat dari 0 sampai 10."),
        ("<script>x</script>", "Isi bilangan bulat dari 0 sampai 10."),
        ("", "Wajib diisi."),
    ],
)
def test_hostile_weights_get_a_form_error_and_keep_what_was_typed(app, client, typed, error):
    act_as(client, make_user(None, "kauman", city_admin=True))
    response = client.post(WEIGHTS, data=all_weights(groups=typed, group_members="4"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "<script>x</script>" not in page
    field = page[page.index('id="bobot_groups"') - 200 :]
    assert error in html.unescape(field[: field.index("</div>")])
    assert f'value="{html.escape(typed)}"' in field or typed == ""
    assert 'name="bobot_group_members"' in page and 'value="4"' in page  # kept too
    assert _db.session.scalar(select(AuditEntry.id).limit(1)) is None  # nothing saved


def test_a_missing_weight_is_asked_for(app, client):
    act_as(client, make_user(None, "kauman", city_admin=True))
    response = client.post(WEIGHTS, data={"bobot_groups": "2"})
    assert response.status_code == 422 and "Wajib diisi." in text(response)


def test_only_the_city_admin_sets_weights(app, client):
    assert client.get(WEIGHTS).status_code == 302
    assert client.post(WEIGHTS, data=all_weights(groups="5")).status_code == 302
    act_as(client, make_user("admin", "kauman"))
    assert client.get(WEIGHTS).status_code in (403, 404)
    assert client.post(WEIGHTS, data=all_weights(groups="5")).status_code in (403, 404)
    assert _db.session.scalar(select(AuditEntry.id).limit(1)) is None


def test_a_past_period_uses_the_kept_state_figures(app, client):
    """For a period that ended before this month, a state figure counts with its kept
    monthly value; without one it is left out for that kelurahan."""
    from app.dashboard import period
    from app.index import scores
    from app.models import MetricSnapshot

    society_world()
    month = period("bulan")
    last = month.before_since
    for slug, value in (("kauman", 1), ("medono", 3)):
        _db.session.add(
            MetricSnapshot(
                kelurahan_id=kelurahan(slug).id,
                month=last.date(),
                plugin_id="core",
                dimension="society",
                key="groups",
                label="Kelompok masyarakat",
                value=value,
            )
        )
    _db.session.commit()
    with app.test_request_context("/dasbor"):
        numbers = scores(last, month.before_until)
    assert numbers[kelurahan("medono").id]["society"] == 100.0
    assert numbers[kelurahan("kauman").id]["society"] == 0.0
    assert numbers[kelurahan("sapuro-kebulen").id]["society"] is None
