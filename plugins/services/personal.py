"""Personal values (the NIK) encrypted at rest, and keyed hashes to find them again.

KP_SERVICES_KEYS holds Fernet keys, comma-separated, newest first: new values are encrypted
with the first, every listed key can still decrypt, so a key is rotated by putting a new one
in front, re-encrypting the stored values with rotate(), then dropping the old one.
KP_SERVICES_LOOKUP_KEY keys the HMAC that lets a NIK be looked up without decrypting every
row; changing it means recomputing every stored lookup hash.

Both are read from the app config first, then the environment. In development and testing,
when unset, they are derived from SECRET_KEY so `make run` needs no setup.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from .nik import normalize

KEYS_SETTING = "KP_SERVICES_KEYS"
LOOKUP_SETTING = "KP_SERVICES_LOOKUP_KEY"
_DERIVING_ENVS = ("development", "testing")
_MAKE_KEY = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)


def _setting(name: str) -> str | None:
    value = current_app.config.get(name) or os.environ.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _derived(label: bytes) -> bytes:
    secret = current_app.config.get("SECRET_KEY")
    if not secret:
        raise RuntimeError("SECRET_KEY is needed to derive the development services keys.")
    if isinstance(secret, str):
        secret = secret.encode()
    # Distinct labels, so the encryption key and the lookup key are unrelated.
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(secret)


def _required(name: str, how: str) -> RuntimeError:
    env = current_app.config.get("KP_ENV")
    return RuntimeError(f"{name} must be set outside development (KP_ENV={env}): {how}")


def _keys_text() -> str:
    keys = _setting(KEYS_SETTING)
    if keys:
        return keys
    if current_app.config.get("KP_ENV") in _DERIVING_ENVS:
        return base64.urlsafe_b64encode(_derived(b"kelurahan-pintar services fernet v1")).decode()
    raise _required(KEYS_SETTING, f"make one with {_MAKE_KEY}")


def _lookup_key() -> bytes:
    key = _setting(LOOKUP_SETTING)
    if key:
        return key.encode()
    if current_app.config.get("KP_ENV") in _DERIVING_ENVS:
        return _derived(b"kelurahan-pintar services lookup v1")
    raise _required(
        LOOKUP_SETTING, "make one with python -c 'import secrets; print(secrets.token_hex(32))'"
    )


@functools.lru_cache(maxsize=8)
def _fernet(keys_text: str) -> MultiFernet:
    fernets = []
    for position, key in enumerate(k.strip() for k in keys_text.split(",")):
        if not key:
            continue
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError):
            # The key itself is never echoed: it may end up in a log.
            raise RuntimeError(
                f"{KEYS_SETTING}: key number {position + 1} is not a Fernet key; "
                f"make one with {_MAKE_KEY}"
            ) from None
    if not fernets:
        raise RuntimeError(f"{KEYS_SETTING} holds no key; make one with {_MAKE_KEY}")
    return MultiFernet(fernets)


def check_config() -> None:
    """Raise RuntimeError now, at start-up, rather than at the first letter request."""
    _fernet(_keys_text())
    _lookup_key()


def encrypt(value: str) -> str:
    """The value encrypted with the newest key, as ASCII token text."""
    return _fernet(_keys_text()).encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """The value of a token made by encrypt() with any key still listed."""
    try:
        return _fernet(_keys_text()).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError):
        raise ValueError(
            f"not a services token, damaged, or made with a key no longer in {KEYS_SETTING}"
        ) from None


def rotate(token: str) -> str:
    """The same value re-encrypted with the newest key (for re-keying stored rows)."""
    try:
        return _fernet(_keys_text()).rotate(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError):
        raise ValueError(
            f"not a services token, damaged, or made with a key no longer in {KEYS_SETTING}"
        ) from None


def lookup_hash(value: str) -> str:
    """Hex HMAC-SHA256 of the value, normalised like a NIK, for finding equal values."""
    return hmac.new(_lookup_key(), normalize(value).encode(), hashlib.sha256).hexdigest()
