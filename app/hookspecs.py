"""Every hook of Kelurahan Pintar, in the order the core calls them.

A plugin implements any of these with the `hookimpl` marker from `app.kit` and a function
of the same name. Parameters may be left out (the core passes only those the implementation
names). Hooks that gather things call every enabled plugin and flatten the lists they
return; none of them stops at the first result. A plugin whose hook raises is logged and
skipped, so one broken plugin never takes a core page down.

Hooks called for a kelurahan run inside its tenant scope: ORM queries of tenant models see
only that kelurahan's rows, and new rows get its id.

Much needs no hook at all: a plugin module's `bp` is served at /k/<slug>/<path>/, its
`city_bp` at /<path>/, its `migrations/` folder joins Alembic and its `translations/` folder
the catalogues (see app/kit.py).

Every hook has a docstring and a `test_hook_<name>` in tests/test_hooks.py; a test fails
when either is missing.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:  # imported for annotations only: the core's models and host types
    from flask import Flask

    from .audit import AuditObject, AuditPhrase
    from .models import Kelurahan, Media, User
    from .plugins import (
        Dataset,
        Event,
        HomeWidget,
        Manifest,
        MapLayer,
        Metric,
        NavItem,
        ReportPlace,
        SearchHit,
        StaffTask,
    )
    from .switch_off import OffImpact

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
    """Register anything unusual on `app`: more blueprints, CLI commands, template filters.

    Called once at start-up, after the manifest and after the module's `bp` and `city_bp`
    were registered by convention. Blueprints registered here belong to the plugin: their
    pages answer 404 in every kelurahan where the plugin is switched off.

    Example::

        @hookimpl
        def kp_init_app(app):
            app.register_blueprint(open311_bp, url_prefix="/open311/v2")
            host(app).add_cli_command(reports_cli)
    """


@hookspec
def kp_migration_dirs() -> list[str]:
    """Return more folders of Alembic revisions to add to `version_locations`.

    Called when Flask-Migrate builds its configuration (every `flask db` command). A
    `migrations/` folder beside the plugin module is found without this hook. The
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

    Called for pages under `/k/<slug>/` when the cached menu is stale; `user` is None for
    visitors. The menu is cached per kelurahan, language and the viewer's role there, so an
    entry may depend on the role (or a permission granted to it); one that differs per
    person sets `cache=False`. Entries are sorted by `order`.

    Example::

        @hookimpl
        def kp_nav_items(kelurahan, user):
            return [NavItem(_l("Pengumuman"), url_for("notices.index"), order=50)]
    """


@hookspec
def kp_home_widgets(kelurahan: Kelurahan, user: User | None) -> list[HomeWidget]:
    """Return small panels for the kelurahan home page: a template and its context.

    Called when `/k/<slug>/` is shown and the cached panel is stale. The core renders each
    panel and caches it per kelurahan, language and the viewer's role there, until the
    plugin emits an event (or five minutes pass). Keep each widget a fixed number of queries
    whatever the data size; set `cache=False` on a panel that differs per person.

    Example::

        @hookimpl
        def kp_home_widgets(kelurahan, user):
            return [HomeWidget("notices-latest", _l("Pengumuman terbaru"),
                               "notices/_widget.html", {"notices": latest(Notice, 3)})]
    """


@hookspec
def kp_map_layers(kelurahan: Kelurahan) -> list[MapLayer]:
    """Return layers for the kelurahan's map: a query the core serves as GeoJSON.

    Called when a map is shown and when the browser fetches a layer from
    `/k/<slug>/peta/<layer id>.geojson`. The core adds the bbox, caps the answer at 500
    points and clusters beyond that in SQL, and caches the answer until the plugin emits
    an event. A query may be a callable taking the request's arguments, for filters.

    Example::

        @hookimpl
        def kp_map_layers(kelurahan):
            return [MapLayer("notices", _l("Pengumuman"), select(Notice),
                             columns=(Notice.title,), icon="megaphone")]
    """


@hookspec
def kp_dimension_metrics(kelurahan: Kelurahan, since: datetime, until: datetime) -> list[Metric]:
    """Return figures for the six-dimension dashboards.

    Called for each kelurahan on the kelurahan and city dashboards (for the chosen period
    and for the period before it, to show the change), by `flask kp metrics snapshot` (kept
    per month for trends) and for the definitions page. `since` is the start of the period
    and `until` its end (UTC, aware, `since` included, `until` excluded; both a day's start
    in WIB, `until` may lie in the future for the running period). A figure that counts
    over the period (`over_period=True`) counts what happened in [since, until), so a past
    period can be asked again later; a state figure (`over_period=False`) is the state now
    and ignores both. Each metric names its dimension; values are integers. Give each its
    `definition` (what exactly is counted), its `unit`, whether higher is better, whether
    it counts over the period or is a state now, and the `url` of the rows behind it (build
    it with `kelurahan_slug=kelurahan.slug`): no figure on a dashboard without a way to
    check it. Answers are cached like widgets, per period, until the plugin emits an event.

    Example::

        @hookimpl
        def kp_dimension_metrics(kelurahan, since, until):
            count = count_rows(select(Notice.id).where(Notice.created_at >= since,
                                                       Notice.created_at < until))
            return [Metric("governance", "notices", _l("Pengumuman"), count,
                           _l("Pengumuman yang terbit dalam periode."),
                           url=url_for("notices.index", kelurahan_slug=kelurahan.slug))]
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

    Called by `/k/<slug>/data-terbuka` (CSV, JSON, GeoJSON, iCalendar downloads) and by the
    city's portal at `/data`, which merges a dataset id over every kelurahan where the
    plugin is on and lists it in `/data/catalog.json` for CKAN and data.gov harvesters.
    Each `Dataset` has an id, a title, a description and exporters (`csv`, optionally
    `geojson`, or `ics` for events) that return public fields only: no NIK, e-mail, phone,
    home address, account id or name a person chose to hide (tests/test_open_data_portal.py
    checks every dataset). `columns` gives each CSV column's name (as in the header) and
    meaning; `updated` returns when the data last changed (None without rows).

    Example::

        @hookimpl
        def kp_open_data(kelurahan):
            return [
                Dataset(
                    "notices",
                    _l("Pengumuman"),
                    csv=lambda: (["id", "judul"], rows()),
                    columns=(Column("id", _l("Nomor pengumuman"), "integer"),
                             Column("judul", _l("Judul pengumuman"))),
                    updated=lambda: last_change(Notice.created_at),
                )
            ]
    """


@hookspec
def kp_complaint_channels(kelurahan: Kelurahan) -> list[NavItem]:
    """Return the places on this site where a resident of the kelurahan files a complaint.

    Called by the kelurahan home page for its "Ke mana mengadu" box. A plugin that takes
    complaints or reports returns a `NavItem` to its form (the label says what to do).
    While no plugin switched on there returns one, the page names the city's own channel
    (Pengaturan kota) and SP4N-LAPOR! instead, so a resident always learns where to go.

    Example::

        @hookimpl
        def kp_complaint_channels(kelurahan):
            return [NavItem(_l("Kirim pengaduan"), url_for("complaints.new"), order=10)]
    """


@hookspec
def kp_report_link(kelurahan: Kelurahan, place: ReportPlace) -> str | None:
    """Offer a page where a resident reports a problem at `place`, prefilled with it.

    Called by `report_link()` from the kit when another plugin's page offers "Laporkan
    kerusakan" for one of its things (a facility, a destination). `place` carries the
    thing's `title`, `lat`/`lng` (None when unknown), `address`, the `url` of its page and
    the `source` plugin's id; a plugin is never asked about its own places. Return a URL on
    this site (a form the resident still checks and sends), or None to decline. The first
    plugin that answers wins; when none does, the caller takes the message itself (to
    staff), so a resident is never left without a way to report.

    Example::

        @hookimpl
        def kp_report_link(kelurahan, place):
            return url_for("complaints.new", title=place.title, lat=place.lat, lng=place.lng)
    """


# --------------------------------------------------------------------------------------------
# The city and staff: called for the city's pages, and for staff's work.
# --------------------------------------------------------------------------------------------


@hookspec
def kp_city_nav_items(user: User | None) -> list[NavItem]:
    """Return links to the plugin's city-wide pages, for the city home and header.

    Called on the city's pages (`/`, `/kota/...`, a plugin's `city_bp`) for plugins switched
    on in at least one kelurahan; `user` is None for visitors. Runs outside any kelurahan:
    a plugin that queries its tenant tables here opts out of the scope explicitly.

    Example::

        @hookimpl
        def kp_city_nav_items(user):
            return [NavItem(_l("Katalog UMKM"), url_for("umkm_city.catalogue"), order=30)]
    """


@hookspec
def kp_staff_tasks(kelurahan: Kelurahan, user: User) -> list[StaffTask]:
    """Return the queues waiting for `user` in the kelurahan, for the "Tugas saya" page.

    Called when signed-in staff open `/k/<slug>/tugas`, their landing page after signing
    in. Each `StaffTask` has a count, the time of its oldest item and a link to where the
    work is done. Return only queues the user may work on (check a permission with `can`),
    and keep each queue one or two queries.

    Example::

        @hookimpl
        def kp_staff_tasks(kelurahan, user):
            if not can("notices.post"):
                return []
            count, oldest = count_and_oldest(select(Notice).where(Notice.draft), Notice.created_at)
            return [StaffTask("notices-drafts", _l("Draf pengumuman"), count,
                              url_for("notices.index"), oldest)]
    """


# --------------------------------------------------------------------------------------------
# Uploads: called when a file that is not public is asked for.
# --------------------------------------------------------------------------------------------


@hookspec
def kp_media_visible(media: Media, kelurahan: Kelurahan, user: User | None) -> bool | None:
    """Say whether `user` may see an upload that is not public (`media.public` False).

    Called by `/media/<path>` for a non-public file of `kelurahan` (the file's own), for
    plugins switched on there, inside its scope; `user` is None for visitors. Return True
    when the file shows an item of the plugin that the user may open (its uploader or
    group, staff with the right permission there), False to refuse, None when the file is
    not the plugin's. The file is served (never from a shared cache) when one plugin says
    True, and answers 404 otherwise. Keep it to one or two queries. Public files never
    reach this hook; a plugin marks its files non-public while the item they show is hidden
    or awaiting review (`set_media_public` in the kit).

    Example::

        @hookimpl
        def kp_media_visible(media, kelurahan, user):
            photo = db.session.scalar(select(NoticePhoto).where(NoticePhoto.media_id == media.id))
            if photo is None:
                return None
            return user is not None and can("notices.post", user=user, kelurahan=kelurahan)
    """


# --------------------------------------------------------------------------------------------
# Switching off and the audit log: what an admin reads before and after a change.
# --------------------------------------------------------------------------------------------


@hookspec
def kp_plugin_off_impact(kelurahan: Kelurahan) -> list[OffImpact | str]:
    """Say what residents and staff of `kelurahan` lose when the plugin is switched off there.

    Called for the plugin being switched off only (it is still on), inside the kelurahan's
    scope, when its admin opens the confirmation page (Kelola → Plugin → Matikan). The core
    already lists the plugin's pages, menu entries, map layers and home widgets; return
    short Indonesian sentences about the plugin's live data there, counted in a query or
    two. Return an `OffImpact` to have the core also tell some groups' leaders (the shops
    that stop showing) when the admin confirms. Nothing is deleted by switching off: say so
    if it helps. A hook that raises is logged and left out of the page.

    Example::

        @hookimpl
        def kp_plugin_off_impact(kelurahan):
            n = count_rows(select(Notice).where(Notice.published))
            return [_l("%(n)s pengumuman tidak lagi tampil untuk warga; data tidak dihapus "
                       "dan kembali saat dinyalakan lagi.", n=n)]
    """


@hookspec
def kp_audit_phrases() -> list[AuditPhrase | AuditObject]:
    """Return how the audit log says the plugin's own actions and names its objects.

    Called (for every installed plugin, switched on anywhere or not) when an audit page is
    shown. An `AuditPhrase` turns an action the plugin records with `audit()` into a
    sentence with `%(actor)s` and `%(object)s` ("Petugas Budi menyetujui toko “Batik
    Sari”"); an `AuditObject` names objects of one `obj_type`, looking their names up for
    the whole page at once. Actions without a phrase still read as a plain sentence.

    Example::

        @hookimpl
        def kp_audit_phrases():
            return [
                AuditObject("notice", _l("pengumuman “%(name)s”"), notice_titles),
                AuditPhrase("notices.published", _l("%(actor)s menerbitkan %(object)s")),
            ]
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
    """React to an event; the return value is ignored.

    Called after the change is committed, inside the event's kelurahan scope, for plugins
    switched on in `event.kelurahan` (all plugins when the event has no kelurahan). The
    core's names: `user.joined`, `group.created`, `group.verified`, `group.unverified`,
    `plugin.enabled`, `plugin.disabled`. Plugins emit their own with `emit()` from the kit,
    named `<plugin id>.<what>`; an event also renews the emitter's cached answers.

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
