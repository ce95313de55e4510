"""The city admin (Diskominfo): every kelurahan, appointing admins, adoption grid, outbox."""

from __future__ import annotations

import re

import pytest
from conftest import act_as, count, enable_plugin, notes_for
from sqlalchemy import select

from app.extensions import db as _db
from app.models import AuditEntry, Kelurahan, OutboxMessage, RoleAssignment

KECAMATAN = ("Pekalongan Barat", "Pekalongan Timur", "Pekalongan Utara", "Pekalongan Selatan")


def text(response) -> str:
    return response.get_data(as_text=True)


def kelurahan_id(slug: str) -> int:
    return _db.session.execute(select(Kelurahan.id).where(Kelurahan.slug == slug)).scalar_one()


def role_in(user, slug: str) -> str | None:
    return _db.session.execute(
        select(RoleAssignment.role).where(
            RoleAssignment.user_id == user.id, RoleAssignment.kelurahan_id == kelurahan_id(slug)
        )
    ).scalar_one_or_none()


def appoint(client, identifier: str, slug: str):
    return client.post("/kota/", data={"identifier": identifier, "kelurahan": kelurahan_id(slug)})


def section(page: str, heading: str) -> str:
    """The HTML from an <h2> heading up to the next one."""
    return page.split(heading, 1)[1].split("<h2>", 1)[0]


def test_city_page_lists_27_kelurahan_by_kecamatan(client, login_as):
    """All 27 kelurahan are listed, each under its own kecamatan."""
    login_as("admin_kota")
    page = text(client.get("/kota/"))
    links = re.findall(r'<a href="/k/([a-z0-9-]+)/admin/">', page)
    assert len(links) == len(set(links)) == 27
    for name in KECAMATAN:
        assert f"<h2>Kecamatan {name}</h2>" in page
    assert 'href="/k/kauman/admin/"' in section(page, "<h2>Kecamatan Pekalongan Timur</h2>")
    assert 'href="/k/medono/admin/"' in section(page, "<h2>Kecamatan Pekalongan Barat</h2>")
    assert 'href="/k/kauman/admin/"' not in section(page, "<h2>Kecamatan Pekalongan Barat</h2>")


@pytest.mark.parametrize("by", ["email", "phone"])
def test_appointing_an_admin(client, factory, login_as, by):
    """The appointed person becomes admin of the chosen kelurahan, is told so, can open its
    plugins page, and the audit log records the change."""
    candidate = factory.user(
        "warga", "kauman", name="Pak Lurah", email="lurah@contoh.id", phone="+6281311112222"
    )
    city = login_as("admin_kota")
    typed = "LURAH@contoh.id" if by == "email" else "0813-1111-2222"
    response = appoint(client, typed, "sapuro-kebulen")
    assert response.status_code == 302
    assert role_in(candidate, "sapuro-kebulen") == "admin"
    assert role_in(candidate, "kauman") == "warga"
    assert any("admin Kelurahan Sapuro Kebulen" in m for m in notes_for(candidate))
    (entry,) = _db.session.execute(select(AuditEntry)).scalars()
    assert (entry.action, entry.actor_id, entry.object_id) == (
        "role.changed",
        city.id,
        str(candidate.id),
    )
    assert entry.kelurahan_id == kelurahan_id("sapuro-kebulen")
    assert (entry.before, entry.after) == ({"role": None}, {"role": "admin"})
    page = text(client.get("/kota/"))
    assert "Pak Lurah" in section(page, "<h2>Kecamatan Pekalongan Barat</h2>")
    log = text(client.get("/kota/audit"))
    assert "menjadikan Pak Lurah admin kelurahan" in log and "Sapuro Kebulen" in log

    act_as(client, candidate)
    assert client.get("/k/sapuro-kebulen/admin/plugin").status_code == 200
    assert client.get("/k/kauman/admin/plugin").status_code == 403


def test_appointing_promotes_an_existing_resident(client, factory, login_as):
    """A warga of the kelurahan is promoted in place (one role row, now admin)."""
    resident = factory.user("warga", "kauman", email="warga@contoh.id")
    login_as("admin_kota")
    assert appoint(client, "warga@contoh.id", "kauman").status_code == 302
    assert role_in(resident, "kauman") == "admin"
    assert count(RoleAssignment, RoleAssignment.user_id == resident.id) == 1
    (entry,) = _db.session.execute(select(AuditEntry)).scalars()
    assert (entry.before, entry.after) == ({"role": "warga"}, {"role": "admin"})


@pytest.mark.parametrize(
    "typed, message",
    [
        ("tidak.ada@contoh.id", "Belum ada akun dengan e-mail atau nomor HP itu."),
        ("0857-0000-1111", "Belum ada akun dengan e-mail atau nomor HP itu."),
        ("pak lurah", "Isi dengan alamat e-mail atau nomor HP"),
    ],
)
def test_appointing_unknown_person_is_refused(client, login_as, typed, message):
    """An identifier with no account is refused with a message and kept; nothing changes."""
    login_as("admin_kota")
    response = appoint(client, typed, "kauman")
    assert response.status_code == 422
    page = text(response)
    assert message in page
    assert f'value="{typed}"' in page
    assert count(RoleAssignment, RoleAssignment.role == "admin") == 0
    assert count(AuditEntry) == 0


def test_adoption_grid_counts_kelurahan_per_plugin(client, login_as, app):
    """The grid has a column group per dimension; enabling the notice board in two kelurahan
    shows "2" as its total and marks those two rows."""
    enable_plugin(app, "notices", "kauman")
    enable_plugin(app, "notices", "medono")
    login_as("admin_kota")
    page = text(client.get("/kota/adopsi"))
    assert "Smart Governance" in page
    assert "(2 kelurahan)" in page
    footer = page.split("<tfoot>")[1]
    assert re.search(r"<td>2</td>", footer)
    rows = {
        slug: row
        for slug, row in re.findall(
            r'<tr><th scope="row"><a href="/k/([a-z0-9-]+)/">(.*?)</tr>', page, re.S
        )
    }
    assert len(rows) == 27
    on = sorted(slug for slug, row in rows.items() if 'class="on"' in row)
    assert on == ["kauman", "medono"]


def test_outbox_shows_sent_messages(client, factory, login_as):
    """Messages the platform sent (here: the appointment notice) can be read in the outbox."""
    factory.user("warga", "kauman", email="calon@contoh.id")
    login_as("admin_kota")
    appoint(client, "calon@contoh.id", "kauman")
    message = _db.session.execute(select(OutboxMessage)).scalar_one()
    assert message.recipient == "calon@contoh.id"
    page = text(client.get("/kota/outbox"))
    assert "calon@contoh.id" in page
    assert "Anda ditunjuk sebagai admin Kelurahan Kauman." in page


def test_empty_outbox_says_so(client, login_as):
    login_as("admin_kota")
    assert "Kotak keluar kosong." in text(client.get("/kota/outbox"))


CITY_PAGES = ["/kota/", "/kota/adopsi", "/kota/outbox", "/kota/audit"]


@pytest.mark.parametrize("role", ["warga", "petugas", "admin"])
def test_city_pages_are_for_city_admins_only(client, factory, login_as, role):
    """Kelurahan residents, staff and admins get 403, and cannot appoint anyone."""
    factory.user("warga", "kauman", email="calon@contoh.id")
    login_as(role, "kauman")
    for path in CITY_PAGES:
        assert client.get(path).status_code == 403, path
    assert appoint(client, "calon@contoh.id", "kauman").status_code == 403
    assert count(RoleAssignment, RoleAssignment.role == "admin") == (role == "admin")
    assert count(AuditEntry) == 0


def test_anonymous_visitor_is_sent_to_sign_in(client):
    """A visitor is sent to /masuk for every city page, and for the appoint form."""
    for path in CITY_PAGES:
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/masuk"), path
    response = appoint(client, "siapa@contoh.id", "kauman")
    assert response.headers["Location"].startswith("/masuk")
