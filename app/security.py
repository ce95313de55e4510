"""HTTP security headers: a CSP that allows only our pinned CDN files and the tile server, and
`private, no-store` on every page served to a signed-in person."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, request
from flask_login import current_user


def tile_origin(tile_url: str) -> str:
    parts = urlsplit(tile_url.replace("{s}.", ""))
    host = parts.netloc
    if "{s}" in tile_url:  # subdomain-rotating tile servers: allow the subdomains too
        host = "*." + host
    return f"{parts.scheme}://{host}"


def content_security_policy(app: Flask) -> str:
    from .assets import cdn_sources

    # The pinned files themselves, not the CDN's origin: any other file on a public CDN
    # (an old library with a known hole) could otherwise be loaded by an injected tag.
    cdn = {kind: " ".join(urls) for kind, urls in cdn_sources(app).items()}
    tiles = tile_origin(app.config["KP_TILE_URL"])
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' {cdn['script']}".strip(),
        "style-src": f"'self' {cdn['style']}".strip(),
        "img-src": f"'self' data: {tiles} {cdn['img']}".strip(),
        "connect-src": "'self'",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{key} {value}" for key, value in directives.items())


def _is_file(endpoint: str | None) -> bool:
    """Static files and uploads: the same for everybody (uploads set their own policy)."""
    return endpoint is not None and (
        endpoint == "static" or endpoint.endswith(".static") or endpoint == "media.serve"
    )


def keep_out_of_caches(response) -> None:
    """A page for a signed-in person (notifications, profile, back office) is theirs alone:
    no browser history cache or proxy may keep it for the next person on a shared phone or
    a shared connection."""
    if _is_file(request.endpoint) or not current_user.is_authenticated:
        return
    if "no-store" not in (response.headers.get("Cache-Control") or ""):
        response.headers["Cache-Control"] = "private, no-store"
    response.headers.pop("Expires", None)


def init_app(app: Flask) -> None:
    csp = content_security_policy(app)

    @app.after_request
    def _headers(response):
        keep_out_of_caches(response)
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if response.mimetype == "text/html":
            # Views answer htmx with a fragment and others with the full page: caches
            # must keep the two apart.
            response.vary.add("HX-Request")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(self)"
        )
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response
