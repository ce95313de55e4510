"""Kelurahan scoping, applied by the session so no view has to remember it.

Every ORM SELECT (and bulk UPDATE/DELETE) that touches a `TenantMixin` table anywhere (as an
entity, in a join, a subquery or `select_from`) gets `kelurahan_id = <current>` added through
`with_loader_criteria`, relationship lazy loads included. With no current kelurahan the query
raises `TenantScopeError` (fail closed) unless the code opted out with `all_kelurahan()` (city
dashboards, CLI). New tenant rows take `kelurahan_id` from the current kelurahan at flush time;
inside a scope, writing a row of another kelurahan raises `TenantScopeError`.

What the filter does not see: `text()` SQL, Core `Table` statements, and `session.get()` of an
object already in the session (no query runs). Plugins never use them on tenant tables
(tests/test_kit.py); the core's views look rows up with `get_or_404` below.

Seven core tables carry a `kelurahan_id` but are not tenant models, on purpose. Their queries
name the kelurahan by hand, and tests/test_tenancy.py checks both the list and isolation:
"""

from __future__ import annotations

from contextlib import contextmanager

from flask import abort
from sqlalchemy import Table, event, inspect, select
from sqlalchemy.orm import Session, with_loader_criteria
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ColumnClause

from .extensions import db
from .models import TenantMixin

# Core tables with a kelurahan_id that the session does not filter, and why.
UNSCOPED_TABLES = {
    "role_assignment": "a person's roles span kelurahan: sign-in and the city pages read them "
    "across; back-office queries filter by the current kelurahan",
    "plugin_state": "read by the plugin host for every kelurahan at once, into each worker's "
    "memory; written only through the host for one kelurahan",
    "permission_grant": "read with the plugin switches, for every kelurahan at once",
    "audit_entry": "city-wide entries have no kelurahan; a kelurahan's log filters by hand",
    "notification": "belongs to its recipient, whichever kelurahan it is about",
    "media": "uploads are found by path when served; a logo may predate its kelurahan link",
    "place": "the gazetteer's city-wide reference places have no kelurahan, and every "
    "kelurahan searches them; app.gazetteer and the admin page filter by hand",
    "metric_snapshot": "public figures the city grid reads for all 27 kelurahan at once; "
    "written by `flask kp metrics snapshot` for each kelurahan by its id",
}

SCOPE_KEY = "kp_kelurahan_id"
UNSCOPED_KEY = "kp_unscoped"


class TenantScopeError(RuntimeError):
    """A tenant table was queried without a current kelurahan and without opting out."""


def set_current(kelurahan_id: int | None) -> None:
    db.session.info[SCOPE_KEY] = kelurahan_id


def current_id() -> int | None:
    return db.session.info.get(SCOPE_KEY)


@contextmanager
def scoped_to(kelurahan_id: int):
    """Run a block as if inside kelurahan `kelurahan_id` (CLI, seeding, tests)."""
    info = db.session.info
    previous = info.get(SCOPE_KEY), info.get(UNSCOPED_KEY, 0)
    info[SCOPE_KEY], info[UNSCOPED_KEY] = kelurahan_id, 0
    try:
        yield
    finally:
        info[SCOPE_KEY], info[UNSCOPED_KEY] = previous


@contextmanager
def all_kelurahan():
    """Explicit opt-out: queries in this block see every kelurahan's rows."""
    info = db.session.info
    info[UNSCOPED_KEY] = info.get(UNSCOPED_KEY, 0) + 1
    try:
        yield
    finally:
        info[UNSCOPED_KEY] -= 1


def get_or_404(model, object_id):
    """Fetch one tenant row of the current kelurahan, or answer 404 (never 403)."""
    from .input_guard import parse_id

    object_id = parse_id(object_id)  # int() takes "١٢٣" and ids beyond BIGINT
    if object_id is None:
        abort(404)
    row = db.session.execute(select(model).where(model.id == object_id)).scalar_one_or_none()
    if row is None:
        abort(404)
    return row


def _tenant_table_names() -> frozenset[str]:
    """Names of every table mapped by a `TenantMixin` model (core and plugins)."""
    mappers = db.Model.registry.mappers
    cached = getattr(_tenant_table_names, "_cache", None)
    if cached is None or cached[0] != len(mappers):
        names = frozenset(
            table.name
            for mapper in mappers
            if issubclass(mapper.class_, TenantMixin)
            for table in mapper.tables
        )
        cached = (len(mappers), names)
        _tenant_table_names._cache = cached
    return cached[1]


def _touches_tenant_table(state) -> bool:
    """True when a tenant table appears anywhere in the statement: as a selected entity,
    but also in `select_from()`, a join, a subquery or a bare column (`func.count()`
    over `Group`, `select(User).join(GroupMember)`), which `all_mappers` alone misses."""
    mapper = state.bind_mapper  # cheap, and a tenant model in most statements
    if mapper is not None and issubclass(mapper.class_, TenantMixin):
        return True
    if any(
        mapper.class_ is not None and issubclass(mapper.class_, TenantMixin)
        for mapper in state.all_mappers
    ):
        return True
    names = _tenant_table_names()
    for element in visitors.iterate(state.statement):
        if isinstance(element, Table):
            if element.name in names:
                return True
        elif isinstance(element, ColumnClause):
            table = getattr(element, "table", None)
            if isinstance(table, Table) and table.name in names:
                return True
    return False


_CRITERIA: dict[int, object] = {}


def _criteria(kelurahan_id: int):
    """The one loader-criteria option of a kelurahan (one per kelurahan, so that a load that
    inherited it can be recognised)."""
    option = _CRITERIA.get(kelurahan_id)
    if option is None:
        option = _CRITERIA[kelurahan_id] = with_loader_criteria(
            TenantMixin,
            lambda cls: cls.kelurahan_id == kelurahan_id,
            include_aliases=True,
        )
    return option


def install(session_class=Session) -> None:
    """Register the session events once per process (they read per-session info)."""
    if getattr(install, "_done", False):
        return
    install._done = True

    @event.listens_for(session_class, "do_orm_execute")
    def _scope_reads(state):
        if not (state.is_select or state.is_update or state.is_delete) or state.is_column_load:
            return
        info = state.session.info
        if info.get(UNSCOPED_KEY):
            return
        if not _touches_tenant_table(state):
            return
        kelurahan_id = info.get(SCOPE_KEY)
        if kelurahan_id is None:
            raise TenantScopeError(
                "Query on a kelurahan table with no current kelurahan; "
                "use tenancy.scoped_to() or tenancy.all_kelurahan()."
            )
        criteria = _criteria(kelurahan_id)
        # A relationship load (selectin, lazy) inherits the criteria of the query that loaded
        # its parents; adding them again doubles `kelurahan_id = ?`, and SQLite's planner
        # then prefers the kelurahan index over the foreign key's.
        if any(option is criteria for option in state.statement._with_options):
            return
        state.statement = state.statement.options(criteria)

    @event.listens_for(session_class, "transient_to_pending")
    def _stamp_on_add(session, obj):
        # Stamp as soon as the row joins the session, so a flush outside the block that
        # created it (commit after `scoped_to`) still knows its kelurahan.
        kelurahan_id = session.info.get(SCOPE_KEY)
        if isinstance(obj, TenantMixin) and obj.kelurahan_id is None and kelurahan_id:
            obj.kelurahan_id = kelurahan_id

    @event.listens_for(session_class, "before_flush")
    def _stamp_writes(session, flush_context, instances):
        kelurahan_id = session.info.get(SCOPE_KEY)
        for obj in session.new:
            if not isinstance(obj, TenantMixin):
                continue
            if obj.kelurahan_id is None:
                if kelurahan_id is None:
                    raise TenantScopeError(
                        f"New {type(obj).__name__} has no kelurahan and none is current."
                    )
                obj.kelurahan_id = kelurahan_id
            elif (
                kelurahan_id is not None
                and obj.kelurahan_id != kelurahan_id
                and not session.info.get(UNSCOPED_KEY)
            ):
                raise TenantScopeError(f"{type(obj).__name__} written into another kelurahan.")
        if kelurahan_id is None or session.info.get(UNSCOPED_KEY):
            return
        # Inside a scope, existing rows may change or go only within that kelurahan.
        for obj in [*session.dirty, *session.deleted]:
            if not isinstance(obj, TenantMixin):
                continue
            if obj not in session.deleted and not session.is_modified(obj):
                continue
            history = inspect(obj).attrs.kelurahan_id.history
            if any(value != kelurahan_id for value in history.sum()):
                raise TenantScopeError(f"{type(obj).__name__} of another kelurahan changed.")
