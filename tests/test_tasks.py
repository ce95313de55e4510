"""Staff's "Tugas saya" (/k/<slug>/tugas/): every plugin's queue on one page, and the page
staff land on after signing in. Each queue shows its count, the age of its oldest item
and a link; the plugins' queues (reports, UMKM) are tested with each plugin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import PASSWORD, act_as, fixture_manifest, kelurahan, make_group, make_user

from app.extensions import db as _db
from app.kit import StaffTask, hookimpl
from app.models import RoleAssignment, utcnow


def tasks_page(client, slug: str = "kauman") -> str:
    response = client.get(f"/k/{slug}/tugas/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def task(page: str, task_id: str) -> str:
    return page.split(f'id="task-{task_id}"')[1].split("</li>")[0]


def test_core_queues_count_groups_and_residents_awaiting_verification(app, client, login_as):
    login_as("petugas", "kauman")
    old = make_group("kauman", name="Karang Taruna Kauman", kind="karang_taruna", verified=False)
    old.created_at = utcnow() - timedelta(days=3, hours=2)
    make_group("kauman", name="PKK RW 02", kind="pkk", verified=False)
    make_group("medono", name="Kelompok Medono", verified=False)  # another kelurahan
    _db.session.commit()
    page = tasks_page(client)
    groups = task(page, "core-groups")
    assert "Kelompok menunggu verifikasi" in groups
    assert '<span class="count">2</span>' in groups
    assert "3 hari" in groups  # the oldest waited three days
    assert 'href="/k/kauman/admin/kelompok"' in groups
    residents = task(page, "core-residents")
    # The two group leaders and the petugas are unverified residents of Kauman.
    assert '<span class="count">' in residents and 'href="/k/kauman/admin/warga"' in residents


def test_an_empty_queue_says_zero_and_comes_last(app, client, login_as):
    user = login_as("petugas", "kauman")
    _db.session.execute(
        RoleAssignment.__table__.update().values(verified_at=utcnow())
    )  # everyone verified
    _db.session.commit()
    make_group("kauman", user, name="Batik Baru", verified=False)
    page = tasks_page(client)
    assert page.index('id="task-core-groups"') < page.index('id="task-core-residents"')
    assert '<span class="count zero">0</span>' in task(page, "core-residents")
    assert user.display_name in page  # the header still knows who is signed in


def test_a_plugin_queue_appears_with_its_age_and_link(app, client, login_as, extra_plugin):
    class Queue:
        @hookimpl
        def kp_plugin_manifest(self):
            return fixture_manifest("antrean")

        @hookimpl
        def kp_staff_tasks(self, kelurahan, user):
            return [
                StaffTask(
                    "antrean-surat",
                    "Surat menunggu tanda tangan",
                    4,
                    f"/k/{kelurahan.slug}/antrean/",
                    utcnow() - timedelta(hours=5),
                )
            ]

    extra_plugin(Queue(), "antrean")
    from conftest import enable_plugin

    enable_plugin(app, "antrean", "kauman")
    login_as("admin", "kauman")
    queue = task(tasks_page(client), "antrean-surat")
    assert "Surat menunggu tanda tangan" in queue and '<span class="count">4</span>' in queue
    assert "5 jam" in queue and 'href="/k/kauman/antrean/"' in queue
    # Where the plugin is off, its queue is not asked for.
    login_as("admin", "medono")
    assert 'id="task-antrean-surat"' not in tasks_page(client, "medono")


@pytest.mark.parametrize("role", ["warga", None])
def test_tasks_are_for_staff(app, client, login_as, role):
    login_as(role, "kauman")
    assert client.get("/k/kauman/tugas/").status_code == 403


def test_a_resident_granted_a_permission_gets_its_queue_but_not_staffs(app, client, login_as):
    """An admin grants residents the example plugin's `notices.post`: they get a "Tugas saya"
    with that queue, and none of staff's verification queues."""
    from conftest import enable_plugin
    from kp_notices import Notice

    from app.permissions import set_grant

    enable_plugin(app, "notices", "kauman")
    _db.session.add(Notice(kelurahan_id=kelurahan("kauman").id, title="Tanpa titik", body="-"))
    make_group("kauman", name="Belum diverifikasi", verified=False)
    with app.test_request_context():
        set_grant(kelurahan("kauman"), "notices.post", "warga", True)
        _db.session.commit()
    login_as("warga", "kauman")
    assert 'href="/k/kauman/tugas/"' in client.get("/k/kauman/").get_data(as_text=True)
    page = tasks_page(client)
    assert 'id="task-notices-unplaced"' in page
    assert 'id="task-core-groups"' not in page and 'id="task-core-residents"' not in page


def test_staff_of_another_kelurahan_are_refused(app, client, login_as):
    login_as("petugas", "medono")
    assert client.get("/k/kauman/tugas/").status_code == 403


def test_visitors_are_sent_to_sign_in(app, client):
    response = client.get("/k/kauman/tugas/")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


def sign_in(client, user, **extra):
    return client.post("/masuk", data={"identifier": user.email, "password": PASSWORD, **extra})


@pytest.mark.parametrize("role", ["petugas", "admin"])
def test_staff_land_on_their_tasks_after_signing_in(app, client, role):
    user = make_user(role, "kauman")
    response = sign_in(client, user)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/k/kauman/tugas/")
    assert "Tugas saya" in client.get("/k/kauman/tugas/").get_data(as_text=True)


def test_staff_elsewhere_land_where_they_work(app, client):
    user = make_user("warga", "kauman")  # lives in Kauman, works in Medono
    user.roles.append(RoleAssignment(kelurahan=kelurahan("medono"), role="petugas"))
    _db.session.commit()
    assert sign_in(client, user).headers["Location"].endswith("/k/medono/tugas/")


def test_residents_and_the_city_admin_land_elsewhere(app, client):
    warga = make_user("warga", "kauman")
    assert sign_in(client, warga).headers["Location"].endswith("/k/kauman/")
    client.post("/keluar")
    city = make_user(None, "kauman", city_admin=True)
    assert sign_in(client, city).headers["Location"].endswith("/kota/")


def test_a_next_page_still_wins(app, client):
    user = make_user("petugas", "kauman")
    response = sign_in(client, user, next="/k/kauman/kelompok/")
    assert response.headers["Location"].endswith("/k/kauman/kelompok/")


def test_staff_menu_links_to_tasks(app, client, login_as):
    login_as("petugas", "kauman")
    home = client.get("/k/kauman/").get_data(as_text=True)
    assert 'href="/k/kauman/tugas/"' in home
    act_as(client, make_user("warga", "kauman"))
    assert 'href="/k/kauman/tugas/"' not in client.get("/k/kauman/").get_data(as_text=True)
