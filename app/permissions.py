"""Permissions: what plugins let people do, granted to kelurahan roles and group roles.

Each plugin declares its permissions in its manifest (`Permission("reports.handle", ...)`)
with default grants. A kelurahan admin changes the grants on the plugin's permission grid;
each change is a `PermissionGrant` row and an audit entry. The question "may this person do
this here?" is answered by `can()`, and a view asks it with `@permission_required`:

* a kelurahan role (warga, petugas, admin) holds a permission in that kelurahan when its
  grant says so; the city admin holds what the kelurahan admin holds;
* a member of a verified community group holds a permission *for that group's objects*
  when the grant names their group role (`operator`), the group is of a kind that role is
  declared for, and their membership is active. Pass the object (or the group) to `can()`.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from flask import abort, current_app, g
from flask_login import current_user

from .plugins import CORE_GROUP_ROLES, KELURAHAN_ROLES, host

GROUP_PREFIX = "group:"


class UnknownPermission(LookupError):
    """A permission no installed plugin declares: a typo in code, not a user's mistake."""


def grid_roles(manifest) -> list[str]:
    """The rows of a plugin's permission grid: kelurahan roles, then the group roles its
    permissions may go to (the core's and those plugins declare)."""
    # Two plugins may declare the same group role (a KSM's `operator`): one row each.
    declared = [role.key for role in host().group_roles()]
    keys = dict.fromkeys((*CORE_GROUP_ROLES, *declared))
    return [*KELURAHAN_ROLES, *(GROUP_PREFIX + r for r in keys)]


def is_granted(kelurahan, permission: str, role: str) -> bool:
    """Whether `role` (a kelurahan role or `group:<role>`) holds `permission` in the
    kelurahan: the admin's grant if there is one, else the manifest's default."""
    declared = host().permissions().get(permission)
    if declared is None:
        raise UnknownPermission(permission)
    override = host().grants(kelurahan).get((permission, role))
    if override is not None:
        return override
    if role.startswith(GROUP_PREFIX):
        return role[len(GROUP_PREFIX) :] in declared.group_roles
    return role in declared.roles


def group_of(obj: Any):
    """The community group an object belongs to: the group itself, `obj.group`, or None."""
    from .models import Group

    if obj is None:
        return None
    if isinstance(obj, Group):
        return obj
    return getattr(obj, "group", None)


def _group_role_allows(user, kelurahan, permission: str, group) -> bool:
    if group is None or group.kelurahan_id != kelurahan.id or not group.is_verified:
        return False
    member = group.membership_of(user)
    if member is None or member.status != "active":
        return False
    declared = {role.key: role for role in host().group_roles()}
    if member.role in declared and group.kind not in declared[member.role].kinds:
        return False
    return is_granted(kelurahan, permission, GROUP_PREFIX + member.role)


def can(permission: str, obj: Any = None, *, user=None, kelurahan=None) -> bool:
    """May `user` (the signed-in user) do `permission` in `kelurahan` (the current one),
    on `obj` when given (group roles count only for their own group's objects)?"""
    user = current_user if user is None else user
    kelurahan = g.get("kelurahan") if kelurahan is None else kelurahan
    if host().permissions().get(permission) is None:
        raise UnknownPermission(permission)
    if kelurahan is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_city_admin:
        role = "admin"
    else:
        assignment = user.role_in(kelurahan)
        role = assignment.role if assignment is not None else None
    if role is not None and is_granted(kelurahan, permission, role):
        return True
    return _group_role_allows(user, kelurahan, permission, group_of(obj))


def viewer_role(user, kelurahan) -> str:
    """What a cached menu or panel may vary with: the viewer's role in the kelurahan."""
    if not getattr(user, "is_authenticated", False):
        return "anon"
    if user.is_city_admin:
        return "admin"
    assignment = user.role_in(kelurahan)
    return assignment.role if assignment is not None else "user"


def role_holds_any(user, kelurahan) -> bool:
    """Whether the user's role in the kelurahan holds any plugin permission there (staff by
    default; a resident once an admin grants residents one): who has a "Tugas saya"."""
    if kelurahan is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_city_admin:
        return True
    assignment = user.role_in(kelurahan)
    if assignment is None:
        return False
    if assignment.role in ("petugas", "admin"):
        return True
    return any(is_granted(kelurahan, key, assignment.role) for key in host().permissions())


def require(permission: str, obj: Any = None, *, not_found: bool = False) -> None:
    """Stop the request unless the user may: sign-in first, then 403 (or 404 with
    `not_found`, where even knowing the object exists is too much)."""
    if not current_user.is_authenticated:
        abort(current_app.login_manager.unauthorized())
    if not can(permission, obj):
        abort(404 if not_found else 403)


def permission_required(permission: str):
    """View decorator: the signed-in user must hold `permission` in the current kelurahan
    through their role there. For a group's objects, call `require(permission, obj)` in the
    view instead, once the object is loaded."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not can(permission):
                abort(403)
            return view(*args, **kwargs)

        wrapped.kp_permission = permission  # read by the generated route tests
        return wrapped

    return decorator


def set_grant(kelurahan, permission: str, role: str, granted: bool, actor=None) -> bool:
    """Record an admin's grant, audited; returns whether anything changed. Not committed."""
    from sqlalchemy import select

    from . import audit, caching
    from .extensions import db
    from .models import PermissionGrant

    before = is_granted(kelurahan, permission, role)
    row = db.session.execute(
        select(PermissionGrant).where(
            PermissionGrant.kelurahan_id == kelurahan.id,
            PermissionGrant.permission == permission,
            PermissionGrant.role == role,
        )
    ).scalar_one_or_none()
    if before == granted and row is None:
        return False
    if row is None:
        row = PermissionGrant(kelurahan_id=kelurahan.id, permission=permission, role=role)
        db.session.add(row)
    if row.granted == granted and before == granted:
        return False
    row.granted = granted
    audit.record(
        "permission.granted" if granted else "permission.revoked",
        "permission",
        permission,
        kelurahan=kelurahan,
        before={"role": role, "granted": before},
        after={"role": role, "granted": granted},
        actor=actor,
    )
    caching.bump_after_commit(db.session, caching.CONFIG, caching.kelurahan_stamp(kelurahan.id))
    return True


def active_accounts_with_roles(kelurahan, roles, *, except_id=None) -> list:
    """Active accounts holding one of `roles` in `kelurahan`, by name (one query)."""
    from sqlalchemy import select

    from .extensions import db
    from .models import RoleAssignment, User

    if not roles:
        return []
    query = (
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(
            RoleAssignment.kelurahan_id == kelurahan.id,
            RoleAssignment.role.in_(list(roles)),
            User.is_active_account.is_(True),
        )
        .order_by(User.display_name, User.id)
    )
    if except_id is not None:
        query = query.where(User.id != except_id)
    return list(db.session.execute(query).scalars())
