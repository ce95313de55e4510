"""Small factories shared by the reports tests (imported by name: pytest puts this folder
on sys.path for the test modules in it)."""

from __future__ import annotations

import itertools

from sqlalchemy import select

from app.extensions import db as _db
from app.models import PluginState
from plugins.reports.models import Report

KAUMAN = (-6.8899, 109.6728)  # near Kampung Batik Kauman, inside the city bounds

_seq = itertools.count(1)


def make_report(factory, reporter=None, slug="kauman", **fields) -> Report:
    """A committed report of `slug` (by a new resident unless `reporter` is given)."""
    n = next(_seq)
    values = {
        "category": "Sampah",
        "title": f"Sampah menumpuk {n}",
        "description": "Sudah tiga hari tidak diangkut.",
        "lat": KAUMAN[0],
        "lng": KAUMAN[1],
        "status": "baru",
        "source": "web",
        **fields,
    }
    reporter = reporter or factory.user("warga", slug)
    report = Report(kelurahan_id=factory.kelurahan(slug).id, reporter_id=reporter.id, **values)
    _db.session.add(report)
    _db.session.commit()
    return report


def set_settings(factory, slug="kauman", **values) -> None:
    """Change the reports plugin's settings in `slug` (the plugin must be switched on)."""
    state = _db.session.execute(
        select(PluginState).where(
            PluginState.kelurahan_id == factory.kelurahan(slug).id,
            PluginState.plugin_id == "reports",
        )
    ).scalar_one()
    state.settings = {**(state.settings or {}), **values}
    _db.session.commit()
