"""HTTP security headers, including a CSP that allows only our pinned CDN and tile server."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask


def tile_origin(tile_url: str) -> str:
    parts = urlsplit(tile_url.replace("{s}.", ""))
    host = parts.netloc
    if "{s}" in tile_url:  # subdomain-rotating tile servers: allow the subdomains too
        host = "*." + host
    return f"{parts.scheme}://{host}"


def content_security_policy(app: Flask) -> str:
    from .assets import cdn_origins

    cdn = " ".join(cdn_origins(app))
    tiles = tile_origin(app.config["KP_TILE_URL"])
    directives = {
        "default-src": "'self'",
        "script-src": f"'self' {cdn}".strip(),
        "style-src": f"'self' {cdn}".strip(),
        "img-src": f"'self' data: {tiles} {cdn}".strip(),
        "connect-src": "'self'",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{key} {value}" for key, value in directives.items())


def init_app(app: Flask) -> None:
    csp = content_security_policy(app)

    @app.after_request
    def _headers(response):
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
