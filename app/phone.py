"""Indonesian mobile phone numbers: validation, display and WhatsApp links."""

from __future__ import annotations

import re
from urllib.parse import quote

import phonenumbers
from flask_babel import lazy_gettext as _l

REGION = "ID"
COUNTRY_CODE = 62

# Digits, an optional leading "+", and the separators people type between groups.
_PHONE_SHAPE = re.compile(r"^\+?[\d\s.\-()]+$")
_MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


class InvalidPhone(ValueError):
    """Raised when a value is not a valid Indonesian mobile number."""

    def __init__(self, message=None):
        self.message = message or _l("Nomor HP tidak valid. Contoh: 0812-3456-7890.")
        super().__init__(self.message)


def looks_like_phone(raw: str | None) -> bool:
    """Tell whether a sign-in identifier is written like a phone number (not an e-mail)."""
    if not raw:
        return False
    text = raw.strip()
    return bool(_PHONE_SHAPE.match(text)) and any(ch.isdigit() for ch in text)


def normalize_phone(raw: str | None) -> str:
    """Return the E.164 form (``+628…``) of an Indonesian mobile number, or raise InvalidPhone."""
    if not looks_like_phone(raw):
        raise InvalidPhone()
    try:
        number = phonenumbers.parse(raw.strip(), REGION)
    except phonenumbers.NumberParseException:
        raise InvalidPhone() from None
    if (
        number.country_code != COUNTRY_CODE
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in _MOBILE_TYPES
    ):
        raise InvalidPhone()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """Show a stored number the way Indonesians write it, e.g. ``0812-3456-7890``."""
    try:
        number = phonenumbers.parse(e164, REGION)
    except phonenumbers.NumberParseException:
        raise InvalidPhone() from None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def wa_me_url(e164_or_raw: str, text: str | None = None) -> str:
    """Build a ``https://wa.me/628…`` click-to-chat link, optionally with a prefilled message."""
    digits = normalize_phone(e164_or_raw).lstrip("+")
    url = f"https://wa.me/{digits}"
    if text:
        url += "?text=" + quote(text, safe="")
    return url
