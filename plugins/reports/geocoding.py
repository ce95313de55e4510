"""Finding a place by name: the core's offline gazetteer first (`kit.find_places`: the
kelurahan's office, streets, RT/RW areas and public places, then the city's landmarks; no
network), the city's Nominatim-compatible geocoder only when that finds nothing, always
inside the city's bounds. Used by the report form and by Open311's address_string.

The geocoder's address is a city-wide setting (`reports.geocoder_url`), changed only by the
city admin, because the server itself calls it and shows what it answers to residents. The
call is guarded against being turned on the server's own network (SSRF):

* https only, no user name, query or fragment in the setting; checked when the city admin
  saves it and again before every call (a value put in the database by other means is
  refused the same way);
* the host is resolved once, every address it resolves to must be public (no loopback,
  private, link-local, carrier-grade NAT, multicast, reserved or unspecified address, IPv4
  or IPv6, IPv4-mapped included; `2130706433` and `0177.0.0.1` are read as the IPv4
  addresses they spell), and the connection goes to that checked address, so a second DNS
  answer cannot swap in an internal one; TLS still verifies the certificate for the name;
* redirects are not followed (any answer but 200 is a failure);
* at most TIMEOUT_SECONDS for connecting and reading together, and MAX_BYTES of answer;
* calls are throttled city-wide (REPORTS_GEOCODER_LIMIT, Nominatim's policy is one a
  second) and answers are cached for a day per normalised query, so a repeated query does
  not call out.

Residual: name resolution itself uses the system resolver, whose own timeout applies.
"""

from __future__ import annotations

import hashlib
import http.client
import ipaddress
import json
import logging
import re
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from flask import current_app
from flask_babel import gettext as _
from limits import parse_many

from app.kit import SettingError, cache, city_settings, find_places, in_bounds, limiter

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5.0
MAX_BYTES = 256 * 1024
CACHE_SECONDS = 24 * 3600
DEFAULT_LIMIT = "1 per second"  # the public Nominatim allows no more
USER_AGENT = "KelurahanPintar/1.0"

# Test seams for the outside world: name resolution and the TCP connection.
lookup = socket.getaddrinfo
connect_tcp = socket.create_connection

_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_SHORTHAND = re.compile(r"[0-9a-fx.]+")


class UnsafeGeocoder(ValueError):
    """The geocoder address may not be called; `message` says why, in Indonesian."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    path: str
    address: str  # the checked IP the connection goes to


# -- the address: https to a public host only ----------------------------------------------


def check_geocoder_url(value: str) -> None:
    """`Setting.check` of reports.geocoder_url: refuse, with a message for the city admin,
    an address the server must not call. Empty switches the outside geocoder off."""
    if value:
        try:
            target(value)
        except UnsafeGeocoder as exc:
            raise SettingError(exc.message) from None


def target(url: str) -> Target:
    """Where a call to `url` may go, resolved and checked; raises UnsafeGeocoder."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port or 443
    except ValueError:
        raise UnsafeGeocoder(_("Alamat tidak sah.")) from None
    if parts.scheme.lower() != "https":
        raise UnsafeGeocoder(_("Alamat harus diawali https:// (koneksi terenkripsi)."))
    if parts.username is not None or parts.password is not None:
        raise UnsafeGeocoder(_("Alamat tidak boleh memuat nama pengguna atau kata sandi."))
    if parts.query or parts.fragment:
        raise UnsafeGeocoder(_("Alamat tidak boleh memuat tanda ? atau #."))
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeGeocoder(_("Alamat tidak memuat nama host."))
    addresses = resolve(host, port)
    return Target(host, port, parts.path or "/", str(addresses[0]))


def resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The addresses of `host`, all of them public, or UnsafeGeocoder."""
    literal = _literal_ip(host)
    if literal is not None:
        addresses = [literal]
    elif host == "localhost" or host.endswith(".localhost"):
        addresses = [ipaddress.ip_address("127.0.0.1")]
    else:
        try:
            infos = lookup(host, port, type=socket.SOCK_STREAM)
            addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
        except (OSError, UnicodeError, ValueError):
            addresses = []
        if not addresses:
            raise UnsafeGeocoder(_("Nama host %(host)s tidak ditemukan.", host=host))
    if not all(is_public(address) for address in addresses):
        raise UnsafeGeocoder(
            _(
                "Alamat %(host)s menuju jaringan internal atau alamat khusus; "
                "hanya layanan publik yang boleh dipakai.",
                host=host,
            )
        )
    return addresses


def _literal_ip(host: str):
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _IPV4_SHORTHAND.fullmatch(host.lower()):
        try:  # 2130706433, 0x7f.1, 0177.0.0.1: what the C resolver would connect to
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def is_public(address) -> bool:
    """A globally routable unicast address (IPv4 inside IPv6 judged as IPv4)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public(embedded)
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


# -- the call: pinned address, bounded time and size, no redirects --------------------------


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a host name whose address was resolved and checked beforehand: connects to
    that address (no second lookup), verifies the certificate for the name."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
        self.address = target.address

    def connect(self):
        sock = connect_tcp((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch(url: str, params: dict) -> bytes:
    """GET `url?params` under the rules above; raises UnsafeGeocoder or OSError-like errors."""
    where = target(url)
    deadline = time.monotonic() + TIMEOUT_SECONDS

    def remaining() -> float:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("geocoder took too long")
        return left

    conn = PinnedHTTPSConnection(where, timeout=remaining())
    try:
        conn.request(
            "GET",
            f"{where.path}?{urlencode(params)}",
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        )
        conn.sock.settimeout(remaining())
        response = conn.getresponse()
        if response.status != 200:  # a redirect is not followed: it could point inside
            raise ValueError(f"geocoder answered HTTP {response.status}")
        body = bytearray()
        while True:
            conn.sock.settimeout(remaining())
            chunk = response.read(16 * 1024)
            if not chunk:
                return bytes(body)
            body += chunk
            if len(body) > MAX_BYTES:
                raise ValueError("geocoder answer too large")
    finally:
        conn.close()


def _throttled() -> bool:
    """Count one outside call city-wide; True when over the limit (or the counter is
    unavailable: the geocoder is a convenience, so it is skipped then)."""
    if not (limiter.enabled and limiter.initialized):
        return False
    items = parse_many(current_app.config.get("REPORTS_GEOCODER_LIMIT", DEFAULT_LIMIT))
    try:
        return not all(limiter.limiter.hit(item, "reports-geocoder", "city") for item in items)
    except Exception:
        log.warning("rate-limit storage failed; geocoder skipped", exc_info=True)
        return True


def outside_matches(url: str, query: str, limit: int) -> list[dict]:
    """The outside geocoder's places for `query` inside the city, cached per normalised
    query; [] when it cannot or may not be asked."""
    bounds = current_app.config["KP_BOUNDS"]
    query = " ".join(query.split())
    same = f"{url}\n{limit}\n{sorted(bounds.items())}\n{query.lower()}"  # "Jl.  X" = "jl. x"
    digest = hashlib.sha256(same.encode())
    key = f"reports:geocode:{digest.hexdigest()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    if _throttled():
        log.info("geocoder throttled for %r", query)
        return []
    params = {
        "q": query,
        "format": "jsonv2",
        "limit": limit,
        "bounded": 1,
        "viewbox": f"{bounds['west']},{bounds['north']},{bounds['east']},{bounds['south']}",
    }
    try:
        answer = json.loads(fetch(url, params))
    except UnsafeGeocoder as exc:
        log.warning("geocoder %s refused: %s", url, exc.message)
        return []
    except Exception:  # the geocoder is a convenience: without it, tap the map
        log.warning("geocoder %s failed for %r", url, query, exc_info=True)
        return []
    found = []
    for item in answer if isinstance(answer, list) else []:
        try:
            lat, lng = float(item["lat"]), float(item["lon"])
            name = str(item.get("display_name") or query)[:300]
        except (TypeError, KeyError, ValueError, AttributeError):
            continue
        if in_bounds(lat, lng, bounds):
            found.append({"name": name, "lat": lat, "lng": lng})
    cache.set(key, found, timeout=CACHE_SECONDS)
    return found


# -- what the pages call -----------------------------------------------------------------------


def geocode(query: str, limit: int = 5) -> list[dict]:
    """The offline gazetteer first (the kelurahan's streets, RT/RW areas and places, then
    the city's landmarks); the city's Nominatim-compatible geocoder only when it has
    nothing, and always inside the city."""
    results = find_places(query, limit)
    if results:
        return results
    url = city_settings("reports")["geocoder_url"]
    return outside_matches(url, query, limit)[:limit] if url else []
