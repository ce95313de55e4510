"""Factories for the alert tests."""

from __future__ import annotations

from datetime import timedelta

from facilities_helpers import BASE, centre, kelurahan_row, wib_day

from app.extensions import db as _db
from app.models import utcnow
from app.tenancy import scoped_to
from plugins.facilities.models import Alert, AlertArea

NEW = f"{BASE}/kelola/peringatan/baru"


def make_alert(slug="kauman", rws=("003",), *, start=None, end=None, **fields) -> Alert:
    """An alert stored as staff would leave it: by default active since an hour ago for
    another day, at the kelurahan's centre."""
    k = kelurahan_row(slug)
    now = utcnow()
    values = {
        "kind": "rob",
        "severity": "siaga",
        "message": "Air pasang masuk gang.",
        "lat": k.lat,
        "lng": k.lng,
        "starts_at": start or now - timedelta(hours=1),
        "expected_end_at": end or now + timedelta(days=1),
    }
    values.update(fields)
    with scoped_to(k.id):
        alert = Alert(**values)
        alert.areas = [AlertArea(rw=rw) for rw in rws]
        _db.session.add(alert)
        _db.session.commit()
    return alert


def form_data(slug="kauman", **overrides) -> dict:
    """A valid POST of the alert form: rob for RW 003 and 004, today until tomorrow."""
    lat, lng = centre(slug)
    data = {
        "kind": "rob",
        "severity": "siaga",
        "rws": ["003", "004"],
        "message": "Air laut pasang, siapkan barang di tempat tinggi.",
        "start_day": wib_day(0).isoformat(),
        "start_time": "00:00",
        "end_day": wib_day(1).isoformat(),
        "end_time": "23:00",
        "water_cm": "30",
        "lat": str(lat),
        "lng": str(lng),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
