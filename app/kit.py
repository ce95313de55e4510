"""The plugin kit: the one module a plugin imports from the core.

Everything a plugin may use is re-exported here, and only here; the rest of `app` is
private to the core and may change without notice (tests/test_kit.py fails when a module
under plugins/ or tests/example_plugin/ imports anything else from `app`).

A small plugin is one module (tests/example_plugin/kp_notices/ is a whole one):

    from flask import Blueprint, render_template
    import app.kit as kit

    bp = Blueprint("notices", __name__, template_folder="templates")  # /k/<slug>/<path>/

    @kit.hookimpl
    def kp_plugin_manifest():
        return kit.Manifest("notices", _l("Pengumuman"), "governance", ..., path="pengumuman")

Conventions the host applies without a hook:

* `bp` is served at `/k/<kelurahan_slug>/<path>/` and `city_bp` at `/<path>/`, where
  `<path>` is `Manifest.path` (Indonesian: `laporan`, `wisata`), by default the id;
  `Manifest.former_paths` redirect permanently to it. Blueprint names start with the id.
* A `migrations/` folder beside the module is the plugin's Alembic branch; its first
  revision has `down_revision = None`, `branch_labels = ("<id>",)`, `depends_on = "0001_core"`.
* A `translations/` folder beside the module is the plugin's own catalogue
  (`translations/en/LC_MESSAGES/messages.po`), loaded next to the core's.
* Tables are named `<id>_<thing>`; tenant tables subclass `TenantMixin`.

**Tenancy.** Inside a kelurahan's pages and hooks, ORM statements on `TenantMixin` models see
only that kelurahan's rows (joins, subqueries and counts included) and new rows get its id.
Three things bypass the filter and must never touch a tenant table in a plugin:
`text()` SQL, Core `Table` statements (`Model.__table__`, `insert(table)`), and
`session.get()` / `db.get_or_404()` (an identity-map lookup runs no query). Use
`get_or_404(Model, id)` from here instead. tests/test_kit.py fails when a plugin uses them.

**Settings.** `Manifest.settings` are typed `Setting`s. Each kelurahan admin edits the
plugin's settings for their kelurahan (`plugin_settings(plugin_id)`); a setting declared
`scope="city"` holds for the whole city, is edited only by the city admin at /kota/pengaturan
and is read with `city_settings(plugin_id)` (use it for anything that makes the server act
outside its own data, such as an outside service's URL; `check=` refuses a value at save time).

**Caching.** Home widgets, menus, dimension metrics and map-layer answers are cached per
kelurahan; a busy public page can serve visitors who are not signed in from the cache with
`@visitor_page`. `cache` is the app's Flask-Caching object (shared by every worker with
Redis) for a plugin's own costly answers, keyed by the plugin id. After a committed change,
`emit("<id>.<what>")`: it renews the plugin's cached answers and pages in that kelurahan for
every worker, and tells other plugins (`kp_on_event`).

**Forms that create something** are idempotent: mix `IdempotentForm` into the FlaskForm
(a hidden, fresh `submission_token`; render it with `submission_token(form)` from
macros/ui.html), return `already_done(form)` when it is not None (the same POST came
again: a redirect to the first result), and call `remember_result(form, url)` after
flushing the new row, before the commit (same transaction; a concurrent duplicate is
rolled back and redirected). A form with photos wraps its file field in `PhotoUploads`
(app/uploads.py) and renders it with `photo_field` from macros/photos.html: photos chosen
in a POST that is refused are kept for the next one, so a form error never loses a photo.
`photos.attach(add, start=..., thumb_side=..., stored=...)` then gives each a thumbnail and
hands both to the plugin's `add(full, thumb, position)`. Stored files are read, written
and served through `storage()` (the folder or the S3 bucket, whichever the city runs):
`open_media(media)` to read one, `private_file(media, name)` to send a non-public one
after the plugin's own access check, `remove_media_files(rows)` after a rollback.
Ids read from a query string or a form go through
`parse_id()` (ASCII digits within BIGINT, else None), never bare `int()`.

**Writes that decide on what they read** (a limit, a count, a free slot) call
`begin_write()` before the first read: on SQLite it takes the write lock at once, so a
concurrent writer queues instead of failing half-way; on PostgreSQL it does nothing, and the
plugin relies on a conditional UPDATE (`... WHERE used < limit`) or a row lock instead.

**Repeating things** (a weekly event, a booking every Friday, posyandu on the second
Tuesday) use `recurrence`: RFC 5545 rules read in WIB, `make_rule` from a form's choices,
`occurrences` in a window, `describe` in words, `calendar_ics` for a feed.

**API keys.** A plugin declares what keys may do with it as `ApiScope("<id>.<what>", label)`
in `Manifest.api_scopes`; the kelurahan admin issues keys with some of those scopes at
/k/<slug>/admin/kunci-api (or `flask kp api-key issue`). A plugin's own API looks a sent key
up with `find_active_key(plaintext)` and accepts it only when `apikeys.allows(key, scope)`
and `key.kelurahan_id` is the kelurahan asked about; `apikeys.touch(key)` notes the use.

**The JSON API.** A module-level `api_bp = ApiBlueprint("<id>-api", __name__)` (a
flask-smorest blueprint) is served at /api/v1/kelurahan/<slug>/<id>/, documented in
/api/openapi.json from its marshmallow schemas, limited per key and answering 404 where the
plugin is off. A list takes `@api_bp.arguments(PageArgs, location="query")`, answers
`@api_bp.response(200, page_schema(ItemSchema))` and returns
`list_page(items, next_cursor)` from `cursor_page(query, Model.id, args)`. Errors go
through `api_abort(status, detail)` (problem+json). An id in a query string or a body is
an `ApiId()` field (beyond what an id column holds: 422, not the database's overflow).
Photos are `ApiPhotoSchema` rows from `api_photos(item.photos)`; a lone file `media_url`. A
write is wrapped in `require_api_key("<id>.<what>")` and documented with
`@api_bp.doc(security=API_KEY)`. Never answer what the plugin's public pages do not show.

**The audit log** names a plugin's objects with `AuditObject(type, label,
audit_names(Model.title))` (one query per page of entries).

**Flags.** Residents flag a plugin's item (a comment) with `FlagForm`, rendered by
`flag_control` from macros/flags.html; the view calls `add_flag(plugin_id, target_type, id,
owner_id=..., threshold=...)`, which refuses own items, second flags and more than 10 flags an
hour per account (all plugins together), flushes the flag and answers a `FlagOutcome`. It
never commits: when `outcome.reached`, the caller hides its item and audits that, then
commits, and flashes `outcome.message` / `outcome.category`. Only verified residents and staff
count towards the threshold. When staff restore, hide or delete a flagged item they call
`review_flags(...)` (its flags leave `flag_queue(plugin_id)`, a staff task's size and age);
`unreviewed_flags` and `flagged_by` read many items' flags in one query for a list page.
"""

from __future__ import annotations

import logging
import math
import random
import re
from collections.abc import Iterable

from flask import g, has_request_context, request
from flask_babel import force_locale, gettext, lazy_gettext, ngettext
from flask_login import current_user

from . import apikeys, recurrence
from .api.contract import (
    API_KEY,
    ApiBlueprint,
    ApiId,
    ApiPhotoSchema,
    PageArgs,
    api_abort,
    api_photos,
    current_key,
    cursor_page,
    list_page,
    media_url,
    page_schema,
    require_api_key,
)
from .apikeys import find_active_key
from .audit import AuditObject, AuditPhrase
from .audit import names_of as audit_names
from .audit import record as audit
from .audit import row_ids as audit_row_ids
from .auth import (
    admin_required,
    city_admin_required,
    is_admin,
    is_staff,
    login_required,
    staff_required,
)
from .caching import cache
from .config import ConfigError
from .exports import csv_response, csv_text, geojson_response, ics_response
from .extensions import csrf, db, htmx, limiter
from .flags import (
    FLAG_REASONS,
    FlagForm,
    FlagOutcome,
    add_flag,
    flag_queue,
    flagged_by,
    review_flags,
    unreviewed_flags,
)
from .formatting import WIB, kg, rupiah, slugify, snippet, wib, wib_range
from .forms import (
    INVALID_CHOICE,
    MAX_RUPIAH,
    REQUIRED,
    CheckboxListField,
    EmptyForm,
    IndonesianDateField,
    IndonesianPhone,
    IndonesianTimeField,
    MissingLocation,
    NeighbourhoodField,
    RupiahField,
    WholeNumberField,
    neighbourhood_number,
    parse_rupiah,
    read_location,
)
from .forms import choices as select_choices
from .geo import (
    BadBBox,
    BBox,
    degree_box,
    distance_m,
    feature_collection,
    in_bounds,
    point_feature,
    rows_as_features,
)
from .idempotency import IdempotentForm, already_done, remember_result
from .imaging import ImageRejected
from .input_guard import MAX_ID, link_args, parse_id
from .media import save_upload
from .models import (
    ContentFlag,
    Group,
    GroupKind,
    GroupMember,
    Kelurahan,
    Media,
    Role,
    RoleAssignment,
    TenantMixin,
    User,
    UTCDateTime,
    utcnow,
)
from .notify import notify
from .opendata import last_change
from .pagecache import visitor_page
from .paging import MAX_PAGE, page_number
from .permissions import can, permission_required, require
from .phone import InvalidPhone, format_phone, normalize_phone, wa_me_url
from .plugins import (
    DIMENSIONS,
    ApiScope,
    Column,
    Dataset,
    Event,
    GroupRole,
    HomeWidget,
    Manifest,
    MapLayer,
    Metric,
    NavItem,
    Permission,
    ReportPlace,
    SearchHit,
    Setting,
    SettingError,
    StaffTask,
    hookimpl,
    host,
)
from .queries import count_and_oldest, count_rows, latest
from .seed import DEMO_PASSWORDS, ensure_user, load_reference
from .storage import Delivery, StoredFile, storage
from .switch_off import OffImpact
from .tenancy import TenantScopeError, all_kelurahan, get_or_404, scoped_to
from .transactions import begin_write
from .uploads import PhotoUploads, open_media, private_file
from .urls import public_url, safe_next

log = logging.getLogger(__name__)

_l = lazy_gettext

# -- the current kelurahan and plugins ---------------------------------------------------------


def current_kelurahan():
    """The kelurahan of the page being served (None outside /k/<slug>/)."""
    return g.get("kelurahan")


def is_verified_resident(user=None, kelurahan=None) -> bool:
    """Staff verified that this account (the signed-in one) lives in the kelurahan (the
    current one): what proposals and letter services ask before a resident may act."""
    user = current_user if user is None else user
    if not getattr(user, "is_authenticated", False):
        return False
    role = user.role_in(kelurahan or g.kelurahan)
    return role is not None and role.verified_at is not None


def plugin_settings(plugin_id: str, kelurahan=None) -> dict:
    """A plugin's settings in `kelurahan` (the current one), defaults filled in."""
    return host().settings(kelurahan or g.kelurahan, plugin_id)


def city_settings(plugin_id: str) -> dict:
    """A plugin's city-wide settings (declared `Setting(..., scope="city")`), defaults
    filled in: one value for every kelurahan, set by the city admin at /kota/pengaturan.
    Read from memory; a change is seen by every worker at once. Values that make the
    server reach outside (URLs of services) are still the plugin's to check before use."""
    return host().city_settings(plugin_id)


def is_enabled(plugin_id: str, kelurahan=None) -> bool:
    return host().is_enabled(kelurahan or g.kelurahan, plugin_id)


def enabled_kelurahan(plugin_id: str) -> list:
    """The kelurahan where the plugin is switched on (city-wide pages), by name."""
    ids = host().enabled_kelurahan_ids(plugin_id)
    return sorted((k for k in host().all_kelurahan() if k.id in ids), key=lambda k: k.name)


def emit(name: str, payload: dict | None = None, *, kelurahan=None, actor=None) -> None:
    """After a commit: announce `<plugin id>.<what>` in the kelurahan (the current one).
    Renews the plugin's cached widgets, metrics and map layers there for every worker,
    and calls the other plugins' `kp_on_event`."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    host().emit(
        Event(name, kelurahan=kelurahan or g.get("kelurahan"), actor=actor, payload=payload or {})
    )


# -- maps ------------------------------------------------------------------------------------


def find_places(query: str, limit: int = 5, kelurahan=None) -> list[dict]:
    """The offline gazetteer's places with a point for a typed address, in `kelurahan`
    (the current one): its office, streets, RT/RW areas and public places first, then the
    city's landmarks; each `{"name", "lat", "lng"}`, at most `limit` (capped). No network:
    ask an outside geocoder only when this finds nothing."""
    from . import gazetteer

    found = gazetteer.search(query, kelurahan or g.kelurahan, limit=limit, located_only=True)
    return [{"name": m.name, "lat": m.lat, "lng": m.lng} for m in found]


def outside_kelurahan(lat: float, lng: float, radius_m: int, kelurahan=None) -> bool:
    """Whether a point lies farther than `radius_m` from the kelurahan's (the current one's)
    map centre: a form refuses it as "outside the kelurahan" (the city keeps no boundary
    polygons; each plugin's setting says how far its things may be). False when the
    kelurahan has no centre yet."""
    from .geo import distance_m

    kelurahan = kelurahan or g.kelurahan
    if kelurahan.lat is None or kelurahan.lng is None:
        return False
    return distance_m(kelurahan.lat, kelurahan.lng, lat, lng) > radius_m


def map_layer_response(layer_id: str):
    """Serve one of the plugin's map layers at a URL of its own (with the request's bbox and
    filters), exactly as the core serves it at /k/<slug>/peta/<layer id>.geojson."""
    from flask import abort

    from . import maplayers

    answer = maplayers.response(g.kelurahan, layer_id)
    if answer is None:
        abort(404)
    return answer


def report_link(
    title: str,
    lat: float | None,
    lng: float | None,
    *,
    source: str,
    address: str = "",
    url: str = "",
    kelurahan=None,
) -> str | None:
    """Where a resident reports a problem at one of the `source` plugin's things, when a
    plugin that takes reports is switched on in the kelurahan (the current one): its form,
    prefilled with the title and location. None when no plugin offers one; the caller then
    takes the message itself. Plugins never import each other: this is how they meet."""
    kelurahan = kelurahan or g.kelurahan
    place = ReportPlace(title=title, lat=lat, lng=lng, source=source, address=address, url=url)
    return host().first("kp_report_link", kelurahan, skip=source, kelurahan=kelurahan, place=place)


# -- requests, forms and limits ----------------------------------------------------------------


def user_key(prefix: str = "user") -> str:
    """A rate-limit key per signed-in account (per address for visitors)."""
    from .extensions import client_ip

    if current_user.is_authenticated:
        return f"{prefix}:{current_user.id}"
    return f"{prefix}:ip:{client_ip()}"


def saved_response(response) -> bool:
    """For Flask-Limiter's `deduct_when`: only what was actually saved (a redirect after a
    POST) counts towards a limit, not a form sent back to be fixed."""
    return current_user.is_authenticated and response.status_code in (302, 303)


def form_status() -> int:
    """A form shown again after a refused POST answers 422; a first GET 200."""
    return 422 if request.method == "POST" else 200


def strip(value):
    """WTForms filter: surrounding whitespace off a text field."""
    return value.strip() if isinstance(value, str) else value


# -- city-wide answers -------------------------------------------------------------------------


def city_answer(plugin_id: str, key: str, compute):
    """`compute()` once for every worker (the app cache), renewed as soon as the plugin emits
    an event in any kelurahan, or a plugin is switched or a setting changed: for a plugin's
    city-wide answers (a map of every kelurahan's places). The value must pickle (JSON-like
    data, not ORM rows). A city page served to visitors is cached the same way by
    `@visitor_page`."""
    from . import caching

    tokens = ":".join(caching.read(caching.CONFIG, caching.plugin_city_stamp(plugin_id)))
    name = f"city:{plugin_id}:{key}:{tokens}"
    try:
        found = cache.get(name)
    except Exception:
        log.warning("cache unavailable for city_answer", exc_info=True)
        return compute()
    if found is None:
        found = compute()
        try:
            cache.set(name, found)
        except Exception:
            log.warning("cache unavailable for city_answer", exc_info=True)
    return found


# -- media -------------------------------------------------------------------------------------


def remove_media_files(media_rows: Iterable[Media]) -> None:
    """Delete the stored files of uploads whose rows were rolled back (or deleted)."""
    for media in media_rows:
        if media is None:
            continue
        try:
            storage().delete(media.relpath)
        except Exception:  # cleanup must not hide the error that brought us here
            log.warning("could not remove an upload's file", exc_info=True)


def set_media_public(media_rows: Iterable[Media | None], public: bool) -> None:
    """Mark uploads as public (served to anyone, cached for 30 days) or not (served only
    to those a plugin's `kp_media_visible` lets see them, never from a shared cache). A
    plugin calls it whenever the item the files show is hidden, shown, approved or held."""
    for media in media_rows:
        if media is not None and media.public is not public:
            media.public = public


# -- counting once -----------------------------------------------------------------------------

DAY_SECONDS = 24 * 3600


def _day_key(key: str) -> str:
    from datetime import datetime

    return f"kp:day:{datetime.now(WIB):%Y-%m-%d}:{key}"


def once_per_day(key: str) -> bool:
    """True the first time `key` (say `umkm:view:<visitor>:<product>`) is seen on this
    calendar day (WIB), False afterwards. Kept in the app cache for a day, so with Redis
    every worker and host agrees. If the cache fails it answers False: whatever it guards
    (a view count) is skipped rather than inflated. With caching switched off
    (KP_CACHE_TYPE=NullCache) nothing is remembered and every call is a first."""
    from .caching import cache

    try:
        return bool(cache.add(_day_key(key), 1, timeout=DAY_SECONDS + 3600))
    except Exception:
        log.warning("cache unavailable for once_per_day", exc_info=True)
        return False


# Declared bots and link-preview fetchers (WhatsApp, Telegram) are not people reading a page.
BOT_AGENT = re.compile(
    r"bot|crawl|spider|slurp|archiver|facebookexternalhit|preview|whatsapp|telegram|"
    r"curl|wget|python|httpx|okhttp|java/|go-http|headless|lighthouse|monitor|scan",
    re.IGNORECASE,
)


def is_counted_request(req=None) -> bool:
    """Whether the request (the current one) is a person's view worth counting: a GET or
    POST, not HEAD, not a prefetch or prerender, not a declared bot or link-preview fetcher,
    and not a client that does not say what it is. Pair it with `once_per_day`."""
    req = req or request
    if req.method not in ("GET", "POST"):
        return False
    agent = req.headers.get("User-Agent") or ""
    if not agent or BOT_AGENT.search(agent):
        return False
    purpose = " ".join(
        req.headers.get(name) or "" for name in ("Sec-Purpose", "Purpose", "X-Moz")
    ).lower()
    return "prefetch" not in purpose and "prerender" not in purpose


def count_today(key: str) -> int:
    """Add one to the counter `key` for this calendar day (WIB) and return it (the app
    cache, shared like `once_per_day`); a cap compares against it."""
    from .caching import cache

    name = _day_key(key)
    try:
        cache.add(name, 0, timeout=DAY_SECONDS + 3600)
        return int(cache.cache.inc(name) or 0)
    except Exception:
        log.warning("cache unavailable for count_today", exc_info=True)
        return 0


# -- people ------------------------------------------------------------------------------------


def holders_of(permission: str, kelurahan=None) -> list[User]:
    """Active accounts that hold `permission` in the kelurahan through their role there."""
    from .permissions import active_accounts_with_roles, is_granted

    kelurahan = kelurahan or g.kelurahan
    roles = [r for r in ("warga", "petugas", "admin") if is_granted(kelurahan, permission, r)]
    return active_accounts_with_roles(kelurahan, roles)


def residents_of_rw(rws: Iterable[str], kelurahan=None) -> list[User]:
    """Active accounts that live in the kelurahan (the current one) and gave one of `rws`
    ("003", as `NeighbourhoodField` and the profile store it) as their RW: whom an RW-wide
    alert or schedule reaches. Residents who left their RW empty are not guessed at."""
    from sqlalchemy import select

    wanted = sorted({rw for rw in rws if rw})
    if not wanted:
        return []
    kelurahan = kelurahan or g.kelurahan
    query = (
        select(User)
        .where(
            User.home_kelurahan_id == kelurahan.id,
            User.rw.in_(wanted),
            User.is_active_account.is_(True),
        )
        .order_by(User.id)
    )
    return list(db.session.execute(query).scalars())


def notify_holders(permission: str, message, *, url: str | None = None) -> None:
    """Tell everyone who holds `permission` here (staff of a queue), except the person
    acting. `message` is a lazy string, rendered in each recipient's language."""
    me = current_user.id if current_user.is_authenticated else None
    for user in holders_of(permission):
        if user.id != me:
            notify(user, message, url=url, kelurahan=g.kelurahan)


def send_email(recipient: str, subject: str, body: str):
    """E-mail an address that has no account here (a city agency, say): kept in the core's
    outbox and delivered by its sender. Added to the session: committed with the change it
    reports. Links in `body` come from `public_url`."""
    from .mail import send_message

    return send_message("email", recipient, subject, body)


# -- demo content ------------------------------------------------------------------------------


def point_near(lat: float, lng: float, rng: random.Random, radius_m: float = 450):
    """A random point within `radius_m` of (lat, lng), for believable demo locations."""
    distance = radius_m * math.sqrt(rng.random())
    angle = rng.uniform(0, 2 * math.pi)
    dlat = distance * math.cos(angle) / 111_320
    dlng = distance * math.sin(angle) / (111_320 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lng + dlng, 6)


def demo_user(email: str, name: str, kelurahan, role: str | None = "warga", *, password=None):
    """A demo account (created once), verified as a resident of `kelurahan`."""
    return ensure_user(email, name, password or DEMO_PASSWORDS["warga"], kelurahan, role)


__all__ = [
    "API_KEY",
    "ApiBlueprint",
    "ApiId",
    "ApiPhotoSchema",
    "api_photos",
    "media_url",
    "PageArgs",
    "api_abort",
    "current_key",
    "cursor_page",
    "list_page",
    "page_schema",
    "require_api_key",
    "ApiScope",
    "DEMO_PASSWORDS",
    "DIMENSIONS",
    "FLAG_REASONS",
    "INVALID_CHOICE",
    "MAX_ID",
    "MAX_PAGE",
    "REQUIRED",
    "WIB",
    "AuditObject",
    "ConfigError",
    "AuditPhrase",
    "BBox",
    "BadBBox",
    "CheckboxListField",
    "Column",
    "ContentFlag",
    "Dataset",
    "EmptyForm",
    "IndonesianDateField",
    "IndonesianTimeField",
    "Event",
    "FlagForm",
    "FlagOutcome",
    "Group",
    "GroupKind",
    "GroupMember",
    "GroupRole",
    "HomeWidget",
    "IdempotentForm",
    "ImageRejected",
    "IndonesianPhone",
    "MAX_RUPIAH",
    "RupiahField",
    "WholeNumberField",
    "InvalidPhone",
    "Kelurahan",
    "Manifest",
    "MapLayer",
    "Media",
    "Metric",
    "MissingLocation",
    "NavItem",
    "NeighbourhoodField",
    "OffImpact",
    "Permission",
    "PhotoUploads",
    "Role",
    "RoleAssignment",
    "SearchHit",
    "Setting",
    "SettingError",
    "StaffTask",
    "TenantMixin",
    "TenantScopeError",
    "UTCDateTime",
    "User",
    "_l",
    "admin_required",
    "add_flag",
    "all_kelurahan",
    "already_done",
    "apikeys",
    "audit",
    "audit_names",
    "begin_write",
    "audit_row_ids",
    "cache",
    "city_admin_required",
    "can",
    "city_answer",
    "city_settings",
    "count_and_oldest",
    "count_rows",
    "count_today",
    "csrf",
    "csv_response",
    "csv_text",
    "current_kelurahan",
    "current_user",
    "db",
    "degree_box",
    "demo_user",
    "distance_m",
    "emit",
    "enabled_kelurahan",
    "feature_collection",
    "find_active_key",
    "find_places",
    "flag_queue",
    "flagged_by",
    "force_locale",
    "form_status",
    "format_phone",
    "geojson_response",
    "get_or_404",
    "gettext",
    "holders_of",
    "ics_response",
    "hookimpl",
    "host",
    "htmx",
    "in_bounds",
    "is_admin",
    "is_counted_request",
    "is_enabled",
    "is_verified_resident",
    "is_staff",
    "kg",
    "last_change",
    "latest",
    "lazy_gettext",
    "limiter",
    "link_args",
    "map_layer_response",
    "load_reference",
    "login_required",
    "neighbourhood_number",
    "ngettext",
    "normalize_phone",
    "notify",
    "notify_holders",
    "once_per_day",
    "open_media",
    "storage",
    "Delivery",
    "StoredFile",
    "private_file",
    "outside_kelurahan",
    "page_number",
    "parse_id",
    "permission_required",
    "plugin_settings",
    "point_feature",
    "point_near",
    "public_url",
    "parse_rupiah",
    "read_location",
    "recurrence",
    "remember_result",
    "remove_media_files",
    "ReportPlace",
    "report_link",
    "require",
    "residents_of_rw",
    "review_flags",
    "rows_as_features",
    "rupiah",
    "safe_next",
    "saved_response",
    "save_upload",
    "send_email",
    "scoped_to",
    "select_choices",
    "set_media_public",
    "slugify",
    "snippet",
    "staff_required",
    "strip",
    "unreviewed_flags",
    "user_key",
    "utcnow",
    "visitor_page",
    "wa_me_url",
    "wib",
    "wib_range",
]
