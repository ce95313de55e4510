"""Visitors who are not signed in get busy pages (a kelurahan's home, the reports list) from
the cache, each with their own CSRF token; nobody else does, and a change renews them."""

from __future__ import annotations

import re

from conftest import StatementCounter, enable_plugin, make_group

from app.pagecache import TOKEN_PLACEHOLDER

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def tokens(html: str) -> set[str]:
    return set(TOKEN.findall(html))


def test_each_visitor_gets_the_cached_page_with_their_own_token(app):
    first, second = app.test_client(), app.test_client()
    page_one = first.get("/k/kauman/").get_data(as_text=True)
    with StatementCounter() as counter:
        page_two = second.get("/k/kauman/").get_data(as_text=True)
    assert not any("community_group" in s for s in counter.statements)  # from the cache
    assert TOKEN_PLACEHOLDER not in page_one + page_two
    assert tokens(page_one) and tokens(page_two) and tokens(page_one) != tokens(page_two)
    # Each token works for its own visitor: switching the language is a CSRF-checked POST.
    app.config["WTF_CSRF_ENABLED"] = True
    for client, page in ((first, page_one), (second, page_two)):
        (token,) = tokens(page)
        response = client.post("/bahasa", data={"lang": "en", "csrf_token": token, "next": "/"})
        assert response.status_code == 302


def test_signed_in_users_get_their_own_page(app, client, login_as):
    client.get("/k/kauman/")  # a visitor's page is in the cache now
    user = login_as("petugas", "kauman")
    page = client.get("/k/kauman/").get_data(as_text=True)
    assert user.display_name in page and 'href="/k/kauman/tugas/"' in page


def test_a_visitor_with_a_message_sees_it(app, client):
    client.get("/k/kauman/")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Anda sudah keluar.")]
    assert "Anda sudah keluar." in client.get("/k/kauman/").get_data(as_text=True)
    assert "Anda sudah keluar." not in app.test_client().get("/k/kauman/").get_data(as_text=True)


def test_the_page_follows_language_and_a_change_made_through_the_app(app, client, login_as):
    enable_plugin(app, "notices", "kauman")
    assert "Pengumuman terbaru" in client.get("/k/kauman/").get_data(as_text=True)
    english = app.test_client()
    english.set_cookie("kp_lang", "en")
    assert "Latest notices" in english.get("/k/kauman/").get_data(as_text=True)

    group = make_group("kauman", name="Batik Tulis Pesindon", verified=False)
    visitor = app.test_client()
    assert "Batik Tulis Pesindon" not in visitor.get("/k/kauman/").get_data(as_text=True)
    login_as("petugas", "kauman")
    client.post(f"/k/kauman/admin/kelompok/{group.id}/verifikasi")
    assert "Batik Tulis Pesindon" in visitor.get("/k/kauman/").get_data(as_text=True)


def test_a_plugins_city_page_is_cached_and_renewed_by_its_event_in_any_kelurahan(app):
    """The tourism city guide reads every kelurahan: a visitor gets it from the cache, and
    a destination published in one kelurahan (the plugin's event there) shows at once."""
    from conftest import kelurahan

    from app.extensions import db
    from app.kit import emit, scoped_to
    from plugins.tourism.models import Destination

    enable_plugin(app, "tourism", "medono")
    group = make_group("medono", kind="pokdarwis")
    place = Destination(
        kelurahan_id=group.kelurahan_id,
        group_id=group.id,
        name="Taman Uji Cache",
        category="alam",
        description="Taman kota.",
        lat=-6.8975,
        lng=109.6605,
        hours=[["00:00", "24:00"]] * 7,
        status="pending",
    )
    db.session.add(place)
    db.session.commit()
    visitor = app.test_client()
    assert "Taman Uji Cache" not in visitor.get("/wisata/").get_data(as_text=True)
    assert "Taman Uji Cache" not in visitor.get("/wisata/tempat.geojson").get_data(as_text=True)
    with StatementCounter() as counter:
        visitor.get("/wisata/")
    assert not any("tourism_destination" in s for s in counter.statements)  # from the cache

    place.status = "published"
    db.session.commit()
    with app.test_request_context(), scoped_to(place.kelurahan_id):
        emit("tourism.destination_publish", kelurahan=kelurahan("medono"))
    assert "Taman Uji Cache" in visitor.get("/wisata/").get_data(as_text=True)
    assert "Taman Uji Cache" in visitor.get("/wisata/tempat.geojson").get_data(as_text=True)
