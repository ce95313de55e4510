"""Every hook of Kelurahan Pintar, in the order the core calls them.

A plugin implements any of these with the `hookimpl` marker from `app.plugins` and a function
of the same name. Parameters may be left out from the right (pluggy passes only those the
implementation names). Hooks that gather things call every enabled plugin and flatten the
lists they return; none of them stops at the first result. A plugin whose hook raises is
logged and skipped, so one broken plugin never takes a core page down.

Every hook has a docstring and a `test_hook_<name>` in tests/test_hooks.py; a test fails
when either is missing.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:  # imported for annotations only: the core's models and host types
    from flask import Flask

    from .models import Kelurahan, User
    from .plugins import (
        Dataset,
        Event,
        HomeWidget,
        Manifest,
        MapLayer,
        Metric,
        NavItem,
        SearchHit,
    )

hookspec = pluggy.HookspecMarker("kelurahan_pintar")


# --------------------------------------------------------------------------------------------
# Start-up: called once per app, for every installed plugin (enabled anywhere or not).
# --------------------------------------------------------------------------------------------


@hookspec
def kp_plugin_manifest() -> Manifest:
    """Describe the plugin: id, name, dimension, settings, permissions and requirements.

    Called once at start-up. Every plugin except the core must implement it; the manifest's
    `id` must equal the name the plugin was registered under (its folder or entry point).

    Example::

        @hookimpl
        def kp_plugin_manifest():
            return Manifest(
                id="notices", name=_l("Pengumuman"), dimension="governance",
                description=_l("Pengumuman resmi kelurahan."), icon="megaphone",
                version="1.0",
                settings=[Setting("per_page", "int", 10, _l("Per halaman"), min=1, max=50)],
            )
    """


@hookspec
def kp_init_app(app: Flask) -> None:
    """Register blueprints, CLI commands and template filters on `app`.

    Called once at start-up, after the manifest. Blueprints registered here belong to the
    plugin: their pages answer 404 in every kelurahan where the plugin is switched off.
    Put kelurahan pages under `/k/<kelurahan_slug>/<plugin id>/`.

    Example::

        @hookimpl
        def kp_init_app(app):
            app.register_blueprint(bp, url_prefix="/k/<kelurahan_slug>/notices")
    """


@hookspec
def kp_migration_dirs() -> list[str]:
    """Return folders of Alembic revisions to add to `version_locations`.

    Called when Flask-Migrate builds its configuration (every `flask db` command). The
    plugin's first revision has `down_revision = None`, `branch_labels = ("<id>",)` and
    `depends_on` the core's head, so `flask db upgrade heads` applies every branch.

    Example::

        @hookimpl
        def kp_migration_dirs():
            return [str(Path(__file__).parent / "migrations")]
    """


# --------------------------------------------------------------------------------------------
# Pages: called for a kelurahan, only for plugins switched on there.
# --------------------------------------------------------------------------------------------


@hookspec
def kp_nav_items(kelurahan: Kelurahan, user: User | None) -> list[NavItem]:
    """Return menu entries for the kelurahan's pages.

    Called on every page under `/k/<slug>/`; `user` is None for visitors. Entries are
    sorted by `order`. Return an empty list to show nothing (e.g. to visitors).

    Example::

        @hookimpl
        def kp_nav_items(kelurahan, user):
            return [NavItem(_l("Pengumuman"), url_for("notices.index"), order=50)]
    """


@hookspec
def kp_home_widgets(kelurahan: Kelurahan, user: User | None) -> list[HomeWidget]:
    """Return small rendered panels for the kelurahan home page.

    Called when `/k/<slug>/` is shown. `html` should be a rendered template (Markup);
    keep each widget cheap: a fixed number of queries whatever the data size.

    Example::

        @hookimpl
        def kp_home_widgets(kelurahan, user):
            html = render_template("notices/_widget.html", notices=latest(5))
            return [HomeWidget("notices-latest", _l("Pengumuman terbaru"), html, order=20)]
    """


@hookspec
def kp_map_layers(kelurahan: Kelurahan) -> list[MapLayer]:
    """Return layers for the kelurahan's unified map.

    Called when the map page or the home page map is shown. Each layer names a GeoJSON
    URL (RFC 7946, lng/lat order) that the browser fetches; the endpoint must cap its size.

    Example::

        @hookimpl
        def kp_map_layers(kelurahan):
            return [MapLayer("notices", _l("Pengumuman"), url_for("notices.geojson"), "pin")]
    """


@hookspec
def kp_dimension_metrics(kelurahan: Kelurahan, since: datetime) -> list[Metric]:
    """Return figures for the six-dimension dashboards.

    Called for each kelurahan on the kelurahan and city dashboards; `since` is the start
    of the period (UTC). Each metric names its dimension; values are integers.

    Example::

        @hookimpl
        def kp_dimension_metrics(kelurahan, since):
            return [Metric("governance", "notices", _l("Pengumuman"), count_since(since))]
    """


@hookspec
def kp_search(kelurahan: Kelurahan, query: str, limit: int) -> list[SearchHit]:
    """Return at most `limit` hits for the site search of one kelurahan.

    Called by `/k/<slug>/cari?q=...` with a stripped, non-empty query. Return only what a
    visitor may see (nothing hidden, unapproved or private).

    Example::

        @hookimpl
        def kp_search(kelurahan, query, limit):
            rows = Notice.query.filter(Notice.title.ilike(f"%{query}%")).limit(limit)
            return [SearchHit(n.title, url_for("notices.show", notice_id=n.id), n.body[:160])
                    for n in rows]
    """


@hookspec
def kp_open_data(kelurahan: Kelurahan) -> list[Dataset]:
    """Return the plugin's open datasets for the kelurahan's open data page.

    Called by `/k/<slug>/data-terbuka`. Each `Dataset` has an id, a title and exporters
    (`csv`, optionally `geojson`) that return rows of public fields only: no e-mail, no
    phone, no name a person chose to hide.

    Example::

        @hookimpl
        def kp_open_data(kelurahan):
            return [Dataset("notices", _l("Pengumuman"), csv=lambda: (HEADER, rows()))]
    """


# --------------------------------------------------------------------------------------------
# Operations: demo content and events.
# --------------------------------------------------------------------------------------------


@hookspec
def kp_demo_data(kelurahan: Kelurahan) -> None:
    """Create believable demo content in `kelurahan`.

    Called by `flask kp seed --demo` for each kelurahan where the plugin is switched on,
    inside that kelurahan's scope (new tenant rows get its id). Must be idempotent:
    running the seed twice adds nothing the second time.

    Example::

        @hookimpl
        def kp_demo_data(kelurahan):
            if not Notice.query.first():
                db.session.add(Notice(title="Kerja bakti Minggu pagi", body="..."))
    """


@hookspec
def kp_on_event(event: Event) -> None:
    """React to a core event; the return value is ignored.

    Called after the change is committed, for plugins switched on in `event.kelurahan`
    (all plugins when the event has no kelurahan). Names: `user.joined`,
    `group.created`, `group.verified`, `plugin.enabled`, `plugin.disabled`.

    Example::

        @hookimpl
        def kp_on_event(event):
            if event.name == "plugin.enabled" and event.payload["plugin_id"] == "notices":
                create_welcome_notice(event.kelurahan)
    """


HOOK_NAMES: tuple[str, ...] = tuple(
    name for name, value in list(globals().items()) if name.startswith("kp_") and callable(value)
)

__all__ = ["HOOK_NAMES", "hookspec"]
