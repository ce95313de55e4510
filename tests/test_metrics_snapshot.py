"""`flask kp metrics snapshot` keeps each kelurahan's figures for the month: a second run the
same month replaces them (no duplicates), an earlier month is never rewritten, and a plugin
switched off in a kelurahan leaves no figures there. Trends read these rows, so a figure
survives data that changes later."""

from __future__ import annotations

from datetime import date

from conftest import enable_plugin, kelurahan
from sqlalchemy import select

from app.extensions import db as _db
from app.metrics import month_of
from app.models import MetricSnapshot


def figures(slug: str, month: date) -> dict[str, int]:
    rows = _db.session.execute(
        select(MetricSnapshot).where(
            MetricSnapshot.kelurahan_id == kelurahan(slug).id, MetricSnapshot.month == month
        )
    ).scalars()
    return {row.key: row.value for row in rows}


def run(app) -> str:
    result = app.test_cli_runner().invoke(args=["kp", "metrics", "snapshot"])
    assert result.exit_code == 0, result.output
    _db.session.expire_all()
    return result.output


def test_the_snapshot_keeps_this_months_figures_once_and_leaves_past_months(app, factory):
    enable_plugin(app, "facilities", "kauman")
    from tests.facilities.facilities_helpers import make_facility

    make_facility(name="Balai", condition="baik")
    make_facility(name="Lampu", kind="lampu_jalan", bookable=False, condition="rusak_berat")
    factory.group("kauman", name="Batik Kauman")
    last_year = date(2025, 11, 1)
    _db.session.add(
        MetricSnapshot(
            kelurahan_id=kelurahan("kauman").id,
            month=last_year,
            plugin_id="facilities",
            dimension="living",
            key="facilities_good_share",
            label="Fasilitas umum dalam kondisi baik (%)",
            value=20,
        )
    )
    _db.session.commit()

    assert "figure(s) kept for this month" in run(app)
    month = month_of()
    kauman = figures("kauman", month)
    assert kauman["facilities_good_share"] == 50 and kauman["groups"] == 1
    assert "facilities_good_share" not in figures("medono", month)  # off there
    assert figures("medono", month)["groups"] == 0

    make_facility(name="Taman", kind="taman", bookable=False, condition="baik")
    run(app)
    assert figures("kauman", month)["facilities_good_share"] == 67
    rows = (
        _db.session.execute(
            select(MetricSnapshot).where(
                MetricSnapshot.kelurahan_id == kelurahan("kauman").id,
                MetricSnapshot.key == "facilities_good_share",
            )
        )
        .scalars()
        .all()
    )
    assert sorted((r.month, r.value) for r in rows) == [(last_year, 20), (month, 67)]
    label = next(r.label for r in rows if r.month == month)
    assert label == "Fasilitas umum dalam kondisi baik (%)"  # Indonesian, whatever the locale
