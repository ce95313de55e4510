"""Rules checked on every route in `app.url_map`, so a route is covered the day it is added:

* isolation: a kelurahan's URLs never reach another kelurahan's objects (404, never 403),
  and its pages never show another kelurahan's rows; an unknown kelurahan slug is a 404;
* CSRF: every POST without a token is refused (400) and changes nothing;
* sign-in: every page outside the explicit PUBLIC list sends anonymous visitors to /masuk.

A new route whose URL takes an argument these tests do not know fails them until the argument
is added to OWN_VALUES / FOREIGN_IDS below, so nobody forgets to think about it.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from kp_notices.models import Notice
from sqlalchemy import select

from app.models import GroupMember, Notification, PasswordReset, RoleAssignment, User, utcnow
from tests.conftest import PASSWORD, enable_plugin, make_group, make_user

SLUG = "kelurahan_slug"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
ARGUMENT = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")

# Endpoints an anonymous visitor may use, with the reason. Every other endpoint must send
# an anonymous GET or POST to /masuk?next=<the page>.
PUBLIC = {
    "static": "CSS, JavaScript and vendored libraries",
    "media.serve": "uploaded images shown on public pages (logos, photos)",
    "public.city_home": "the city's landing page",
    "public.kelurahan_geojson": "map data for the city map",
    "public.kelurahan_home": "each kelurahan's public home page",
    "public.search": "search inside a kelurahan",
    "public.open_data": "the open data list",
    "public.open_data_download": "open data downloads",
    "public.dashboard": "the public dashboard",
    "public.set_language": "choosing a language works before signing in",
    "public.healthz": "health check for the load balancer",
    "account.login": "the sign-in page itself",
    "account.signup": "creating an account",
    "account.logout": "signing out is harmless when not signed in",
    "account.forgot_password": "asking for a reset link",
    "account.reset_password": "using a reset link",
    "groups.index": "community groups are listed publicly",
    "groups.show": "a group's public page",
    "notices.index": "example plugin: the public notice board",
    "notices.geojson": "example plugin: the notice board's map layer",
}

# POST routes allowed to skip CSRF, with the reason. There should be none.
CSRF_EXEMPT: dict[str, str] = {}

# Form data for POSTs in the CSRF test: what a real submission would send, so that a missing
# CSRF check would show up as a changed database. Unknown endpoints post an empty form.
POST_DATA = {
    "account.login": lambda w: {"identifier": w.city_admin.email, "password": "x"},
    "account.signup": lambda w: {
        "identifier": "baru-tanpa-token@contoh.id",
        "display_name": "Warga Tanpa Token",
        "home_kelurahan": str(w.own.kelurahan_id),
        "password": "Kunci-Tanpa-Token-2026",
    },
    "account.profile": lambda w: {
        "display_name": "Nama Tanpa Token",
        "email": w.city_admin.email,
        "home_kelurahan": str(w.own.kelurahan_id),
        "locale": "en",
    },
    "account.change_password": lambda w: {
        "current_password": w.password,
        "password": "Kunci-Tanpa-Token-2026",
        "confirm": "Kunci-Tanpa-Token-2026",
    },
    "account.forgot_password": lambda w: {"identifier": w.city_admin.email},
    "account.reset_password": lambda w: {
        "password": "Kunci-Tanpa-Token-2026",
        "confirm": "Kunci-Tanpa-Token-2026",
    },
    "public.set_language": lambda w: {"lang": "en"},
    "city.index": lambda w: {
        "identifier": w.own.resident_email,
        "kelurahan": str(w.own.kelurahan_id),
    },
    "groups.create": lambda w: {"name": "Kelompok Tanpa Token", "kind": "umkm"},
    "groups.edit": lambda w: {"name": "Diubah Tanpa Token", "kind": "pkk"},
    "groups.invite": lambda w: {"identifier": w.own.resident_email},
    "admin.identity": lambda w: {"address": "Jl. Tanpa Token 1"},
    "admin.set_role": lambda w: {"role": "petugas"},
    "admin.toggle_plugin": lambda w: {"enabled": "0"},
    "admin.plugin_settings": lambda w: {"per_page": "20"},
}

# Query strings that make a page show data (search for the rows the isolation test plants).
QUERY = {"public.search": {"q": "Rahasia"}, "admin.residents": {"q": "Rahasia"}}


# -- the world: two kelurahan, each with its own objects ----------------------------------


@dataclass
class Place:
    slug: str
    kelurahan_id: int
    admin: User
    resident: User
    resident_email: str
    group_id: int
    member_id: int
    notice_id: int
    marker: str  # appears in the names of every row planted here


@dataclass
class World:
    own: Place  # kauman: the signed-in admin's kelurahan
    other: Place  # medono
    city_admin: User
    password: str
    reset_token: str
    media_relpath: str


def _place(app, db, slug: str) -> Place:
    name = slug.title()
    marker = f"Rahasia {name}"
    admin = make_user("admin", slug, name=f"Admin {marker}")
    resident = make_user("warga", slug, name=f"Warga {marker}")
    group = make_group(slug, leader=admin, name=f"Kelompok {marker}")
    applicant = make_user("warga", slug, name=f"Anggota {marker}")
    member = GroupMember(
        kelurahan_id=group.kelurahan_id, user_id=applicant.id, role="anggota", status="requested"
    )
    group.members.append(member)
    notice = Notice(
        kelurahan_id=group.kelurahan_id,
        title=f"Pengumuman {marker}",
        body=f"Isi pengumuman {marker}.",
        lat=-6.89,
        lng=109.67,
    )
    db.session.add(notice)
    db.session.commit()
    enable_plugin(app, "notices", slug)
    return Place(
        slug=slug,
        kelurahan_id=group.kelurahan_id,
        admin=admin,
        resident=resident,
        resident_email=resident.email,
        group_id=group.id,
        member_id=member.id,
        notice_id=notice.id,
        marker=marker,
    )


@pytest.fixture
def world(app, db) -> World:
    own, other = _place(app, db, "kauman"), _place(app, db, "medono")
    city_admin = make_user(None, "kauman", city_admin=True, name="Admin Kota")
    token = secrets.token_urlsafe(16)
    db.session.add(
        PasswordReset(
            user_id=own.resident.id,
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            expires_at=utcnow() + timedelta(hours=1),
        )
    )
    db.session.add(Notification(user_id=city_admin.id, message="Belum dibaca"))
    db.session.commit()
    media_root = app.config["KP_MEDIA_ROOT"]
    relpath = "uji/gambar.jpg"
    (Path(media_root) / "uji").mkdir(parents=True, exist_ok=True)
    (Path(media_root) / relpath).write_bytes(b"\xff\xd8\xff\xd9")
    return World(own, other, city_admin, PASSWORD, token, relpath)


# The id of "an object of this kind" in a kelurahan, by URL argument name. A new <int:...>
# argument must be added here (the tests fail until it is).
FOREIGN_IDS = {
    "group_id": lambda p: p.group_id,
    "member_id": lambda p: p.member_id,
    "user_id": lambda p: p.resident.id,
}

# Values for the other URL arguments, valid in the given kelurahan.
OWN_VALUES = {
    SLUG: lambda w, p: p.slug,
    "plugin_id": lambda w, p: "notices",
    "dataset_id": lambda w, p: "pengumuman",
    "fmt": lambda w, p: "csv",
    "token": lambda w, p: w.reset_token,
    "relpath": lambda w, p: w.media_relpath,
    "filename": lambda w, p: "css/app.css",
}


# -- helpers -------------------------------------------------------------------------------


def rules(app):
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


def arguments(rule) -> dict[str, str]:
    """{name: converter} for the rule's URL arguments ("default" when none is named)."""
    return {m["name"]: m["converter"] or "default" for m in ARGUMENT.finditer(rule.rule)}


def int_arguments(rule) -> list[str]:
    return [name for name, conv in arguments(rule).items() if conv == "int"]


def methods(rule) -> list[str]:
    return sorted(rule.methods & ({"GET"} | UNSAFE_METHODS))


def in_kelurahan(rule) -> bool:
    return SLUG in arguments(rule)


class UnknownArgument(Exception):
    pass


def own_values(world: World, place: Place, rule) -> dict[str, object]:
    values: dict[str, object] = {}
    for name in arguments(rule):
        if name in FOREIGN_IDS:
            values[name] = FOREIGN_IDS[name](place)
        elif name in OWN_VALUES:
            values[name] = OWN_VALUES[name](world, place)
        else:
            raise UnknownArgument(
                f"{rule.endpoint} ({rule.rule}): argument {name!r} is unknown to this test; "
                "add it to FOREIGN_IDS (object ids) or OWN_VALUES"
            )
    return values


def path(rule, values: dict[str, object]) -> str:
    return ARGUMENT.sub(lambda m: quote(str(values[m["name"]]), safe="/"), rule.rule)


class Raised:
    """Stands in for a response when the app raised (TESTING propagates exceptions), so one
    broken route is reported with the others instead of stopping the loop."""

    def __init__(self, exc: Exception):
        self.status_code = f"an exception ({type(exc).__name__}: {exc})"
        self.headers: dict[str, str] = {}

    def get_data(self, as_text: bool = False) -> str:
        return ""


def fetch(client, url: str, method: str = "GET", **kwargs):
    try:
        return client.open(url, method=method, **kwargs)
    except Exception as exc:  # noqa: BLE001 - reported as a failure by the caller
        return Raised(exc)


def sign_in(client, user) -> None:
    with client.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True


def snapshot(db) -> dict[str, list]:
    """Every row of every table, read through a fresh connection (committed data only)."""
    with db.engine.connect() as conn:
        return {
            table.name: conn.execute(table.select().order_by(*table.primary_key.columns)).all()
            for table in db.metadata.sorted_tables
        }


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def login_redirect(response, expected_path: str) -> str | None:
    """None when the response sends the visitor to /masuk?next=<expected_path>; otherwise
    a description of what it did instead."""
    if response.status_code not in (301, 302, 303, 307, 308):
        return f"answered {response.status_code}"
    location = urlsplit(response.headers.get("Location", ""))
    next_values = parse_qs(location.query).get("next", [])
    if location.path != "/masuk" or not next_values:
        return f"redirected to {response.headers.get('Location')!r}"
    if urlsplit(next_values[0]).path != expected_path:
        return f"sign-in link has next={next_values[0]!r}"
    return None


def report(title: str, failures: list[str]) -> str:
    return f"{title} ({len(failures)}):\n  " + "\n  ".join(failures)


# -- isolation -----------------------------------------------------------------------------


def test_other_kelurahans_object_ids_answer_404(app, client, db, world):
    """Kauman's admin, through kauman's URLs, with medono's ids: always 404, for every id
    argument alone and all together, GET and POST alike; and nothing changes."""
    sign_in(client, world.own.admin)
    before = snapshot(db)
    failures, tried = [], 0
    for rule in rules(app):
        ids = int_arguments(rule)
        if not in_kelurahan(rule) or not ids:
            continue
        unknown = [name for name in ids if name not in FOREIGN_IDS]
        if unknown:
            failures.append(
                f"{rule.endpoint} ({rule.rule}): id argument(s) {unknown} unknown to this test; "
                "add them to FOREIGN_IDS"
            )
            continue
        own = own_values(world, world.own, rule)
        variants = [ids] + ([[name] for name in ids] if len(ids) > 1 else [])
        for foreign in variants:
            values = {**own, **{name: FOREIGN_IDS[name](world.other) for name in foreign}}
            url = path(rule, values)
            for method in methods(rule):
                tried += 1
                response = fetch(client, url, method, data={})
                if response.status_code != 404:
                    failures.append(
                        f"{rule.endpoint}: {method} {url} (medono's {', '.join(foreign)}) "
                        f"answered {response.status_code}, expected 404"
                    )
    assert tried, "no route with an object id under /k/<kelurahan_slug>/ was found"
    assert not failures, report("routes reaching another kelurahan's objects", failures)
    assert changed_tables(before, snapshot(db)) == []


def test_kelurahan_pages_show_only_their_own_rows(app, client, db, world):
    """Every GET page of kauman (no object id), seen by kauman's admin, shows none of
    medono's planted rows; together they do show kauman's."""
    sign_in(client, world.own.admin)
    failures, bodies = [], []
    for rule in rules(app):
        if not in_kelurahan(rule) or int_arguments(rule) or "GET" not in rule.methods:
            continue
        try:
            url = path(rule, own_values(world, world.own, rule))
        except UnknownArgument as exc:
            failures.append(str(exc))
            continue
        response = fetch(client, url, query_string=QUERY.get(rule.endpoint, {}))
        text = response.get_data(as_text=True)
        if response.status_code != 200:
            failures.append(f"{rule.endpoint}: GET {url} answered {response.status_code}")
        if world.other.marker in text:
            failures.append(f"{rule.endpoint}: GET {url} shows medono's {world.other.marker!r}")
        bodies.append(text)
    assert not failures, report("kelurahan pages leaking or failing", failures)
    everything = "\n".join(bodies)
    for planted in ("Kelompok", "Pengumuman", "Warga"):
        assert f"{planted} {world.own.marker}" in everything, (
            f"no kauman page shows {planted} {world.own.marker!r}: the leak check above "
            "would prove nothing"
        )


@pytest.mark.parametrize("who", ["anonymous", "city admin"])
def test_unknown_kelurahan_slug_answers_404(app, client, world, who):
    if who == "city admin":
        sign_in(client, world.city_admin)
    failures = []
    for rule in rules(app):
        if not in_kelurahan(rule):
            continue
        try:
            values = own_values(world, world.own, rule)
        except UnknownArgument as exc:
            failures.append(str(exc))
            continue
        url = path(rule, {**values, SLUG: "tidak-ada"})
        for method in methods(rule):
            response = fetch(client, url, method, data={})
            if response.status_code != 404:
                failures.append(f"{rule.endpoint}: {method} {url} answered {response.status_code}")
    assert not failures, report(f"unknown kelurahan not 404 ({who})", failures)


# -- CSRF ------------------------------------------------------------------------------------


CSRF_MESSAGE = "Formulir kedaluwarsa atau tidak sah"


def test_every_post_without_a_csrf_token_is_refused(app, client, db, world):
    """Signed in as the city admin (no permission check can answer first), every POST with
    a plausible form but no token answers 400 with the expired-form message, and the
    database is unchanged."""
    app.config["WTF_CSRF_ENABLED"] = True
    sign_in(client, world.city_admin)
    failures, tried = [], 0
    for rule in rules(app):
        unsafe = [m for m in methods(rule) if m in UNSAFE_METHODS]
        if not unsafe or rule.endpoint in CSRF_EXEMPT:
            continue
        try:
            url = path(rule, own_values(world, world.own, rule))
        except UnknownArgument as exc:
            failures.append(str(exc))
            continue
        data = POST_DATA.get(rule.endpoint, lambda w: {})(world)
        for method in unsafe:
            tried += 1
            before = snapshot(db)
            response = fetch(client, url, method, data=data)
            changed = changed_tables(before, snapshot(db))
            if response.status_code != 400:
                failures.append(f"{rule.endpoint}: {method} {url} answered {response.status_code}")
            elif CSRF_MESSAGE not in response.get_data(as_text=True):
                failures.append(f"{rule.endpoint}: 400 without the CSRF message")
            if changed:
                failures.append(f"{rule.endpoint}: {method} {url} changed {changed}")
    assert tried, "no POST route found"
    assert not failures, report("POST routes accepting a request without CSRF token", failures)


def test_csrf_exemptions_name_real_post_routes(app):
    posts = {r.endpoint for r in app.url_map.iter_rules() if r.methods & UNSAFE_METHODS}
    assert set(CSRF_EXEMPT) <= posts
    assert set(POST_DATA) <= posts, "POST_DATA names endpoints that no longer exist"


def test_htmx_request_with_csrf_header_is_accepted(app, client, db, world):
    """htmx sends the token from <body hx-headers> as X-CSRFToken instead of a form field."""
    app.config["WTF_CSRF_ENABLED"] = True
    sign_in(client, world.city_admin)
    page = client.get("/k/kauman/admin/warga")
    assert page.status_code == 200
    match = re.search(r'"X-CSRFToken":\s*"([^"]+)"', page.get_data(as_text=True))
    assert match, "no X-CSRFToken in the page's hx-headers"
    token = match.group(1)
    url = f"/k/kauman/admin/warga/{world.own.resident.id}/verifikasi"

    def verified() -> bool:
        db.session.expire_all()
        row = db.session.execute(
            select(RoleAssignment).where(
                RoleAssignment.user_id == world.own.resident.id,
                RoleAssignment.kelurahan_id == world.own.kelurahan_id,
            )
        ).scalar_one()
        return row.verified_at is not None

    forged = client.post(url, headers={"X-CSRFToken": "palsu", "HX-Request": "true"})
    assert forged.status_code == 400
    assert not verified()
    response = client.post(url, headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code in (200, 302, 303), response.status_code
    assert verified()


# -- sign-in ---------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in_except_on_public_pages(app, client, world):
    """Anonymous GET and POST on every route: PUBLIC endpoints answer their GET with 200
    and never send the visitor to sign in; every other endpoint redirects to
    /masuk?next=<the page> and shows nothing."""
    failures = []
    endpoints = set()
    for rule in rules(app):
        endpoints.add(rule.endpoint)
        try:
            url = path(rule, own_values(world, world.own, rule))
        except UnknownArgument as exc:
            failures.append(str(exc))
            continue
        for method in methods(rule):
            response = fetch(client, url, method, data={})
            problem = login_redirect(response, urlsplit(url).path)
            if rule.endpoint in PUBLIC:
                if problem is None:
                    failures.append(f"{rule.endpoint} is PUBLIC but {method} {url} asks to sign in")
                elif method == "GET" and response.status_code != 200:
                    failures.append(
                        f"{rule.endpoint} is PUBLIC but GET {url} answered {response.status_code}"
                    )
            elif problem is not None:
                failures.append(
                    f"{rule.endpoint}: anonymous {method} {url} {problem} "
                    "(expected /masuk?next=…; add it to PUBLIC only if anyone may see it)"
                )
    stale = sorted(set(PUBLIC) - endpoints)
    if stale:
        failures.append(f"PUBLIC names endpoints that no longer exist: {stale}")
    assert not failures, report("sign-in rule broken", failures)
