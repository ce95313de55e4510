"""Where the site sends people: after signing in or switching the language, only to a path on
this site; and links in messages, only to the configured public address (review issue 9).

An attacker controls `next` (a link they send) and the Host / X-Forwarded-Host headers (a
request they make): neither may turn the site into a redirector or put their host into a
password-reset link the real owner receives.
"""

from __future__ import annotations

import pytest
from conftest import PASSWORD, PRODUCTION_SERVICES, make_app
from markupsafe import escape
from test_accounts import delivered, page

from app.config import ConfigError

PUBLIC = "https://kelurahanpintar.pekalongankota.go.id"

# Known open-redirect bypasses: each must fall back to the site's own page.
HOSTILE_NEXT = [
    "//evil.com",
    "///evil.com",
    "////evil.com/x",
    "/\\evil.com",
    "\\\\evil.com",
    "\\/evil.com",
    "/%2F/evil.com",
    "/%2f%2fevil.com",
    "%2F%2Fevil.com",
    "/%252F%252Fevil.com",
    "/%5Cevil.com",
    "/%5cevil.com",
    "/%09/evil.com",
    "/\t/evil.com",
    "/%0d%0aLocation:%20//evil.com",
    "/x\r\nLocation: //evil",
    "/x\nSet-Cookie: a=b",
    "/x%00",
    "/x\x00y",
    "https:evil.com",
    "https://evil.com",
    "http://evil.com",
    "HTTP://evil.com",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    " /x",
    "/x y",
    "evil.com",
    "／／evil.com",
    "/／evil.com",
    "/%EF%BC%8F/evil.com",
    "\u3000/x",
    "/x\u2028",
    "/" + "a" * 3000,
]

GOOD_NEXT = [
    "/k/kauman/laporan/?status=baru",
    "/akun",
    "/k/kauman/",
    "/k/kauman/laporan/?q=jalan%20rusak&page=2",
    "/k/kauman/laporan/12#komentar",
]


def refused_outright(response, target) -> bool:
    """A NUL byte is turned away with 400 before any view runs (app.input_guard)."""
    return "\x00" in target and response.status_code == 400


def test_hostile_next_is_not_carried_into_the_sign_in_form(client, factory):
    """GET /masuk?next=… keeps no hostile target in the form's hidden field."""
    for target in HOSTILE_NEXT:
        response = client.get("/masuk", query_string={"next": target})
        if refused_outright(response, target):
            continue
        assert response.status_code == 200, repr(target)
        assert f'name="next" value="{escape(target)}"' not in page(response), repr(target)


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_hostile_next_after_signing_in_lands_on_the_users_home(client, factory, target):
    """As a query parameter or a form field: after signing in, the user's own page."""
    factory.user(email="siti@contoh.id", kelurahan_slug="medono")
    credentials = {"identifier": "siti@contoh.id", "password": PASSWORD}
    for kwargs in (
        {"data": {**credentials, "next": target}},
        {"data": credentials, "query_string": {"next": target}},
    ):
        response = client.post("/masuk", **kwargs)
        if refused_outright(response, target):
            continue
        assert response.status_code == 302, repr(target)
        assert response.headers["Location"] == "/k/medono/", repr(target)
        client.post("/keluar")


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_hostile_next_after_switching_the_language_lands_on_the_home_page(client, target):
    for kwargs in (
        {"data": {"lang": "en", "next": target}},
        {"data": {"lang": "en"}, "query_string": {"next": target}},
    ):
        response = client.post("/bahasa", **kwargs)
        if refused_outright(response, target):
            continue
        assert response.status_code == 302, repr(target)
        assert response.headers["Location"] == "/", repr(target)


@pytest.mark.parametrize("target", GOOD_NEXT)
def test_a_path_on_this_site_is_kept(client, factory, target):
    factory.user(email="siti@contoh.id")
    html = page(client.get("/masuk", query_string={"next": target}))
    assert f'<input type="hidden" name="next" value="{escape(target)}">' in html
    response = client.post(
        "/masuk", data={"identifier": "siti@contoh.id", "password": PASSWORD, "next": target}
    )
    assert response.headers["Location"] == target
    response = client.post("/bahasa", data={"lang": "id", "next": target})
    assert response.headers["Location"] == target


# -- links in messages ------------------------------------------------------------------------


def reset_link(app) -> str:
    [(_channel, _recipient, _subject, body)] = delivered(app)
    [link] = [word for word in body.split() if "/atur-ulang-sandi/" in word]
    return link


@pytest.mark.parametrize(
    "app_overrides",
    [
        {
            "KP_PUBLIC_URL": PUBLIC + "/",
            "KP_PROXY_COUNT": 1,
            "KP_MAIL_SENDER": "test_accounts:CaptureSender",
        }
    ],
)
@pytest.mark.parametrize(
    "forged",
    [
        {"base_url": "http://evil.example"},
        {"headers": {"Host": "evil.example"}},
        {"headers": {"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}},
    ],
    ids=["base-url", "host", "x-forwarded-host"],
)
def test_reset_link_uses_the_public_address_whatever_the_host_header(app, client, factory, forged):
    factory.user(email="siti@contoh.id")
    response = client.post("/lupa-sandi", data={"identifier": "siti@contoh.id"}, **forged)
    assert response.status_code == 302
    link = reset_link(app)
    assert link.startswith(PUBLIC + "/atur-ulang-sandi/")
    assert "evil.example" not in link


@pytest.mark.parametrize("app_overrides", [{"KP_MAIL_SENDER": "test_accounts:CaptureSender"}])
def test_without_kp_public_url_development_links_use_a_fixed_address(app, client, factory):
    factory.user(email="siti@contoh.id")
    client.post(
        "/lupa-sandi", data={"identifier": "siti@contoh.id"}, headers={"Host": "evil.example"}
    )
    link = reset_link(app)
    assert link.startswith("http://localhost/atur-ulang-sandi/")
    assert "evil.example" not in link


@pytest.mark.parametrize(
    "app_overrides",
    [{"KP_PUBLIC_URL": PUBLIC, "KP_MAIL_SENDER": "test_accounts:CaptureSender"}],
)
def test_notifications_link_to_the_public_address(app, factory):
    from app.notify import notify

    user = factory.user(email="siti@contoh.id")
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        notify(user, "Laporan Anda ditanggapi.", url="/k/kauman/laporan/1")
        from app.extensions import db

        db.session.commit()
    [(_channel, _recipient, _subject, body)] = delivered(app)
    assert f"{PUBLIC}/k/kauman/laporan/1" in body
    assert "evil.example" not in body


def test_kit_public_url_never_uses_the_request_host(app):
    from app.kit import public_url

    with app.test_request_context("/", headers={"Host": "evil.example"}):
        assert public_url("account.login") == "http://localhost/masuk"
        app.config["KP_PUBLIC_URL"] = PUBLIC + "/"
        assert public_url("account.login") == PUBLIC + "/masuk"
    with app.app_context():  # no request at all (a CLI command)
        assert public_url("account.login") == PUBLIC + "/masuk"


def test_production_refuses_to_start_without_kp_public_url(tmp_path):
    settings = {"KP_ENV": "production", "SECRET_KEY": "a-long-random-secret-value"}
    with pytest.raises(ConfigError, match="KP_PUBLIC_URL must be set in production"):
        make_app(f"sqlite:///{tmp_path}/x.db", tmp_path, **settings)
    for wrong in ("kelurahanpintar.go.id", "ftp://x.go.id", "https://", "https://x.go.id/?a=1"):
        with pytest.raises(ConfigError, match="KP_PUBLIC_URL must be the site's address"):
            make_app(f"sqlite:///{tmp_path}/x.db", tmp_path, KP_PUBLIC_URL=wrong)
    make_app(
        PRODUCTION_SERVICES["SQLALCHEMY_DATABASE_URI"],
        tmp_path,
        KP_PUBLIC_URL=PUBLIC,
        REDIS_URL=PRODUCTION_SERVICES["REDIS_URL"],
        **settings,
    )
