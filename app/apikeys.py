"""API keys of a kelurahan: issue, find, revoke, list; what each may do (its scopes).

A key lets a program act for one kelurahan through the JSON API (/api/v1) or a plugin's own
API (Open311), within its scopes: `ApiScope`s that plugins declare in their manifest
(`reports.write`). A key carries only scopes of plugins switched on in its kelurahan when it
is issued; `allows()` checks again at use, as a plugin may be switched off since.

Only a SHA-256 hash of a key and its first 8 characters (the prefix, to tell keys apart in
lists and to revoke one from the command line) are stored; the key itself is shown once,
when it is issued. Used by the admin page (/k/<slug>/admin/kunci-api), `flask kp api-key ...`
and the APIs.

The functions add to the session but never commit: the caller commits with its own changes.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select

from . import audit
from .extensions import db
from .models import ApiKey, Kelurahan, utcnow
from .plugins import ApiScope, host
from .tenancy import all_kelurahan

PREFIX_LENGTH = 8
KEY_BYTES = 24  # 48 hex characters, 192 bits
MAX_LABEL = 120
MAX_KEY_LENGTH = 200  # anything longer is not one of ours: refused before hashing
TOUCH_EVERY = timedelta(minutes=1)


class ScopeError(ValueError):
    """A scope that is unknown, or whose plugin is not switched on in the kelurahan."""


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


# -- scopes ------------------------------------------------------------------------------------


def known_scopes() -> list[ApiScope]:
    """Every scope the installed plugins declare, in plugin order."""
    return [scope for m in host().manifests.values() for scope in m.api_scopes]


def _plugin_of(scope_key: str) -> str | None:
    for manifest in host().manifests.values():
        if any(s.key == scope_key for s in manifest.api_scopes):
            return manifest.id
    return None


def scopes_for(kelurahan) -> list[ApiScope]:
    """The scopes a key of `kelurahan` may carry: those of plugins switched on there."""
    return [
        scope
        for m in host().manifests.values()
        if host().is_enabled(kelurahan, m.id)
        for scope in m.api_scopes
    ]


def _checked_scopes(kelurahan, scopes: Iterable[str] | str) -> str:
    if isinstance(scopes, str):
        scopes = scopes.split()
    wanted = {s.strip() for s in scopes if s and s.strip()}
    allowed = [s.key for s in scopes_for(kelurahan)]
    refused = sorted(wanted - set(allowed))
    if refused:
        raise ScopeError(
            f"scope {', '.join(refused)} is unknown or its plugin is not enabled in "
            f"{kelurahan.slug} (allowed: {', '.join(allowed) or 'none'})"
        )
    return " ".join(key for key in allowed if key in wanted)


def allows(key: ApiKey | None, scope: str) -> bool:
    """Whether `key` may act with `scope` now: it is active, carries the scope, and the
    scope's plugin is switched on in the key's kelurahan."""
    if key is None or key.revoked_at is not None or not key.has_scope(scope):
        return False
    plugin_id = _plugin_of(scope)
    return plugin_id is not None and host().is_enabled(key.kelurahan_id, plugin_id)


# -- keys --------------------------------------------------------------------------------------


def issue_key(kelurahan, label: str, scopes: Iterable[str] | str, actor=None) -> tuple[ApiKey, str]:
    """A new key for `kelurahan` with `scopes` (names, or one space-separated string):
    returns the row (added and flushed) and the plaintext key, which is shown to the person
    once and never stored. Raises ScopeError for a scope the kelurahan may not give."""
    scope_text = _checked_scopes(kelurahan, scopes)
    label = (label or "").strip()[:MAX_LABEL] or "Kunci API"
    with all_kelurahan():
        while True:
            plaintext = secrets.token_hex(KEY_BYTES)
            prefix = plaintext[:PREFIX_LENGTH]
            taken = db.session.execute(
                select(ApiKey.id).where(
                    ApiKey.kelurahan_id == kelurahan.id, ApiKey.prefix == prefix
                )
            ).first()
            if taken is None:
                break
        key = ApiKey(
            kelurahan_id=kelurahan.id,
            label=label,
            prefix=prefix,
            key_hash=hash_key(plaintext),
            scopes=scope_text,
            created_by_id=getattr(actor, "id", None),
        )
        db.session.add(key)
        db.session.flush()
        audit.record(
            "core.api_key.issue",
            "api_key",
            key.id,
            kelurahan=kelurahan,
            after={"label": label, "prefix": prefix, "scopes": scope_text},
            actor=actor,
        )
    return key, plaintext


def find_active_key(plaintext: str | None) -> ApiKey | None:
    """The active (not revoked) key with this plaintext, in any kelurahan, or None. Looked up
    by its hash, so no comparison runs on the secret itself. The caller still checks the
    key's kelurahan and scope (`allows`)."""
    if not plaintext or not isinstance(plaintext, str) or len(plaintext) > MAX_KEY_LENGTH:
        return None
    with all_kelurahan():
        return db.session.execute(
            select(ApiKey).where(
                ApiKey.key_hash == hash_key(plaintext), ApiKey.revoked_at.is_(None)
            )
        ).scalar_one_or_none()


def touch(key: ApiKey) -> None:
    """Note that `key` was used now, at most once a minute (no write on every request).
    Added to the session: committed with the request's changes."""
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= TOUCH_EVERY:
        key.last_used_at = now


def keys_of(kelurahan) -> list[ApiKey]:
    """Every key of the kelurahan, newest first, revoked ones included."""
    with all_kelurahan():
        return list(
            db.session.execute(
                select(ApiKey)
                .where(ApiKey.kelurahan_id == kelurahan.id)
                .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
            ).scalars()
        )


def get_key(kelurahan, key_id: int) -> ApiKey | None:
    """One key of the kelurahan by id (None when it belongs elsewhere or does not exist)."""
    with all_kelurahan():
        return db.session.execute(
            select(ApiKey).where(ApiKey.kelurahan_id == kelurahan.id, ApiKey.id == key_id)
        ).scalar_one_or_none()


def find_by_prefix(kelurahan, prefix: str) -> ApiKey | None:
    """The key of the kelurahan whose first 8 characters are `prefix`, or None."""
    with all_kelurahan():
        return db.session.execute(
            select(ApiKey).where(
                ApiKey.kelurahan_id == kelurahan.id, ApiKey.prefix == (prefix or "").strip()
            )
        ).scalar_one_or_none()


def revoke_key(key: ApiKey, actor=None, kelurahan=None) -> bool:
    """Revoke `key` from now on; False when it was already revoked. `kelurahan` is the
    key's (looked up when not given)."""
    if key.revoked_at is not None:
        return False
    with all_kelurahan():
        key.revoked_at = utcnow()
        audit.record(
            "core.api_key.revoke",
            "api_key",
            key.id,
            kelurahan=kelurahan or db.session.get(Kelurahan, key.kelurahan_id),
            before={"revoked": False, "label": key.label, "prefix": key.prefix},
            after={"revoked": True, "label": key.label, "prefix": key.prefix},
            actor=actor,
        )
        db.session.flush()
    return True


def scope_labels(key: ApiKey) -> list[str]:
    """The labels of the key's scopes (the key name of a scope no plugin declares now)."""
    labels = {s.key: str(s.label) for s in known_scopes()}
    return [labels.get(name, name) for name in key.scope_list]
