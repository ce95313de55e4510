"""`/k/<kelurahan_slug>/...`: the slug becomes `g.kelurahan` (and the session's tenant)
before any view runs, and is filled back in when building URLs inside the kelurahan."""

from contextlib import contextmanager

from flask import Flask, abort, current_app, g

from . import tenancy
from .plugins import host

SLUG_ARG = "kelurahan_slug"


def init_app(app: Flask) -> None:
    app.url_value_preprocessor(_pull_kelurahan)
    app.url_defaults(_add_kelurahan)


def _pull_kelurahan(endpoint, values) -> None:
    g.kelurahan = None
    if not values or SLUG_ARG not in values:
        return
    slug = values.pop(SLUG_ARG)
    # From the process's cache (app.plugins snapshot): no query for the identity.
    kelurahan = host().kelurahan_by_slug(slug) if isinstance(slug, str) else None
    if kelurahan is None:
        abort(404)
    g.kelurahan = kelurahan
    tenancy.set_current(kelurahan.id)


def _add_kelurahan(endpoint, values) -> None:
    if SLUG_ARG in values:
        return
    kelurahan = g.get("kelurahan")
    if kelurahan is not None and current_app.url_map.is_endpoint_expecting(endpoint, SLUG_ARG):
        values[SLUG_ARG] = kelurahan.slug


@contextmanager
def acting_in(kelurahan):
    """Run a kelurahan's hooks from a city page as on its own pages: its tenant scope, and
    URLs built into it (`g.kelurahan`); the page's own state comes back afterwards."""
    kept = g.get("kelurahan")
    g.kelurahan = kelurahan
    try:
        with tenancy.scoped_to(kelurahan.id):
            yield
    finally:
        g.kelurahan = kept
