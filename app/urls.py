"""URL helpers shared by views: where a form may send the user next, and the site's public
address for links read outside the site."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote, urlsplit

from flask import current_app, has_request_context, request, url_for

# Links in messages when KP_PUBLIC_URL is not set (development and tests only: production
# refuses to start without it). A fixed value, never the request's Host, which a client
# chooses. Set KP_PUBLIC_URL for working links in development too (e.g. 127.0.0.1:5000).
DEV_PUBLIC_URL = "http://localhost"

# Whitespace, control characters (C0, DEL, C1) and the backslash, which browsers read as "/".
_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\]")
NEXT_MAX_LENGTH = 2000


def is_local_path(target: str) -> bool:
    """True when `target` can only mean a path on this site, for a browser too."""
    # Browsers percent-encode what they send: a raw non-ASCII character is a look-alike
    # (a fullwidth slash, say) or a mistake.
    if not target or len(target) > NEXT_MAX_LENGTH or not target.isascii():
        return False
    # Decode until stable, so %2F%2F, %5C, %09 and double encodings are judged as what a
    # browser or a proxy might end up reading.
    decoded = target
    for _ in range(3):
        once = unquote(decoded)
        if once == decoded:
            break
        decoded = once
    if _UNSAFE.search(target):
        return False
    for form in (target, decoded, unicodedata.normalize("NFKC", decoded)):
        if not form.startswith("/") or form.startswith("//"):
            return False
        parts = urlsplit(form)
        if parts.scheme or parts.netloc:
            return False
        # Decoded, only the path decides where a browser goes; an encoded space in the query
        # (?q=jalan%20rusak) stays encoded in the Location header and is harmless.
        path = re.split(r"[?#]", form, maxsplit=1)[0]
        if _UNSAFE.search(path) or any(unicodedata.category(c)[0] in "CZ" for c in path):
            return False
    return True


def safe_next(default: str) -> str:
    """The `next` target from the query or form when it is a path on this site, else
    `default`. Anything a browser could read as another site (//host, /\\host, an encoded
    or look-alike slash, a scheme) or that carries whitespace or control characters falls
    back to `default`."""
    target = request.args.get("next") or request.form.get("next") or ""
    return target if is_local_path(target) else default


def public_base() -> str:
    """The site's public address without a trailing slash: KP_PUBLIC_URL, or the fixed
    development address when it is not set."""
    return (current_app.config.get("KP_PUBLIC_URL") or DEV_PUBLIC_URL).rstrip("/")


def public_url(endpoint: str, **values) -> str:
    """A full URL for text read outside the site (e-mail, SMS, WhatsApp, CSV, Open311): the
    configured public address (KP_PUBLIC_URL), never the request's Host header."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:  # a CLI command or a background job: build the path without a request
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    return public_base() + path
