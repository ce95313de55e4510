"""Open311 API keys of a kelurahan: issue, find, revoke, list.

Only a SHA-256 hash of a key and its first 8 characters (the prefix, to tell keys apart in
lists and to revoke one) are stored; the key itself is shown once, when it is issued. Used by
`flask kp reports api-key ...` and by the staff pages.

The functions add to the session but never commit: the caller commits with its own changes.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select

from app.kit import Kelurahan, all_kelurahan, audit, db, utcnow

from .models import ApiKey

PREFIX_LENGTH = 8
KEY_BYTES = 24  # 48 hex characters, 192 bits
MAX_LABEL = 120


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def issue_key(kelurahan, label: str, actor=None) -> tuple[ApiKey, str]:
    """A new key for `kelurahan`: returns the row (added and flushed) and the plaintext key,
    which is shown to the person once and never stored."""
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
            created_by_id=getattr(actor, "id", None),
        )
        db.session.add(key)
        db.session.flush()
        audit(
            "reports.api_key.issue",
            "reports_api_key",
            key.id,
            kelurahan=kelurahan,
            after={"label": label, "prefix": prefix},
            actor=actor,
        )
    return key, plaintext


def find_active_key(plaintext: str | None) -> ApiKey | None:
    """The active (not revoked) key with this plaintext, in any kelurahan, or None. Looked up
    by its hash, so no comparison runs on the secret itself."""
    if not plaintext or len(plaintext) > 200:
        return None
    with all_kelurahan():
        return db.session.execute(
            select(ApiKey).where(
                ApiKey.key_hash == hash_key(plaintext), ApiKey.revoked_at.is_(None)
            )
        ).scalar_one_or_none()


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
        audit(
            "reports.api_key.revoke",
            "reports_api_key",
            key.id,
            kelurahan=kelurahan or db.session.get(Kelurahan, key.kelurahan_id),
            before={"revoked": False, "prefix": key.prefix},
            after={"revoked": True, "prefix": key.prefix},
            actor=actor,
        )
        db.session.flush()
    return True
