"""Password hashing (Argon2id) and password strength rules."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import Argon2Error, InvalidHashError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 8
MAX_LENGTH = 128
# Context values shorter than this (e.g. a two-letter name) are too short to judge.
MIN_CONTEXT_TOKEN = 4
COMMON_PASSWORDS_FILE = Path(__file__).with_name("data") / "common-passwords.txt"

_hasher = PasswordHasher()  # argon2-cffi defaults: Argon2id, RFC 9106 low-memory profile


def hash_password(password: str) -> str:
    """Hash a password with Argon2id for storage."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password against a stored hash; False on mismatch or unusable hash."""
    if not password_hash or not isinstance(password, str):
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (Argon2Error, InvalidHashError, TypeError, ValueError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash uses outdated parameters (or is not an Argon2 hash at all)."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except (InvalidHashError, TypeError, ValueError):
        return True


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords, lower-cased, loaded once."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def _context_tokens(values: Iterable[str | None]) -> set[str]:
    """Personal strings a password must not contain: e-mail local part, phone digits, name."""
    tokens: set[str] = set()
    for value in values:
        text = (value or "").strip().lower()
        if not text:
            continue
        if "@" in text:
            text = text.split("@", 1)[0]
        tokens.add(text)
        tokens.add(re.sub(r"\s+", "", text))
        tokens.update(re.split(r"[\s._\-+]+", text))
        digits = re.sub(r"\D", "", text)
        if len(digits) >= 6:
            tokens.add(digits)
            if digits.startswith("62"):
                tokens.update({"0" + digits[2:], digits[2:]})
            elif digits.startswith("0"):
                tokens.update({"62" + digits[1:], digits[1:]})
    return {token for token in tokens if len(token) >= MIN_CONTEXT_TOKEN}


def password_problem(password: str, *, context: Iterable[str | None] = ()) -> str | None:
    """Return why a new password is not acceptable (translatable message), or None if it is."""
    if len(password) < MIN_LENGTH:
        return _l("Kata sandi minimal %(num)d karakter.", num=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("Kata sandi maksimal %(num)d karakter.", num=MAX_LENGTH)
    lowered = password.lower()
    if lowered in common_passwords():
        return _l("Kata sandi ini terlalu umum dan mudah ditebak. Pilih yang lain.")
    if any(token in lowered for token in _context_tokens(context)):
        return _l("Kata sandi tidak boleh memuat nama, e-mail, atau nomor HP Anda.")
    return None
