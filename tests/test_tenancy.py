"""Kelurahan scoping (app.tenancy): reads fail closed without a kelurahan, a scope sees only
its own rows however they are reached, writes stay inside the scope, and one request's
kelurahan never leaks into the next."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from conftest import enable_plugin, make_group, make_user
from kp_notices import Notice
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import aliased

from app import tenancy
from app.models import Group, GroupMember, User
from app.tenancy import TenantScopeError

TENANT_MODELS = [Group, GroupMember, Notice]


@contextmanager
def fail_closed(db):
    """Undo the `app` fixture's all_kelurahan() for a block: no kelurahan, no opt-out."""
    info = db.session.info
    saved = info.get(tenancy.SCOPE_KEY), info.get(tenancy.UNSCOPED_KEY, 0)
    info[tenancy.SCOPE_KEY], info[tenancy.UNSCOPED_KEY] = None, 0
    try:
        yield
    finally:
        db.session.rollback()
        info[tenancy.SCOPE_KEY], info[tenancy.UNSCOPED_KEY] = saved


@pytest.fixture
def world(db, factory):
    """Kauman and medono, each with a group (leader + one member) and a notice. The same
    person leads a group in each, so joins through that person cross kelurahan."""
    kauman, medono = factory.kelurahan("kauman"), factory.kelurahan("medono")
    both = make_user("warga", "kauman", name="Warga Dua Kelurahan")
    rows = {}
    for k in (kauman, medono):
        group = make_group(k.slug, leader=both, name=f"Kelompok {k.name}")
        member = make_user("warga", k.slug, name=f"Anggota {k.name}")
        group.members.append(
            GroupMember(kelurahan_id=k.id, user_id=member.id, role="anggota", status="active")
        )
        notice = Notice(kelurahan_id=k.id, title=f"Pengumuman {k.name}", body="Isi.")
        db.session.add(notice)
        db.session.commit()
        rows[k.slug] = {"kelurahan": k, "group": group, "member": member, "notice": notice}
    rows["both"] = both
    return rows


# -- fail closed -----------------------------------------------------------------------------


def test_reading_tenant_tables_without_a_kelurahan_raises(db, world):
    both = world["both"]
    statements = {
        **{f"select({m.__name__})": select(m) for m in TENANT_MODELS},
        "count over Group": select(func.count()).select_from(Group),
        "Group columns only": select(Group.name),
        "User joined to GroupMember": select(User).join(
            GroupMember, GroupMember.user_id == User.id
        ),
        "User filtered by a GroupMember subquery": select(User).where(
            User.id.in_(select(GroupMember.user_id))
        ),
        "count over a Notice subquery": select(func.count()).select_from(select(Notice).subquery()),
    }
    leaked = []
    with fail_closed(db):
        for label, statement in statements.items():
            try:
                db.session.execute(statement).all()
            except TenantScopeError:
                db.session.rollback()
            else:
                leaked.append(label)
        # A user's own (non-tenant) row stays readable without a kelurahan.
        assert db.session.get(User, both.id).display_name == "Warga Dua Kelurahan"
    assert not leaked, f"read without a kelurahan instead of raising: {leaked}"


def test_all_kelurahan_opts_out_explicitly(db, world):
    with fail_closed(db):
        with tenancy.all_kelurahan():
            titles = set(db.session.execute(select(Notice.title)).scalars())
            groups = db.session.scalar(select(func.count()).select_from(Group))
        # The opt-out ends with its block.
        with pytest.raises(TenantScopeError):
            db.session.execute(select(Group)).all()
    assert titles == {"Pengumuman Kauman", "Pengumuman Medono"}
    assert groups == 2


# -- scoped reads ----------------------------------------------------------------------------


def test_scope_returns_only_its_own_rows(db, world):
    kauman = world["kauman"]["kelurahan"]
    both = world["both"]
    with fail_closed(db), tenancy.scoped_to(kauman.id):
        assert set(db.session.execute(select(Group.name)).scalars()) == {"Kelompok Kauman"}
        assert set(db.session.execute(select(Notice.title)).scalars()) == {"Pengumuman Kauman"}
        assert db.session.scalar(select(func.count()).select_from(Group)) == 1
        assert db.session.scalar(select(func.count()).select_from(GroupMember)) == 2
        assert db.paginate(select(Group), page=1, per_page=10).total == 1
        # The same person leads a group in each kelurahan: only kauman's membership shows.
        memberships = db.session.execute(
            select(Group.name)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(GroupMember.user_id == both.id)
        ).scalars()
        assert list(memberships) == ["Kelompok Kauman"]
        # Joined from a non-tenant entity, the tenant side is still scoped.
        members = db.session.execute(
            select(User.display_name)
            .join(GroupMember, GroupMember.user_id == User.id)
            .where(GroupMember.role == "anggota")
        ).scalars()
        assert list(members) == ["Anggota Kauman"]
        in_subquery = db.session.execute(
            select(User.display_name).where(
                User.id.in_(select(GroupMember.user_id).where(GroupMember.role == "anggota"))
            )
        ).scalars()
        assert list(in_subquery) == ["Anggota Kauman"]
        other = aliased(Group)
        assert db.session.scalar(select(func.count()).select_from(other)) == 1
        # Fetching another kelurahan's row by primary key finds nothing.
        medono_group = world["medono"]["group"]
        assert db.session.execute(select(Group).where(Group.id == medono_group.id)).first() is None


def test_scope_applies_to_relationship_lazy_loads(db, world):
    kauman, medono = world["kauman"]["kelurahan"], world["medono"]["kelurahan"]
    kauman_group, medono_group = world["kauman"]["group"], world["medono"]["group"]
    # Inconsistent on purpose: a membership row recorded under medono hanging off kauman's
    # group, and one under kauman pointing at medono's group. A lazy load inside kauman's
    # scope must not surface the medono row, however it is linked.
    stray = make_user("warga", "medono", name="Anggota Nyasar")
    db.session.add(
        GroupMember(
            kelurahan_id=medono.id, group_id=kauman_group.id, user_id=stray.id, status="active"
        )
    )
    cross = GroupMember(
        kelurahan_id=kauman.id, group_id=medono_group.id, user_id=stray.id, status="active"
    )
    db.session.add(cross)
    db.session.commit()
    cross_id, kauman_id = cross.id, kauman.id
    db.session.expunge_all()  # nothing cached: every relationship below is loaded afresh

    with fail_closed(db), tenancy.scoped_to(kauman_id):
        group = db.session.execute(select(Group)).scalar_one()
        names = sorted(m.user.display_name for m in group.members)
        assert names == ["Anggota Kauman", "Warga Dua Kelurahan"]
        member = db.session.execute(
            select(GroupMember).where(GroupMember.id == cross_id)
        ).scalar_one()
        assert member.group is None


# -- writes ----------------------------------------------------------------------------------


def test_new_rows_take_their_kelurahan_from_the_scope(db, world):
    kauman = world["kauman"]["kelurahan"]
    leader = world["both"]
    with fail_closed(db), tenancy.scoped_to(kauman.id):
        group = Group(
            name="Kelompok Baru", slug="kelompok-baru", kind="pkk", created_by_id=leader.id
        )
        group.members.append(GroupMember(user_id=leader.id, role="ketua", status="active"))
        notice = Notice(title="Pengumuman Baru", body="Isi.")
        db.session.add_all([group, notice])
        db.session.commit()
        ids = group.id, group.members[0].id, notice.id
    assert db.session.get(Group, ids[0]).kelurahan_id == kauman.id
    assert db.session.get(GroupMember, ids[1]).kelurahan_id == kauman.id
    assert db.session.get(Notice, ids[2]).kelurahan_id == kauman.id


def test_a_new_row_outside_any_kelurahan_is_refused(db, world):
    count = db.session.scalar(select(func.count()).select_from(Notice))
    db.session.add(Notice(title="Tanpa Kelurahan", body="Isi."))
    with pytest.raises(TenantScopeError):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Notice)) == count


def test_writing_another_kelurahans_row_inside_a_scope_raises(db, world):
    kauman, medono = world["kauman"]["kelurahan"], world["medono"]["kelurahan"]
    leader = world["both"]
    medono_notice_id = world["medono"]["notice"].id
    kauman_notice_id = world["kauman"]["notice"].id

    attempts = {
        "new Notice with medono's id": lambda: db.session.add(
            Notice(kelurahan_id=medono.id, title="Disusupkan", body="Isi.")
        ),
        "new Group with medono's id": lambda: db.session.add(
            Group(
                kelurahan_id=medono.id,
                name="Disusupkan",
                slug="disusupkan",
                kind="umkm",
                created_by_id=leader.id,
            )
        ),
        "edit a medono notice loaded earlier": lambda: setattr(
            db.session.get(Notice, medono_notice_id), "title", "Diubah"
        ),
        "move a kauman notice to medono": lambda: setattr(
            db.session.get(Notice, kauman_notice_id), "kelurahan_id", medono.id
        ),
        "delete a medono notice loaded earlier": lambda: db.session.delete(
            db.session.get(Notice, medono_notice_id)
        ),
    }
    accepted = []
    for label, attempt in attempts.items():
        # Objects are loaded (if at all) outside the scope, as code holding a stale reference would.
        with tenancy.all_kelurahan():
            db.session.get(Notice, medono_notice_id)
            db.session.get(Notice, kauman_notice_id)
        with tenancy.scoped_to(kauman.id):
            attempt()
            try:
                db.session.flush()
            except TenantScopeError:
                pass
            else:
                accepted.append(label)
            finally:
                db.session.rollback()
    assert not accepted, f"written across kelurahan inside kauman's scope: {accepted}"
    titles = dict(db.session.execute(select(Notice.kelurahan_id, Notice.title)).all())
    assert titles == {kauman.id: "Pengumuman Kauman", medono.id: "Pengumuman Medono"}


def test_bulk_update_and_delete_are_scoped_too(db, world):
    kauman = world["kauman"]["kelurahan"]
    with fail_closed(db):
        with pytest.raises(TenantScopeError):
            db.session.execute(update(Notice).values(title="Semua"))
        db.session.rollback()
        with tenancy.scoped_to(kauman.id):
            db.session.execute(update(Notice).values(title="Hanya Kauman"))
            db.session.execute(delete(GroupMember).where(GroupMember.role == "anggota"))
            db.session.commit()
    titles = set(db.session.execute(select(Notice.title)).scalars())
    assert titles == {"Hanya Kauman", "Pengumuman Medono"}
    members = set(
        db.session.execute(
            select(User.display_name)
            .join(GroupMember, GroupMember.user_id == User.id)
            .where(GroupMember.role == "anggota")
        ).scalars()
    )
    assert members == {"Anggota Medono"}


# -- requests --------------------------------------------------------------------------------


def test_scope_does_not_leak_between_requests(client, db, world):
    home = client.get("/k/kauman/")
    assert home.status_code == 200
    page = client.get("/k/medono/kelompok/")
    assert page.status_code == 200
    assert "Kelompok Medono" in page.text
    assert "Kelompok Kauman" not in page.text
    # And back the other way, on a page that lists groups with their members.
    assert client.get("/k/medono/").status_code == 200
    page = client.get("/k/kauman/kelompok/")
    assert "Kelompok Kauman" in page.text
    assert "Kelompok Medono" not in page.text
    # The test's own session is untouched by the requests.
    assert tenancy.current_id() is None


def test_plugin_pages_are_scoped_per_request(app, client, db, world):
    enable_plugin(app, "notices", "kauman")
    enable_plugin(app, "notices", "medono")
    for slug, mine, theirs in (
        ("kauman", "Pengumuman Kauman", "Pengumuman Medono"),
        ("medono", "Pengumuman Medono", "Pengumuman Kauman"),
    ):
        page = client.get(f"/k/{slug}/pengumuman/")
        assert page.status_code == 200
        assert mine in page.text
        assert theirs not in page.text


# -- the core tables the session does not filter -------------------------------------------


def test_every_table_with_a_kelurahan_is_a_tenant_model_or_a_documented_exception(db):
    """A new core table with a kelurahan_id must be scoped, or join the list with a reason."""
    from app.models import TenantMixin

    tenant, unscoped = set(), set()
    for mapper in db.Model.registry.mappers:
        for table in mapper.tables:
            if "kelurahan_id" not in table.c:
                continue
            (tenant if issubclass(mapper.class_, TenantMixin) else unscoped).add(table.name)
    assert unscoped == set(tenancy.UNSCOPED_TABLES), (
        "Not a TenantMixin and not documented in app.tenancy.UNSCOPED_TABLES: "
        f"{sorted(unscoped - set(tenancy.UNSCOPED_TABLES))}"
    )
    assert all(len(reason) > 40 for reason in tenancy.UNSCOPED_TABLES.values())
    assert not tenant & unscoped


def test_role_assignment_stays_in_its_kelurahan(client, login_as, world):
    """The back office shows and changes only its own residents."""
    login_as("admin", "kauman")
    page = client.get("/k/kauman/admin/warga").get_data(as_text=True)
    assert "Anggota Kauman" in page and "Anggota Medono" not in page
    medono_member = world["medono"]["member"]
    response = client.post(f"/k/kauman/admin/warga/{medono_member.id}/verifikasi")
    assert response.status_code == 404


def test_plugin_state_and_grants_stay_in_their_kelurahan(app, client, login_as, world):
    from app.permissions import is_granted

    login_as("admin", "kauman")
    client.post("/k/kauman/admin/plugin/notices/status", data={"enabled": "1"})
    client.post("/k/kauman/admin/plugin/notices/izin", data={"notices.post|warga": "1"})
    assert client.get("/k/kauman/pengumuman/").status_code == 200
    assert client.get("/k/medono/pengumuman/").status_code == 404
    assert is_granted(world["kauman"]["kelurahan"], "notices.post", "warga")
    assert not is_granted(world["medono"]["kelurahan"], "notices.post", "warga")


def test_audit_entries_stay_in_their_kelurahan(client, login_as, world):
    login_as("admin", "medono")
    identity = {"description": "Medono rahasia", "lat": "", "lng": ""}
    client.post("/k/medono/admin/identitas", data=identity)
    login_as("admin", "kauman")
    page = client.get("/k/kauman/admin/audit").get_data(as_text=True)
    assert "Medono rahasia" not in page and "kelurahan.identity_updated" not in page


def test_notifications_belong_to_their_recipient(client, db, world):
    from app.models import Notification

    for slug in ("kauman", "medono"):
        member = world[slug]["member"]
        db.session.add(Notification(user_id=member.id, message=f"Untuk {slug}"))
    db.session.commit()
    from conftest import act_as

    act_as(client, world["kauman"]["member"])
    page = client.get("/notifikasi").get_data(as_text=True)
    assert "Untuk kauman" in page and "Untuk medono" not in page


def test_media_rows_name_their_kelurahan_and_an_unguessable_path(app, client, login_as, db):
    """Uploads are served by path: a path one cannot guess keeps another kelurahan's
    unlinked files out of reach; the row still says whose it is."""
    import io

    from PIL import Image

    from app.models import Media

    login_as("admin", "kauman")
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(buffer, "PNG")
    buffer.seek(0)
    client.post(
        "/k/kauman/admin/identitas",
        data={"logo": (buffer, "logo.png"), "lat": "", "lng": ""},
        content_type="multipart/form-data",
    )
    media = db.session.execute(select(Media)).scalar_one()
    assert media.kelurahan_id == world_id(db, "kauman")
    assert len(media.relpath.rsplit("/", 1)[-1].split(".")[0]) >= 16


def world_id(db, slug):
    from app.models import Kelurahan

    return db.session.execute(select(Kelurahan.id).where(Kelurahan.slug == slug)).scalar_one()
