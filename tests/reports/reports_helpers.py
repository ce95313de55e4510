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


# -- the outside geocoder, faked at the network's edge ------------------------------------------

PUBLIC_IP = "93.184.216.34"  # a public address, never contacted: the connection is faked


def set_city_settings(**values) -> None:
    """Store the reports plugin's city-wide settings (geocoder_url=...) as the city admin's
    page would (every worker sees them once committed)."""
    from app.models import CitySetting

    for key, value in values.items():
        row = _db.session.get(CitySetting, f"reports.{key}")
        if row is None:
            _db.session.add(CitySetting(key=f"reports.{key}", value=value))
        else:
            row.value = value
    _db.session.commit()


def fake_geocoder(monkeypatch, answer=(), *, status=200, body=None, addresses=(PUBLIC_IP,)):
    """Replace name lookups and the HTTPS connection of plugins.reports.geocoding; returns
    the list of requests made ({"address", "host", "path"}). Nothing leaves the machine."""
    import io
    import json
    import socket
    from types import SimpleNamespace

    from plugins.reports import geocoding

    calls: list[dict] = []
    payload = body if body is not None else json.dumps(list(answer)).encode()

    class Response:
        def __init__(self):
            self.status = status
            self.stream = io.BytesIO(payload)

        def read(self, amount=-1):
            return self.stream.read(amount)

    class Connection:
        def __init__(self, target, timeout):
            self.target = target
            self.sock = SimpleNamespace(settimeout=lambda seconds: None)

        def request(self, method, path, headers=None):
            calls.append({"address": self.target.address, "host": self.target.host, "path": path})

        def getresponse(self):
            return Response()

        def close(self):
            pass

    def lookup(host, port, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port)) for ip in addresses]

    monkeypatch.setattr(geocoding, "lookup", lookup)
    monkeypatch.setattr(geocoding, "PinnedHTTPSConnection", Connection)
    return calls
