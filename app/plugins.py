"""The plugin host: one pluggy manager per app, per-kelurahan switches, typed settings,
permissions, and the types plugins declare and return.

Plugins reach all of it through `app.kit`, never from here.
"""

from __future__ import annotations

import contextvars
import importlib
import logging
import pkgutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pluggy
from flask import Flask, abort, current_app, g, request
from sqlalchemy import select

from . import hookspecs
from .extensions import db


@cache
def _installed_plugins() -> tuple:
    """The installed plugins' entry points, read once per process: scanning every installed
    distribution's metadata costs more than the rest of building an app (the tests build one
    per test), and what is installed does not change while the process runs."""
    return tuple(entry_points(group=ENTRY_POINT_GROUP))


# Stamps of events held back by Host.held_events() (seeding), bumped once at its end.
_HELD: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar("kp_held", default=None)

log = logging.getLogger(__name__)

PROJECT_NAME = "kelurahan_pintar"
ENTRY_POINT_GROUP = "kelurahan_pintar.plugins"
CORE_PLUGIN = "core"

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
hookspec = hookspecs.hookspec

# The six dimensions of Kota Pekalongan's Kelurahan Pintar programme, in their order.
DIMENSIONS: dict[str, str] = {
    "governance": "Smart Governance",
    "economy": "Smart Economy",
    "living": "Smart Living",
    "society": "Smart Society",
    "branding": "Smart Branding",
    "environment": "Smart Environment",
}


class PluginLoadError(RuntimeError):
    """A plugin named in KP_PLUGINS could not be loaded, or a plugin is malformed."""


class SettingError(ValueError):
    """A settings value of the wrong type or range; `message` is shown beside the field."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --------------------------------------------------------------------------------------------
# What plugins declare and return
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    """One typed, validated plugin setting, edited by the kelurahan admin.

    `type` is one of: bool, int, str, text, choice, lines (a list, one item per line).

    `scope="city"` makes it one value for the whole city, edited only by the city admin at
    /kota/pengaturan and read with `kit.city_settings(plugin_id)` (never shown on a
    kelurahan's settings form). Use it for anything that makes the server act outside its
    own data, such as the address of an outside service it calls. `check` is called with
    the parsed value and raises SettingError to refuse it (the message shown to the admin).
    """

    key: str
    type: str
    default: Any
    label: Any
    help: Any = ""
    choices: tuple[tuple[str, Any], ...] = ()
    min: int | None = None
    max: int | None = None
    max_length: int = 500
    scope: str = "kelurahan"  # or "city"
    check: Callable[[Any], None] | None = None

    def parse(self, raw: Any, *, checked: bool = True) -> Any:
        """Turn a form or CLI value into the typed value, or raise SettingError. With
        `checked=False` the `check` is skipped (a value already stored, saved again)."""
        value = self._parse(raw)
        if checked and self.check is not None:
            self.check(value)
        return value

    def _parse(self, raw: Any) -> Any:
        from flask_babel import gettext as _

        if self.type == "bool":
            if isinstance(raw, bool):
                return raw
            return str(raw or "").strip().lower() in {"1", "true", "on", "yes", "y", "ya"}
        text = "" if raw is None else str(raw).strip()
        if self.type == "int":
            if isinstance(raw, int) and not isinstance(raw, bool):
                value = raw
            else:
                try:
                    value = int(text)
                except ValueError:
                    raise SettingError(_("Isi dengan bilangan bulat, misalnya 10.")) from None
            if self.min is not None and value < self.min:
                raise SettingError(_("Nilai terkecil %(min)s.", min=self.min))
            if self.max is not None and value > self.max:
                raise SettingError(_("Nilai terbesar %(max)s.", max=self.max))
            return value
        if self.type == "choice":
            allowed = [key for key, _label in self.choices]
            if text not in allowed:
                raise SettingError(_("Pilih salah satu pilihan yang tersedia."))
            return text
        if self.type == "lines":
            items = raw if isinstance(raw, list | tuple) else text.splitlines()
            items = [str(item).strip() for item in items if str(item).strip()]
            if not items:
                raise SettingError(_("Isi minimal satu baris."))
            if any(len(item) > 120 for item in items):
                raise SettingError(_("Setiap baris paling banyak 120 karakter."))
            return items
        if self.type in {"str", "text"}:
            if len(text) > self.max_length:
                raise SettingError(_("Paling banyak %(n)s karakter.", n=self.max_length))
            return text
        raise SettingError(f"unknown setting type {self.type!r}")

    def as_form_value(self, value: Any) -> str:
        if self.type == "lines":
            return "\n".join(value or [])
        if value is None:
            return ""
        return str(value)


@dataclass(frozen=True)
class GroupRole:
    """A role a plugin adds to community groups of some kinds, given by the group's leader
    (a KSM bank sampah's `operator`). Permissions granted to it hold for that group's
    objects only."""

    key: str
    label: Any
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class Permission:
    """Something a plugin lets people do, named `<plugin id>.<action>` (`reports.handle`).

    `roles` are the kelurahan roles (warga, petugas, admin) that hold it by default, and
    `group_roles` the group roles (core `ketua`, `anggota`, or one the plugin declares) whose
    members hold it for their own group's objects. A kelurahan admin can change both on the
    plugin's permission grid; the city admin holds what the kelurahan admin holds.
    """

    key: str
    label: Any
    roles: tuple[str, ...] = ("petugas", "admin")
    group_roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class ApiScope:
    """Something an API key may do through the JSON API (/api/v1) or the plugin's own API,
    named `<plugin id>.<what>` (`reports.write`). A kelurahan admin ticks scopes when issuing
    a key; a key carries only scopes of plugins switched on in its kelurahan."""

    key: str
    label: Any


@dataclass(frozen=True)
class Manifest:
    id: str
    name: Any
    dimension: str
    description: Any
    version: str
    icon: str = "puzzle"
    settings: tuple[Setting, ...] = ()
    permissions: tuple[Permission, ...] = ()
    group_roles: tuple[GroupRole, ...] = ()
    requires: tuple[str, ...] = ()
    # The public URL segment, in Indonesian: `bp` is served at /k/<slug>/<path>/ and
    # `city_bp` at /<path>/. Defaults to the id.
    path: str | None = None
    # Segments the plugin answered at before; they redirect permanently to `path`.
    former_paths: tuple[str, ...] = ()
    # Slugs of kelurahan besides the demo one where `flask kp seed --demo` switches the
    # plugin on, for a demo that shows it across the city.
    demo_kelurahan: tuple[str, ...] = ()
    # What API keys may do with this plugin (app.apikeys): `ApiScope("<id>.<what>", label)`.
    api_scopes: tuple[ApiScope, ...] = ()
    # Commands of the plugin's `flask kp <id>` group that must run regularly (reminders,
    # retention): `flask kp jobs run`, the one line a deployment puts in cron, runs them.
    scheduled: tuple[str, ...] = ()

    @property
    def url_path(self) -> str:
        return self.path or self.id

    def setting(self, key: str) -> Setting:
        return next(s for s in self.settings if s.key == key)

    @property
    def kelurahan_settings(self) -> tuple[Setting, ...]:
        """The settings each kelurahan admin edits for their kelurahan."""
        return tuple(s for s in self.settings if s.scope != "city")

    @property
    def city_settings(self) -> tuple[Setting, ...]:
        """The settings that hold for the whole city (the city admin edits them)."""
        return tuple(s for s in self.settings if s.scope == "city")

    def defaults(self) -> dict[str, Any]:
        return {s.key: s.default for s in self.kelurahan_settings}

    def city_defaults(self) -> dict[str, Any]:
        return {s.key: s.default for s in self.city_settings}

    def permission(self, key: str) -> Permission | None:
        return next((p for p in self.permissions if p.key == key), None)


@dataclass(frozen=True)
class NavItem:
    """A menu entry. Menus are cached per kelurahan, language and the viewer's role there;
    an entry that differs per person sets `cache=False`."""

    label: Any
    url: str
    order: int = 100
    icon: str | None = None
    cache: bool = True


@dataclass(frozen=True)
class HomeWidget:
    """A home-page panel: the core renders `template` with `context`.

    The rendered panel is cached per kelurahan, language and the viewer's role there, and
    renewed when the plugin emits an event. A panel that shows what only one person may see
    (their own items, a group member's view) sets `cache=False`. An urgent panel (a flood
    alert) sets `top=True`: it is drawn above everything else on the page, the first thing
    a resident sees on a phone.
    """

    id: str
    title: Any
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100
    cache: bool = True
    top: bool = False


@dataclass(frozen=True)
class MapLayer:
    """A layer of the kelurahan map, served by the core as RFC 7946 GeoJSON.

    `query` is a `select(Model)` of rows with `id`, `lat` and `lng` columns, or a callable
    taking the request's query arguments and returning one (for filters). The core adds the
    bbox, answers at most 500 points, and beyond that grid clusters counted in SQL.
    `columns` (columns or labelled SQL expressions) are selected too and, with `id`, become
    each point's properties; `link` is the endpoint of a point's page, called with
    the id as `link_arg`. `params` are query arguments of the layer's default URL.
    A layer served by the plugin itself gives `url` instead of `query`.
    """

    id: str
    name: Any
    query: Any = None
    columns: tuple = ()
    link: str | None = None
    link_arg: str = "id"
    params: dict = field(default_factory=dict)
    url: str | None = None
    icon: str = "pin"

    def as_json(self, url: str) -> dict:
        return {"id": self.id, "name": str(self.name), "url": url, "icon": self.icon}


@dataclass(frozen=True)
class Metric:
    """A figure of a dashboard. `label` names it; `definition` says exactly what is counted
    (shown on hover and on the definitions page); `unit` is "%" or a word ("hari kerja",
    "kg"), empty for a count; `higher_is_better` is None where neither way is better;
    `over_period` is False for a state now (open reports) rather than a count since the
    period's start; `url` is the page or export holding the rows behind the figure."""

    dimension: str
    key: str
    label: Any
    value: int
    definition: Any = ""
    unit: str = ""
    higher_is_better: bool | None = True
    over_period: bool = True
    url: str | None = None


@dataclass(frozen=True)
class ReportPlace:
    """A thing of one plugin that a resident may report a problem about, offered to the
    plugin that takes reports (`kp_report_link`)."""

    title: str
    lat: float | None
    lng: float | None
    source: str
    address: str = ""
    url: str = ""


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    snippet: str = ""
    kind: Any = ""


COLUMN_TYPES = ("string", "integer", "number", "boolean", "date", "datetime", "yearmonth")


@dataclass(frozen=True)
class Column:
    """One column of an open dataset: `name` as in the CSV header (the JSON key and the
    GeoJSON property too), `meaning` in words for the portal (`_l`), and `type`, one of
    COLUMN_TYPES (Frictionless Table Schema names: a `yearmonth` is `2026-11`)."""

    name: str
    meaning: Any
    type: str = "string"

    def __post_init__(self):
        if self.type not in COLUMN_TYPES:
            raise ValueError(f"column {self.name}: type {self.type!r} not in {COLUMN_TYPES}")


@dataclass(frozen=True)
class Dataset:
    """An open dataset. Each exporter returns (header, rows) for CSV, a GeoJSON dict, or
    an RFC 5545 iCalendar document (bytes) for events.

    `columns` describe every column, in the CSV header's order and with its names (the
    city's portal at /data shows them; tests check they match). For an iCalendar-only
    dataset they name the event properties instead. `updated` returns when the data last
    changed (the newest `updated_at` of its rows, say; `last_change(...)` from the kit), or
    None when there are no rows; it runs in the kelurahan's scope like the exporters."""

    id: str
    title: Any
    description: Any = ""
    csv: Callable[[], tuple[list[str], Iterable[list[Any]]]] | None = None
    geojson: Callable[[], dict] | None = None
    ics: Callable[[], bytes] | None = None
    columns: tuple[Column, ...] = ()
    updated: Callable[[], datetime | None] | None = None


@dataclass(frozen=True)
class StaffTask:
    """One queue on staff's "Tugas saya" page: how many items wait, since when, and where
    to work on them. Return a task only when the user may work on it."""

    id: str
    title: Any
    count: int
    url: str
    oldest: datetime | None = None
    order: int = 100


@dataclass(frozen=True)
class Event:
    """A committed change. Plugins name theirs `<plugin id>.<what>` (`reports.filed`); the
    core's are `user.*`, `group.*` and `plugin.*`."""

    name: str
    kelurahan: Any = None
    actor: Any = None
    payload: dict = field(default_factory=dict)

    @property
    def source(self) -> str:
        return self.name.split(".", 1)[0]


@dataclass(frozen=True)
class PluginSwitch:
    """A plugin's state in one kelurahan, as the host keeps it in memory."""

    enabled: bool
    settings: dict
    updated_at: datetime | None = None


@dataclass
class _Snapshot:
    """What every request asks about kelurahan and plugins, loaded once per process and
    reloaded when the `config` stamp moves (app.caching)."""

    token: str
    kelurahan: dict[str, Any]  # slug -> detached Kelurahan (logo loaded)
    switches: dict[int, dict[str, PluginSwitch]]
    grants: dict[int, dict[tuple[str, str], bool]]
    city_settings: dict[str, Any] = field(default_factory=dict)  # "<plugin>.<key>" -> value


# --------------------------------------------------------------------------------------------
# The host
# --------------------------------------------------------------------------------------------

CORE_GROUP_ROLES = ("ketua", "anggota")
KELURAHAN_ROLES = ("warga", "petugas", "admin")


class PluginHost:
    """Owns the app's PluginManager and answers "what is switched on where"."""

    def __init__(self, app: Flask):
        self.app = app
        self.pm = pluggy.PluginManager(PROJECT_NAME)
        self.pm.add_hookspecs(hookspecs)
        self.manifests: dict[str, Manifest] = {}
        self.blueprint_owner: dict[str, str] = {}
        self.cli_commands: list = []
        self.builtin_ids: set[str] = set()  # shipped in plugins/, not installed packages
        self.translation_dirs: list[str] = []
        self._migration_dirs: dict[str, str] = {}
        self._snapshot: _Snapshot | None = None
        self._subset_callers: dict = {}

    # -- loading ------------------------------------------------------------------------

    def load(self, builtin_package: str = "plugins") -> None:
        from . import core_plugin

        wanted = self.app.config.get("KP_PLUGINS")
        self.pm.register(core_plugin, name=CORE_PLUGIN)
        found: dict[str, Callable[[], Any]] = {}
        for name, loader in self._builtin(builtin_package):
            found[name] = loader
            self.builtin_ids.add(name)
        for ep in _installed_plugins():
            found.setdefault(ep.name, ep.load)
        if wanted is not None:
            missing = [name for name in wanted if name not in found]
            if missing:
                raise PluginLoadError(
                    "KP_PLUGINS names plugins that are not installed: " + ", ".join(missing)
                )
        for name, loader in sorted(found.items()):
            if wanted is not None and name not in wanted:
                continue
            try:
                module = loader()
            except Exception as exc:
                if wanted is not None:  # asked for by name: refuse to start without it
                    raise PluginLoadError(f"plugin {name!r} failed to import: {exc}") from exc
                log.exception("plugin %s failed to import; starting without it", name)
                continue
            self.pm.register(module, name=name)
        self._validate()
        self._read_manifests()
        self._init_plugins()

    def add_plugin(self, plugin: Any, name: str) -> None:
        """Register one more plugin on a running host (tests, embedding). Blueprints can
        only be added before the app serves its first request."""
        self.pm.register(plugin, name=name)
        self._subset_callers.clear()
        self._validate()
        self._read_manifests()
        self._init_plugins([name])

    def remove_plugin(self, name: str) -> None:
        self.pm.unregister(name=name)
        self._subset_callers.clear()
        self.manifests.pop(name, None)
        self._migration_dirs.pop(name, None)

    def _validate(self) -> None:
        # A hookimpl whose name matches no hookspec (a typo) must fail start-up, not sit idle.
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginLoadError(f"plugin {self.pm.get_name(exc.plugin)!r}: {exc}") from exc

    def _builtin(self, package_name: str):
        try:
            package = importlib.import_module(package_name)
        except ModuleNotFoundError:
            return
        for info in pkgutil.iter_modules(package.__path__):
            if info.ispkg and not info.name.startswith("_"):
                module_name = f"{package_name}.{info.name}"
                yield info.name, (lambda m=module_name: importlib.import_module(m))

    def _read_manifests(self) -> None:
        impls = {impl.plugin_name: impl for impl in self.pm.hook.kp_plugin_manifest.get_hookimpls()}
        paths: dict[str, str] = {}
        for name, _plugin in self.pm.list_name_plugin():
            if name == CORE_PLUGIN:
                continue
            if name not in impls:
                raise PluginLoadError(f"plugin {name!r} has no kp_plugin_manifest()")
            manifest = impls[name].function()
            if manifest.id != name:
                raise PluginLoadError(
                    f"plugin registered as {name!r} declares manifest id {manifest.id!r}"
                )
            if manifest.dimension not in DIMENSIONS:
                raise PluginLoadError(
                    f"plugin {name!r}: dimension must be one of {', '.join(DIMENSIONS)}"
                )
            for permission in manifest.permissions:
                if not permission.key.startswith(f"{name}."):
                    raise PluginLoadError(
                        f"plugin {name!r}: permission {permission.key!r} must start with "
                        f"{name + '.'!r}"
                    )
            for scope in manifest.api_scopes:
                if not scope.key.startswith(f"{name}."):
                    raise PluginLoadError(
                        f"plugin {name!r}: API scope {scope.key!r} must start with {name + '.'!r}"
                    )
            for segment in (manifest.url_path, *manifest.former_paths):
                if segment in paths and paths[segment] != name:
                    raise PluginLoadError(
                        f"plugins {paths[segment]!r} and {name!r} both use the URL "
                        f"segment {segment!r}"
                    )
                paths[segment] = name
            self.manifests[name] = manifest
        for manifest in self.manifests.values():
            unknown = [req for req in manifest.requires if req not in self.manifests]
            if unknown:
                raise PluginLoadError(
                    f"plugin {manifest.id!r} needs plugins that are not installed: "
                    + ", ".join(unknown)
                )
            for permission in manifest.permissions:
                known = {*CORE_GROUP_ROLES, *(r.key for r in self.group_roles())}
                strange = [r for r in permission.group_roles if r not in known]
                if strange or any(r not in KELURAHAN_ROLES for r in permission.roles):
                    raise PluginLoadError(
                        f"plugin {manifest.id!r}: permission {permission.key!r} names an "
                        f"unknown role: {', '.join(strange) or ', '.join(permission.roles)}"
                    )

    def _init_plugins(self, names: list[str] | None = None) -> None:
        for name, plugin in self.pm.list_name_plugin():
            if names is not None and name not in names:
                continue
            before = set(self.app.blueprints)
            if name != CORE_PLUGIN:
                self._apply_conventions(name, plugin)
            self._only(name, "kp_init_app")(app=self.app)
            for blueprint in set(self.app.blueprints) - before:
                self.blueprint_owner[blueprint] = name

    def _apply_conventions(self, name: str, plugin: Any) -> None:
        """A module's `bp` serves /k/<slug>/<path>/, its `city_bp` /<path>/; a folder
        `migrations/` joins Alembic and `translations/` joins the catalogues."""
        path = self.manifests[name].url_path
        bp = getattr(plugin, "bp", None)
        if bp is not None:
            self.app.register_blueprint(bp, url_prefix=f"/k/<kelurahan_slug>/{path}")
        city_bp = getattr(plugin, "city_bp", None)
        if city_bp is not None:
            self.app.register_blueprint(city_bp, url_prefix=f"/{path}")
        api_bp = getattr(plugin, "api_bp", None)
        if api_bp is not None:
            from .api import register_plugin_api

            register_plugin_api(self.app, name, api_bp)
        folder = Path(getattr(plugin, "__file__", "") or "").parent
        if getattr(plugin, "__file__", None):
            if (folder / "migrations").is_dir():
                self._migration_dirs[name] = str(folder / "migrations")
            if (folder / "translations").is_dir():
                self.translation_dirs.append(str(folder / "translations"))
        for former in self.manifests[name].former_paths:
            self._redirect_former_path(former, path)

    def _redirect_former_path(self, former: str, path: str) -> None:
        from .views.moved import moved

        for rule in (f"/k/<kelurahan_slug>/{former}/", f"/k/<kelurahan_slug>/{former}/<path:rest>"):
            self.app.add_url_rule(
                rule,
                endpoint="moved",
                view_func=moved,
                defaults={"new_path": path, **({} if "rest" in rule else {"rest": ""})},
                methods=["GET", "HEAD", "POST"],
            )

    def _only(self, name: str, hook_name: str):
        key = (name, hook_name)
        if key not in self._subset_callers:
            others = [p for n, p in self.pm.list_name_plugin() if n != name]
            self._subset_callers[key] = self.pm.subset_hook_caller(hook_name, remove_plugins=others)
        return self._subset_callers[key]

    def add_cli_command(self, command) -> None:
        """From kp_init_app: put a click command or group under `flask kp`."""
        self.cli_commands.append(command)

    def migration_dirs(self) -> list[str]:
        dirs: list[str] = list(self._migration_dirs.values())
        for result in self.pm.hook.kp_migration_dirs():
            dirs.extend(str(Path(d)) for d in result if str(Path(d)) not in dirs)
        return dirs

    def group_roles(self) -> list[GroupRole]:
        return [role for m in self.manifests.values() for role in m.group_roles]

    def permissions(self) -> dict[str, Permission]:
        return {p.key: p for m in self.manifests.values() for p in m.permissions}

    # -- per-kelurahan state, cached per process ----------------------------------------

    def snapshot(self) -> _Snapshot:
        from . import caching

        (token,) = caching.read(caching.CONFIG)
        snap = self._snapshot
        if snap is None or snap.token != token:
            snap = self._snapshot = self._load_snapshot(token)
        return snap

    def _load_snapshot(self, token: str) -> _Snapshot:
        from sqlalchemy.orm import selectinload

        from . import tenancy
        from .models import CitySetting, Kelurahan, PermissionGrant, PluginState

        # A separate session: the request's own must not hold (or expire) these rows.
        with db.Session(db.engine) as session, tenancy.all_kelurahan():
            rows = session.execute(
                select(Kelurahan).options(selectinload(Kelurahan.logo))
            ).scalars()
            kelurahan = {k.slug: k for k in rows}
            switches: dict[int, dict[str, PluginSwitch]] = {}
            for state in session.execute(select(PluginState)).scalars():
                switches.setdefault(state.kelurahan_id, {})[state.plugin_id] = PluginSwitch(
                    bool(state.enabled), dict(state.settings or {}), state.updated_at
                )
            grants: dict[int, dict[tuple[str, str], bool]] = {}
            for grant in session.execute(select(PermissionGrant)).scalars():
                grants.setdefault(grant.kelurahan_id, {})[(grant.permission, grant.role)] = bool(
                    grant.granted
                )
            city = {row.key: row.value for row in session.execute(select(CitySetting)).scalars()}
            session.expunge_all()
        return _Snapshot(token, kelurahan, switches, grants, city)

    def kelurahan_by_slug(self, slug: str):
        """The kelurahan with this slug, attached to the request's session without a query,
        or None."""
        cached = self.snapshot().kelurahan.get(slug)
        if cached is None:
            return None
        return db.session.merge(cached, load=False)

    def all_kelurahan(self) -> list:
        return list(self.snapshot().kelurahan.values())

    def _switch(self, kelurahan, plugin_id: str) -> PluginSwitch | None:
        kelurahan_id = kelurahan if isinstance(kelurahan, int) else kelurahan.id
        return self.snapshot().switches.get(kelurahan_id, {}).get(plugin_id)

    def is_enabled(self, kelurahan, plugin_id: str) -> bool:
        if plugin_id == CORE_PLUGIN:
            return True
        if plugin_id not in self.manifests or kelurahan is None:
            return False
        switch = self._switch(kelurahan, plugin_id)
        return bool(switch and switch.enabled)

    def enabled_ids(self, kelurahan) -> list[str]:
        return [pid for pid in self.manifests if self.is_enabled(kelurahan, pid)]

    def has_state(self, kelurahan, plugin_id: str) -> bool:
        """Whether an admin (or the demo seed) ever decided about the plugin there."""
        return self._switch(kelurahan, plugin_id) is not None

    def enabled_kelurahan_ids(self, plugin_id: str) -> set[int]:
        if plugin_id not in self.manifests:
            return set()
        return {
            kid
            for kid, plugins in self.snapshot().switches.items()
            if plugin_id in plugins and plugins[plugin_id].enabled
        }

    def settings_changed_at(self, plugin_id: str) -> datetime | None:
        """When an admin last switched the plugin or changed its settings, anywhere."""
        times = [
            plugins[plugin_id].updated_at
            for plugins in self.snapshot().switches.values()
            if plugin_id in plugins and plugins[plugin_id].updated_at is not None
        ]
        return max(times, default=None)

    def settings(self, kelurahan, plugin_id: str) -> dict[str, Any]:
        """The plugin's settings for the kelurahan, defaults filled in."""
        manifest = self.manifests[plugin_id]
        values = manifest.defaults()
        switch = self._switch(kelurahan, plugin_id)
        if switch and switch.settings:
            values.update({k: v for k, v in switch.settings.items() if k in values})
        return values

    def city_settings(self, plugin_id: str) -> dict[str, Any]:
        """The plugin's city-wide settings (`Setting(scope="city")`), defaults filled in;
        read from memory, reloaded in every worker when the city admin saves them."""
        values = self.manifests[plugin_id].city_defaults()
        stored = self.snapshot().city_settings
        for key in values:
            if f"{plugin_id}.{key}" in stored:
                values[key] = stored[f"{plugin_id}.{key}"]
        return values

    def grants(self, kelurahan) -> dict[tuple[str, str], bool]:
        kelurahan_id = kelurahan if isinstance(kelurahan, int) else kelurahan.id
        return self.snapshot().grants.get(kelurahan_id, {})

    # -- switching plugins and saving settings (operations of the host) -----------------

    def _state_row(self, kelurahan, plugin_id: str):
        from .models import PluginState

        row = db.session.execute(
            select(PluginState).where(
                PluginState.kelurahan_id == kelurahan.id, PluginState.plugin_id == plugin_id
            )
        ).scalar_one_or_none()
        if row is None:
            row = PluginState(
                kelurahan_id=kelurahan.id, plugin_id=plugin_id, enabled=False, settings={}
            )
            db.session.add(row)
        return row

    def set_enabled(self, kelurahan, plugin_id: str, enabled: bool, actor=None) -> str | None:
        """Switch a plugin for one kelurahan, audited; returns an error message or None.
        Not committed: the caller commits, then calls `emit_switch`. Every worker sees the
        switch once the transaction commits."""
        from flask_babel import gettext as _

        from . import audit, caching

        manifest = self.manifests[plugin_id]
        if enabled:
            missing = [req for req in manifest.requires if not self.is_enabled(kelurahan, req)]
            if missing:
                names = ", ".join(str(self.manifests[m].name) for m in missing)
                return _("Aktifkan dahulu: %(names)s.", names=names)
        else:
            dependants = [
                m
                for m in self.manifests.values()
                if plugin_id in m.requires and self.is_enabled(kelurahan, m.id)
            ]
            if dependants:
                names = ", ".join(str(m.name) for m in dependants)
                return _(
                    "Fitur ini dipakai oleh: %(names)s. Matikan fitur tersebut terlebih dahulu.",
                    names=names,
                )
        state = self._state_row(kelurahan, plugin_id)
        before = {"enabled": bool(state.enabled)}
        state.enabled = enabled
        audit.record(
            "plugin.enabled" if enabled else "plugin.disabled",
            "plugin",
            plugin_id,
            kelurahan=kelurahan,
            before=before,
            after={"enabled": enabled},
            actor=actor,
        )
        caching.bump_after_commit(db.session, caching.CONFIG, caching.kelurahan_stamp(kelurahan.id))
        return None

    def switch(self, kelurahan, plugin_id: str, enabled: bool, actor=None) -> str | None:
        """`set_enabled`, committed, then the `plugin.enabled` / `plugin.disabled` event.
        On an error nothing is saved and the message is returned."""
        error = self.set_enabled(kelurahan, plugin_id, enabled, actor=actor)
        if error:
            db.session.rollback()
            return error
        db.session.commit()
        self.emit_switch(kelurahan, plugin_id, enabled, actor)
        return None

    def emit_switch(self, kelurahan, plugin_id: str, enabled: bool, actor=None) -> None:
        self.emit(
            Event(
                "plugin.enabled" if enabled else "plugin.disabled",
                kelurahan=kelurahan,
                actor=actor,
                payload={"plugin_id": plugin_id},
            )
        )

    def save_settings(self, kelurahan, plugin_id: str, values: dict, actor=None) -> None:
        """Store validated settings, audited; committed by the caller."""
        from . import audit, caching

        state = self._state_row(kelurahan, plugin_id)
        before = dict(state.settings or {})
        state.settings = dict(values)
        audit.record(
            "plugin.settings_changed",
            "plugin",
            plugin_id,
            kelurahan=kelurahan,
            before=before,
            after=dict(values),
            actor=actor,
        )
        caching.bump_after_commit(
            db.session, caching.CONFIG, caching.plugin_stamp(kelurahan.id, plugin_id)
        )

    # -- calling hooks ------------------------------------------------------------------

    def hook(self, kelurahan):
        """The hooks as seen from one kelurahan: switched-off plugins are not called."""
        disabled = [
            self.pm.get_plugin(pid) for pid in self.manifests if not self.is_enabled(kelurahan, pid)
        ]
        return _SubsetHooks(self.pm, disabled)

    def _impls(self, hook_name: str, scope):
        caller = getattr(self.pm.hook, hook_name)
        for impl in reversed(caller.get_hookimpls()):  # registration order
            if scope is not None and not self.is_enabled(scope, impl.plugin_name):
                continue
            yield impl

    def call_one(self, impl, kwargs: dict):
        """Call one plugin's hookimpl with the arguments it names, inside the plugin's
        kelurahan scope when there is one."""
        from . import tenancy

        args = [kwargs[name] for name in impl.argnames]
        kelurahan = kwargs.get("kelurahan")
        if kelurahan is not None:
            with tenancy.scoped_to(kelurahan.id):
                return impl.function(*args)
        return impl.function(*args)

    def _failed(self, name: str, hook_name: str) -> None:
        log.exception("plugin %s failed in %s", name, hook_name)
        if current_app.testing and current_app.config.get("KP_RAISE_PLUGIN_ERRORS"):
            raise

    def collect(self, hook_name: str, scope, /, **kwargs) -> list[Any]:
        """Call a gathering hook for each plugin switched on in kelurahan `scope` (every
        plugin when `scope` is None), one plugin at a time, inside that kelurahan's tenant
        scope, so an exception in one is logged and skipped instead of failing the page."""
        results: list[Any] = []
        for impl in self._impls(hook_name, scope):
            try:
                value = self.call_one(impl, kwargs)
            except Exception:
                self._failed(impl.plugin_name, hook_name)
                continue
            results.extend(_flatten(value))
        return results

    def first(self, hook_name: str, scope, /, *, skip: str = "", **kwargs) -> Any:
        """The first truthy answer to `hook_name` from the plugins switched on in `scope`,
        asking none named `skip` (the asker itself); None when none answers."""
        for impl in self._impls(hook_name, scope):
            if impl.plugin_name == skip:
                continue
            try:
                value = self.call_one(impl, kwargs)
            except Exception:
                self._failed(impl.plugin_name, hook_name)
                continue
            if value:
                return value
        return None

    def collect_by_plugin(self, hook_name: str, scope, /, **kwargs) -> list[tuple[str, list]]:
        """Like `collect`, keeping each plugin's answers apart: [(plugin name, answers)]."""
        answers = []
        for impl in self._impls(hook_name, scope):
            try:
                value = self.call_one(impl, kwargs)
            except Exception:
                self._failed(impl.plugin_name, hook_name)
                continue
            answers.append((impl.plugin_name, _flatten(value)))
        return answers

    def collect_from(self, plugin_id: str, hook_name: str, scope, /, **kwargs) -> list[Any]:
        """Like `collect`, asking one plugin only (what it would lose when switched off)."""
        results: list[Any] = []
        for impl in self._impls(hook_name, scope):
            if impl.plugin_name != plugin_id:
                continue
            try:
                results.extend(_flatten(self.call_one(impl, kwargs)))
            except Exception:
                self._failed(impl.plugin_name, hook_name)
        return results

    def cached(self, hook_name: str, kelurahan, variant: str, compute, /, **kwargs) -> list:
        """Each enabled plugin's answer to `hook_name`, turned into cacheable values by
        `compute(plugin name, answers)` (which returns (values, cacheable)), and cached per
        kelurahan, `variant` and language until the plugin's or the kelurahan's stamp moves."""
        from flask_babel import get_locale

        from . import caching

        impls = list(self._impls(hook_name, kelurahan))
        names = [caching.kelurahan_stamp(kelurahan.id)] + [
            caching.plugin_stamp(kelurahan.id, impl.plugin_name) for impl in impls
        ]
        tokens = caching.read(*names)
        locale = str(get_locale() or "id")
        results: list = []
        for impl, token in zip(impls, tokens[1:], strict=True):
            key = (
                f"hook:{hook_name}:{kelurahan.id}:{impl.plugin_name}:{variant}:{locale}:"
                f"{tokens[0]}:{token}"
            )
            values = caching.cache.get(key)
            if values is None:
                try:
                    answers = _flatten(self.call_one(impl, kwargs))
                    values, cacheable = compute(impl.plugin_name, answers)
                except Exception:
                    self._failed(impl.plugin_name, hook_name)
                    continue
                if cacheable:
                    caching.cache.set(key, values)
            results.extend(values)
        return results

    def city_collect(self, hook_name: str, /, **kwargs) -> list[Any]:
        """Call a city-level hook for the plugins switched on in at least one kelurahan."""
        results: list[Any] = []
        live = {pid for pid in self.manifests if self.enabled_kelurahan_ids(pid)}
        for impl in self._impls(hook_name, None):
            if impl.plugin_name != CORE_PLUGIN and impl.plugin_name not in live:
                continue
            try:
                results.extend(_flatten(self.call_one(impl, kwargs)))
            except Exception:
                self._failed(impl.plugin_name, hook_name)
        return results

    def emit(self, event: Event) -> None:
        """Tell plugins about a committed change (kp_on_event, inside the event's kelurahan
        scope); failures are logged only. The cached answers the change affects are
        renewed: the emitting plugin's in that kelurahan, or all of it for a core event."""
        from . import caching

        if event.source in self.manifests:
            names = [caching.plugin_city_stamp(event.source)]  # its city pages read all
            if event.kelurahan is not None:
                names.append(caching.plugin_stamp(event.kelurahan.id, event.source))
        elif event.kelurahan is not None:
            names = [caching.kelurahan_stamp(event.kelurahan.id)]
        else:
            names = []
        held = _HELD.get()
        if held is not None:
            held.update(names)
            return
        caching.bump(*names)
        self.collect("kp_on_event", event.kelurahan, event=event, kelurahan=event.kelurahan)

    @contextmanager
    def held_events(self) -> Iterator[None]:
        """Seeding: events inside the block tell no plugin (`kp_on_event` is not called)
        and renew the caches they touch once, at the end. A demo writes hundreds of rows
        through the same code as a person, each announcing itself; nobody is reading yet."""
        from . import caching

        names: set[str] = set()
        token = _HELD.set(names)
        try:
            yield
        finally:
            _HELD.reset(token)
            if names:
                caching.bump(*sorted(names))

    def guard_blueprints(self) -> None:
        """before_request: a plugin's kelurahan pages answer 404 where it is switched off."""
        owner = self.blueprint_owner.get(request.blueprint or "")
        if owner is None or owner == CORE_PLUGIN:
            return
        kelurahan = g.get("kelurahan")
        if kelurahan is not None and not self.is_enabled(kelurahan, owner):
            abort(404)


def _flatten(value) -> list:
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    return [item for item in items if item is not None]


class _SubsetHooks:
    def __init__(self, pm: pluggy.PluginManager, disabled: list):
        self._pm = pm
        self._disabled = [p for p in disabled if p is not None]

    def __getattr__(self, name: str):
        return self._pm.subset_hook_caller(name, remove_plugins=self._disabled)


def host(app: Flask | None = None) -> PluginHost:
    return (app or current_app).extensions["kp"]
