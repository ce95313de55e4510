"""Hooks through which reports appear on the kelurahan's pages, maps, search and data."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from app.plugins import MapLayer, NavItem, hookimpl

__all__ = ["kp_nav_items", "kp_map_layers"]


@hookimpl
def kp_nav_items(kelurahan, user):
    return [NavItem(_l("Laporan"), url_for("reports.index", kelurahan_slug=kelurahan.slug), 20)]


@hookimpl
def kp_map_layers(kelurahan):
    return [
        MapLayer(
            "reports",
            _l("Laporan warga"),
            url_for("reports.map_geojson", kelurahan_slug=kelurahan.slug, status="open"),
            "megaphone",
        )
    ]
