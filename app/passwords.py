"""Password hashing (Argon2id) and password strength rules."""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import Argon2Error, InvalidHashError
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

MIN_LENGTH = 8
MAX_LENGTH = 128
# Context values shorter than this (e.g. a two-letter name) are too short to judge.
MIN_CONTEXT_TOKEN = 4
COMMON_PASSWORDS_FILE = Path(__file__).with_name("data") / "common-passwords.txt"
REFERENCE_FILE = Path(__file__).with_name("data") / "pekalongan.json"
# zxcvbn's score, 0-4: 3 means "safely unguessable" (about 10^8 guesses or more), which
# three words and a number pass and "aaaaaaaa", "Pekalongan2026" or "Batik2026!" do not.
MIN_STRENGTH = 3
# Words anyone guessing a password here tries first, besides the 27 kelurahan.
LOCAL_WORDS = ("pekalongan", "batik", "kelurahan", "pintar", "kota")
# zxcvbn rates "Kauman-Medono-77" well (it prices separators as random characters): a
# password needs at least this many letters besides the local and personal words.
MIN_OWN_LETTERS = 3

_hasher = PasswordHasher()  # argon2-cffi defaults: Argon2id, RFC 9106 low-memory profile

# Each Argon2 hash or check takes ~50 ms of CPU and 64 MiB: at most this many at once per
# process, so a burst of sign-ins queues (or is turned away) instead of exhausting memory.
MAX_CONCURRENT_HASHES = 4
BUSY_WAIT_SECONDS = 3.0
_slots = threading.BoundedSemaphore(MAX_CONCURRENT_HASHES)


class PasswordBusy(RuntimeError):
    """Every Argon2 slot of this process stayed taken: the caller answers "try again"."""


def _argon2(work, *args):
    if not _slots.acquire(timeout=BUSY_WAIT_SECONDS):
        raise PasswordBusy
    try:
        return work(*args)
    finally:
        _slots.release()


def hash_password(password: str) -> str:
    """Hash a password with Argon2id for storage. Raises PasswordBusy when the server is
    saturated."""
    return _argon2(_hasher.hash, password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password against a stored hash; False on mismatch or unusable hash. Raises
    PasswordBusy when the server is saturated."""
    if not password_hash or not isinstance(password, str):
        return False
    try:
        return _argon2(_hasher.verify, password_hash, password)
    except (Argon2Error, InvalidHashError, TypeError, ValueError):
        return False


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def burn_verification(password: str) -> None:
    """Spend what checking a real password costs, for an account that does not exist (or
    cannot sign in): the answer's timing then tells nothing about it."""
    verify_password(_dummy_hash(), password)


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


def _words(values: Iterable[str | None]) -> set[str]:
    """Each value lower-cased, whole and split into its words ("sapuro kebulen", "sapuro",
    "kebulen"), so a name matches however it is joined."""
    words: set[str] = set()
    for value in values:
        text = (value or "").strip().lower()
        if text:
            words.add(text)
            words.update(w for w in re.split(r"[^\w]+|_", text) if len(w) >= 3)
    return words


@cache
def kelurahan_words() -> frozenset[str]:
    """The 27 kelurahan and 4 kecamatan names and their words, from the shipped reference."""
    data = json.loads(REFERENCE_FILE.read_text(encoding="utf-8"))
    names = []
    for kecamatan in data["kecamatan"]:
        names.append(kecamatan["name"])
        names.extend(k["name"] for k in kecamatan["kelurahan"])
    return frozenset(_words(names))


def _own_letters(lowered: str, guessable: Iterable[str]) -> int:
    """Letters left in the password once the guessable words are taken out."""
    for word in sorted(guessable, key=len, reverse=True):
        lowered = lowered.replace(word, " ")
    return sum(c.isalpha() for c in lowered)


LOCAL_HINT = _l("Hindari nama kelurahan, nama kota, dan kata seperti „batik“.")


def _weakness_hint(result: dict):
    """An Indonesian hint for zxcvbn's weakest match (its own feedback is English)."""
    patterns = {m.get("pattern") for m in result.get("sequence", [])}
    if any(m.get("dictionary_name") == "user_inputs" for m in result.get("sequence", [])):
        return LOCAL_HINT
    if "repeat" in patterns:
        return _l("Hindari huruf atau bagian yang diulang, seperti „aaa“ atau „abcabc“.")
    if "sequence" in patterns:
        return _l("Hindari urutan seperti „abcd“ atau „1234“.")
    if "spatial" in patterns:
        return _l("Hindari deretan tombol papan ketik seperti „qwerty“.")
    if "date" in patterns or "regex" in patterns:
        return _l("Hindari tanggal dan tahun yang mudah ditebak.")
    return _l("Tambahkan satu atau dua kata lagi; kata yang tidak umum lebih baik.")


def password_problem(
    password: str, *, context: Iterable[str | None] = (), words: Iterable[str | None] = ()
) -> str | None:
    """Return why a new password is not acceptable (translatable message), or None if it is.

    `context` holds the user's own name, e-mail and phone (never allowed inside the password);
    `words` more guessable words, such as the user's kelurahan."""
    if len(password) < MIN_LENGTH:
        return _l("Kata sandi minimal %(num)d karakter.", num=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("Kata sandi maksimal %(num)d karakter.", num=MAX_LENGTH)
    lowered = password.lower()
    if lowered in common_passwords():
        return _l("Kata sandi ini terlalu umum dan mudah ditebak. Pilih yang lain.")
    personal = _context_tokens(context)
    if any(token in lowered for token in personal):
        return _l("Kata sandi tidak boleh memuat nama, e-mail, atau nomor HP Anda.")
    guessable = {*LOCAL_WORDS, *kelurahan_words(), *_words(words), *personal}
    result = zxcvbn(password, user_inputs=sorted(guessable), max_length=MAX_LENGTH)
    if result["score"] < MIN_STRENGTH:
        hint = _weakness_hint(result)
    elif _own_letters(lowered, guessable) < MIN_OWN_LETTERS:
        hint = LOCAL_HINT
    else:
        return None
    return _l(
        "Kata sandi ini terlalu mudah ditebak. %(hint)s Contoh yang kuat: tiga kata acak "
        "dan angka, seperti Jambu-Perahu-Senja-27.",
        hint=hint,
    )
