"""Third-party front-end files: pinned versions with Subresource Integrity.

`KP_ASSETS=cdn` (the default outside development) loads them from the CDN, and falls back to
the local copy of any file the CDN fails to deliver (static/js/asset-fallback.js);
`KP_ASSETS=local` (the default in development) serves the very same files from
`static/vendor/` (offline deployments, tests). tests/test_security_and_assets.py checks that
the local copies hash to the pinned SRI values, so both modes load identical bytes.
Refresh with `scripts/vendor-assets.sh` after changing a version here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app, url_for
from markupsafe import Markup

CDN = "https://unpkg.com"


@dataclass(frozen=True)
class Asset:
    package: str
    version: str
    path: str  # inside the npm package
    local: str  # under static/vendor/
    sri: str
    # For scripts: the global the file defines, checked by asset-fallback.js.
    defines: str = ""

    @property
    def cdn_url(self) -> str:
        return f"{CDN}/{self.package}@{self.version}/{self.path}"


ASSETS: dict[str, Asset] = {
    "leaflet.js": Asset(
        "leaflet",
        "1.9.4",
        "dist/leaflet.js",
        "leaflet-1.9.4/leaflet.js",
        "sha384-cxOPjt7s7Iz04uaHJceBmS+qpjv2JkIHNVcuOrM+YHwZOmJGBXI00mdUXEq65HTH",
        "L",
    ),
    "leaflet.css": Asset(
        "leaflet",
        "1.9.4",
        "dist/leaflet.css",
        "leaflet-1.9.4/leaflet.css",
        "sha384-sHL9NAb7lN7rfvG5lfHpm643Xkcjzp4jFvuavGOndn6pjVqS6ny56CAt3nsEVT4H",
    ),
    "markercluster.js": Asset(
        "leaflet.markercluster",
        "1.5.3",
        "dist/leaflet.markercluster.js",
        "leaflet.markercluster-1.5.3/leaflet.markercluster.js",
        "sha384-eXVCORTRlv4FUUgS/xmOyr66XBVraen8ATNLMESp92FKXLAMiKkerixTiBvXriZr",
        "L.MarkerClusterGroup",
    ),
    "markercluster.css": Asset(
        "leaflet.markercluster",
        "1.5.3",
        "dist/MarkerCluster.css",
        "leaflet.markercluster-1.5.3/MarkerCluster.css",
        "sha384-pmjIAcz2bAn0xukfxADbZIb3t8oRT9Sv0rvO+BR5Csr6Dhqq+nZs59P0pPKQJkEV",
    ),
    "markercluster-default.css": Asset(
        "leaflet.markercluster",
        "1.5.3",
        "dist/MarkerCluster.Default.css",
        "leaflet.markercluster-1.5.3/MarkerCluster.Default.css",
        "sha384-wgw+aLYNQ7dlhK47ZPK7FRACiq7ROZwgFNg0m04avm4CaXS+Z9Y7nMu8yNjBKYC+",
    ),
    "htmx.js": Asset(
        "htmx.org",
        "2.0.4",
        "dist/htmx.min.js",
        "htmx-2.0.4/htmx.min.js",
        "sha384-HGfztofotfshcF7+8n44JQL2oJmowVChPTg48S+jvZoztPfvwD79OC/LTtG6dMp+",
        "htmx",
    ),
    # The interactive API documentation at /api/docs (app/api/docs.py).
    "swagger-ui.js": Asset(
        "swagger-ui-dist",
        "5.30.2",
        "swagger-ui-bundle.js",
        "swagger-ui-dist-5.30.2/swagger-ui-bundle.js",
        "sha384-bBdB196maIUakX6v2F6J0XcjddQfaENm8kASsYfqTKCZua9xlYNh1AdtL18PGr0D",
        "SwaggerUIBundle",
    ),
    "swagger-ui.css": Asset(
        "swagger-ui-dist",
        "5.30.2",
        "swagger-ui.css",
        "swagger-ui-dist-5.30.2/swagger-ui.css",
        "sha384-++DMKo1369T5pxDNqojF1F91bYxYiT1N7b1M15a7oCzEodfljztKlApQoH6eQSKI",
    ),
}


def asset_url(name: str) -> str:
    asset = ASSETS[name]
    if current_app.config["KP_ASSETS"] == "local":
        return url_for("static", filename=f"vendor/{asset.local}")
    return asset.cdn_url


def asset_tag(name: str) -> Markup:
    """A <script> or <link> with integrity and crossorigin, whichever the source.

    In CDN mode each tag is followed by asset-fallback.js (a 'self' script, so the CSP needs
    no inline script): when the CDN file did not arrive (offline, blocked, tampered with so
    SRI refused it) it writes the local copy's tag in its place. That needs parser-blocking
    tags (document.write is ignored from deferred scripts), so CDN scripts lose `defer`;
    the scripts that use them (map.js, app.js) stay deferred and still run after them."""
    asset = ASSETS[name]
    url = asset_url(name)
    if name.endswith(".css"):
        tag = Markup(
            '<link rel="stylesheet" href="{}" integrity="{}" crossorigin="anonymous">'
        ).format(url, asset.sri)
    elif current_app.config["KP_ASSETS"] == "local":
        return Markup(
            '<script src="{}" integrity="{}" crossorigin="anonymous" defer></script>'
        ).format(url, asset.sri)
    else:
        tag = Markup('<script src="{}" integrity="{}" crossorigin="anonymous"></script>').format(
            url, asset.sri
        )
    if current_app.config["KP_ASSETS"] == "local":
        return tag
    fallback = Markup(
        '<script src="{}" data-local="{}" data-integrity="{}" data-kind="{}" data-global="{}">'
        "</script>"
    ).format(
        url_for("static", filename="js/asset-fallback.js"),
        url_for("static", filename=f"vendor/{asset.local}"),
        asset.sri,
        "style" if name.endswith(".css") else "script",
        asset.defines,
    )
    return tag + fallback


# Images leaflet.css and Leaflet's default marker load from beside the stylesheet (the
# layers control and `L.marker` without an icon), hence from the CDN in CDN mode.
LEAFLET_IMAGES = (
    "layers.png",
    "layers-2x.png",
    "marker-icon.png",
    "marker-icon-2x.png",
    "marker-shadow.png",
)


def leaflet_image_urls() -> list[str]:
    css = ASSETS["leaflet.css"]
    base = css.cdn_url.rsplit("/", 1)[0]
    return [f"{base}/images/{name}" for name in LEAFLET_IMAGES]


def cdn_sources(app: Flask) -> dict[str, list[str]]:
    """The exact CDN files the CSP allows, per kind ("script", "style", "img"): full URLs,
    not the CDN's origin, so nothing else on that CDN can run here. Empty in local mode."""
    sources: dict[str, list[str]] = {"script": [], "style": [], "img": []}
    if app.config["KP_ASSETS"] == "local":
        return sources
    for name, asset in ASSETS.items():
        sources["style" if name.endswith(".css") else "script"].append(asset.cdn_url)
    sources["img"] = leaflet_image_urls()
    return sources


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(asset_tag=asset_tag, asset_url=asset_url)
