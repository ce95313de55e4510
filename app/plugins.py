"""The plugin host: one pluggy manager per app, per-kelurahan switches, typed settings.

Plugins import from here: `hookimpl`, `Manifest`, `Setting` and the result types
(`NavItem`, `HomeWidget`, `MapLayer`, `Metric`, `SearchHit`, `Dataset`, `Event`).
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pluggy
from flask import Flask, abort, current_app, g, request
from markupsafe import Markup
from sqlalchemy import select

from . import hookspecs
from .extensions import db

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

    def parse(self, raw: Any) -> Any:
        """Turn a form or CLI value into the typed value, or raise SettingError."""
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
class Manifest:
    id: str
    name: Any
    dimension: str
    description: Any
    version: str
    icon: str = "puzzle"
    settings: tuple[Setting, ...] = ()
    permissions: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    # Slugs of kelurahan besides the demo one where `flask kp seed --demo` switches the
    # plugin on, for a demo that shows it across the city.
    demo_kelurahan: tuple[str, ...] = ()

    def setting(self, key: str) -> Setting:
        return next(s for s in self.settings if s.key == key)

    def defaults(self) -> dict[str, Any]:
        return {s.key: s.default for s in self.settings}


@dataclass(frozen=True)
class NavItem:
    label: Any
    url: str
    order: int = 100
    icon: str | None = None


@dataclass(frozen=True)
class HomeWidget:
    """A home-page panel. `html` must be the output of render_template (already escaped)."""

    id: str
    title: Any
    html: Markup
    order: int = 100

    def __post_init__(self):
        # Rendered template output is already escaped; marking it keeps Jinja from escaping twice.
        object.__setattr__(self, "html", Markup(self.html))  # noqa: S704


@dataclass(frozen=True)
class MapLayer:
    id: str
    name: Any
    url: str
    icon: str = "pin"

    def as_json(self) -> dict:
        return {"id": self.id, "name": str(self.name), "url": self.url, "icon": self.icon}


@dataclass(frozen=True)
class Metric:
    dimension: str
    key: str
    label: Any
    value: int


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    snippet: str = ""
    kind: Any = ""


@dataclass(frozen=True)
class Dataset:
    """An open dataset. Each exporter returns (header, rows) for CSV or a GeoJSON dict."""

    id: str
    title: Any
    description: Any = ""
    csv: Callable[[], tuple[list[str], Iterable[list[Any]]]] | None = None
    geojson: Callable[[], dict] | None = None


@dataclass(frozen=True)
class Event:
    name: str
    kelurahan: Any = None
    actor: Any = None
    payload: dict = field(default_factory=dict)


# --------------------------------------------------------------------------------------------
# The host
# --------------------------------------------------------------------------------------------


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

    # -- loading ------------------------------------------------------------------------

    def load(self, builtin_package: str = "plugins") -> None:
        from . import core_plugin

        wanted = self.app.config.get("KP_PLUGINS")
        self.pm.register(core_plugin, name=CORE_PLUGIN)
        found: dict[str, Callable[[], Any]] = {}
        for name, loader in self._builtin(builtin_package):
            found[name] = loader
            self.builtin_ids.add(name)
        for ep in entry_points(group=ENTRY_POINT_GROUP):
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
        self._validate()
        self._read_manifests()
        self._init_plugins([name])

    def remove_plugin(self, name: str) -> None:
        self.pm.unregister(name=name)
        self.manifests.pop(name, None)

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
            self.manifests[name] = manifest
        for manifest in self.manifests.values():
            unknown = [req for req in manifest.requires if req not in self.manifests]
            if unknown:
                raise PluginLoadError(
                    f"plugin {manifest.id!r} needs plugins that are not installed: "
                    + ", ".join(unknown)
                )

    def _init_plugins(self, names: list[str] | None = None) -> None:
        for name, _plugin in self.pm.list_name_plugin():
            if names is not None and name not in names:
                continue
            before = set(self.app.blueprints)
            self._only(name, "kp_init_app")(app=self.app)
            for blueprint in set(self.app.blueprints) - before:
                self.blueprint_owner[blueprint] = name

    def _only(self, name: str, hook_name: str):
        others = [p for n, p in self.pm.list_name_plugin() if n != name]
        return self.pm.subset_hook_caller(hook_name, remove_plugins=others)

    def add_cli_command(self, command) -> None:
        """From kp_init_app: put a click command or group under `flask kp`."""
        self.cli_commands.append(command)

    def migration_dirs(self) -> list[str]:
        dirs: list[str] = []
        for result in self.pm.hook.kp_migration_dirs():
            dirs.extend(str(Path(d)) for d in result)
        return dirs

    # -- per-kelurahan state ------------------------------------------------------------

    def states(self, kelurahan) -> dict[str, Any]:
        """PluginState rows of one kelurahan, read once per request."""
        from .models import PluginState

        cache = g.setdefault("_kp_plugin_states", {})
        if kelurahan.id not in cache:
            rows = db.session.execute(
                select(PluginState).where(PluginState.kelurahan_id == kelurahan.id)
            ).scalars()
            cache[kelurahan.id] = {row.plugin_id: row for row in rows}
        return cache[kelurahan.id]

    def forget_states(self) -> None:
        g.pop("_kp_plugin_states", None)

    def is_enabled(self, kelurahan, plugin_id: str) -> bool:
        if plugin_id == CORE_PLUGIN:
            return True
        if plugin_id not in self.manifests or kelurahan is None:
            return False
        state = self.states(kelurahan).get(plugin_id)
        return bool(state and state.enabled)

    def enabled_ids(self, kelurahan) -> list[str]:
        return [pid for pid in self.manifests if self.is_enabled(kelurahan, pid)]

    def settings(self, kelurahan, plugin_id: str) -> dict[str, Any]:
        """The plugin's settings for the kelurahan, defaults filled in."""
        manifest = self.manifests[plugin_id]
        values = manifest.defaults()
        state = self.states(kelurahan).get(plugin_id)
        if state and state.settings:
            values.update({k: v for k, v in state.settings.items() if k in values})
        return values

    def hook(self, kelurahan):
        """The hooks as seen from one kelurahan: switched-off plugins are not called."""
        disabled = [
            self.pm.get_plugin(pid) for pid in self.manifests if not self.is_enabled(kelurahan, pid)
        ]
        return _SubsetHooks(self.pm, disabled)

    def collect(self, hook_name: str, scope, /, **kwargs) -> list[Any]:
        """Call a gathering hook for each plugin switched on in kelurahan `scope` (every
        plugin when `scope` is None), one plugin at a time, so an exception in one is
        logged and skipped instead of failing the page."""
        results: list[Any] = []
        caller = getattr(self.pm.hook, hook_name)
        for impl in reversed(caller.get_hookimpls()):  # registration order
            name = impl.plugin_name
            if scope is not None and not self.is_enabled(scope, name):
                continue
            try:
                value = self._only(name, hook_name)(**kwargs)
            except Exception:
                log.exception("plugin %s failed in %s", name, hook_name)
                if current_app.testing and current_app.config.get("KP_RAISE_PLUGIN_ERRORS"):
                    raise
                continue
            for item in value:
                if item is None:
                    continue
                results.extend(item if isinstance(item, list | tuple) else [item])
        return results

    def emit(self, event: Event) -> None:
        """Tell plugins about a committed change (kp_on_event); failures are logged only."""
        self.collect("kp_on_event", event.kelurahan, event=event)

    def guard_blueprints(self) -> None:
        """before_request: a plugin's kelurahan pages answer 404 where it is switched off."""
        owner = self.blueprint_owner.get(request.blueprint or "")
        if owner is None or owner == CORE_PLUGIN:
            return
        kelurahan = g.get("kelurahan")
        if kelurahan is not None and not self.is_enabled(kelurahan, owner):
            abort(404)


class _SubsetHooks:
    def __init__(self, pm: pluggy.PluginManager, disabled: list):
        self._pm = pm
        self._disabled = [p for p in disabled if p is not None]

    def __getattr__(self, name: str):
        return self._pm.subset_hook_caller(name, remove_plugins=self._disabled)


def host(app: Flask | None = None) -> PluginHost:
    return (app or current_app).extensions["kp"]
