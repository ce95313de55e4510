"""`flask kp metrics snapshot` keeps each kelurahan's figures for the month: a second run the
same month replaces them (no duplicates), an earlier month is never rewritten, and a plugin
switched off in a kelurahan leaves no figures there. Trends read these rows, so a figure
survives data that changes later."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from conftest import count, enable_plugin, kelurahan
from sqlalchemy import select

from app.extensions import db as _db
from app.formatting import WIB
from app.metrics import add_months, month_of, month_start
from app.models import MetricSnapshot


def figures(slug: str, month: date) -> dict[str, int]:
    rows = _db.session.execute(
        select(MetricSnapshot).where(
            MetricSnapshot.kelurahan_id == kelurahan(slug).id, MetricSnapshot.month == month
        )
    ).scalars()
    return {row.key: row.value for row in rows}


def run(app, *options: str) -> str:
    result = app.test_cli_runner().invoke(args=["kp", "metrics", "snapshot", *options])
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


# -- a past month, on demand ---------------------------------------------------------------------


def add_notice(slug: str, at: datetime) -> None:
    from kp_notices import Notice

    _db.session.add(
        Notice(kelurahan_id=kelurahan(slug).id, title="Posyandu", body="-", created_at=at)
    )
    _db.session.commit()


def middle_of(month: date) -> datetime:
    return datetime.combine(month.replace(day=15), time(12), WIB)


def test_a_past_month_gets_its_figures_over_the_period_and_never_a_state(app, factory):
    enable_plugin(app, "notices", "kauman")
    this_month = month_of()
    past = add_months(this_month, -3)
    add_notice("kauman", middle_of(past))
    add_notice("kauman", middle_of(past))
    add_notice("kauman", middle_of(add_months(past, 1)))  # the next month: not counted
    add_notice("kauman", month_start(past) - timedelta(seconds=1))  # the month before
    factory.group("kauman", name="Batik Kauman")  # a state figure: groups now
    # A state figure an earlier run of that month kept stays as it was.
    _db.session.add(
        MetricSnapshot(
            kelurahan_id=kelurahan("kauman").id,
            month=past,
            plugin_id="core",
            dimension="society",
            key="group_members",
            label="Anggota kelompok",
            value=7,
        )
    )
    _db.session.commit()

    output = run(app, "--month", f"{past:%Y-%m}")
    assert f"over the period kept for {past:%Y-%m}" in output
    kept = figures("kauman", past)
    assert kept["notices_recent"] == 2
    assert "groups" not in kept  # how many groups there were then is not known
    assert kept["group_members"] == 7
    assert figures("kauman", this_month) == {}  # the current month is not touched

    add_notice("kauman", middle_of(past))
    run(app, "--month", f"{past:%Y-%m}")  # again: replaced, not added
    assert figures("kauman", past)["notices_recent"] == 3
    assert count(MetricSnapshot, MetricSnapshot.key == "notices_recent") == 1  # kauman only


def test_the_month_option_refuses_what_is_not_a_past_or_current_month(app):
    runner = app.test_cli_runner()
    future = add_months(month_of(), 1)
    for value in ("2026-13", "26-11", "2026-1", "२०२६-११", "2026-11-01", "", f"{future:%Y-%m}"):
        result = runner.invoke(args=["kp", "metrics", "snapshot", "--month", value])
        assert result.exit_code == 2, (value, result.output)
        assert "--month" in result.output
    assert count(MetricSnapshot) == 0
    result = runner.invoke(args=["kp", "metrics", "snapshot", "--help"])
    assert "cannot be known for the past" in " ".join(result.output.split())


def test_the_current_month_given_as_month_is_an_ordinary_run(app, factory):
    factory.group("kauman", name="Batik Kauman")
    assert "kept for this month" in run(app, "--month", f"{month_of():%Y-%m}")
    assert figures("kauman", month_of())["groups"] == 1


def test_the_demo_backfill_keeps_twelve_past_months_and_this_one(app):
    from app.metrics import backfill

    enable_plugin(app, "notices", "kauman")
    this_month = month_of()
    for n in range(0, 14):
        add_notice("kauman", middle_of(add_months(this_month, -n)))
    with app.test_request_context():
        backfill()
    _db.session.expire_all()
    rows = _db.session.execute(
        select(MetricSnapshot.month, MetricSnapshot.value).where(
            MetricSnapshot.key == "notices_recent",
            MetricSnapshot.kelurahan_id == kelurahan("kauman").id,
        )
    ).all()
    assert sorted(rows) == [(add_months(this_month, -n), 1) for n in range(12, -1, -1)]
    # State figures only for the current month.
    months = _db.session.scalars(
        select(MetricSnapshot.month).where(MetricSnapshot.key == "groups").distinct()
    ).all()
    assert months == [this_month]
