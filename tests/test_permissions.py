"""Permissions that mean something: declared by plugins, granted to kelurahan roles and to
group roles, changed by the kelurahan admin on a grid (audited), checked by the server.

The end-to-end case is the one the waste bank needs: members of a verified KSM bank sampah
group whose leader gave them the role `operator` hold `banksampah.operate` for their own
group's unit only. A fixture plugin (`banksampah`) declares the role and the permission and
serves one page per unit, exactly as a real plugin would through the kit.
"""

from __future__ import annotations

import pytest
from conftest import act_as, enable_plugin, fixture_manifest, kelurahan, make_group, make_user
from flask import Blueprint
from sqlalchemy import select

from app.extensions import db as _db
from app.kit import GroupRole, Permission, can, get_or_404, hookimpl, require
from app.models import AuditEntry, Group, GroupMember
from app.permissions import UnknownPermission, is_granted, set_grant
from app.plugins import PluginLoadError, host

OPERATE = "banksampah.operate"


class WasteBankFixture:
    """A plugin with a group role and a permission held through it."""

    bp = Blueprint("banksampah", __name__)

    @hookimpl
    def kp_plugin_manifest(self):
        return fixture_manifest(
            "banksampah",
            dimension="environment",
            path="bank-sampah-uji",
            group_roles=(
                GroupRole("operator", "Operator bank sampah", kinds=("ksm_bank_sampah",)),
            ),
            permissions=(
                Permission(
                    OPERATE, "Mengoperasikan bank sampah", roles=(), group_roles=("operator",)
                ),
            ),
        )


@WasteBankFixture.bp.get("/unit/<int:group_id>")
def unit(group_id: int):
    group = get_or_404(Group, group_id)
    require(OPERATE, group, not_found=False)
    return f"Buku tabungan {group.name}"


@pytest.fixture
def wastebank(app, extra_plugin):
    extra_plugin(WasteBankFixture(), "banksampah")
    enable_plugin(app, "banksampah", "kauman")
    enable_plugin(app, "banksampah", "medono")


def ksm(slug: str, name: str, *, verified: bool = True, kind: str = "ksm_bank_sampah"):
    leader = make_user("warga", slug, name=f"Ketua {name}")
    group = make_group(slug, leader, name=name, kind=kind, verified=verified)
    return group, leader


def join(group, user, role: str = "anggota") -> GroupMember:
    member = GroupMember(
        kelurahan_id=group.kelurahan_id,
        group_id=group.id,
        user_id=user.id,
        role=role,
        status="active",
    )
    _db.session.add(member)
    _db.session.commit()
    return member


def unit_page(client, group) -> int:
    return client.get(f"/k/kauman/bank-sampah-uji/unit/{group.id}").status_code


def test_ksm_operator_operates_own_unit_only_end_to_end(app, client, wastebank):
    """The leader makes a member operator on the group's page; the operator then runs that
    group's unit and no other; an ordinary member cannot."""
    group, leader = ksm("kauman", "KSM Bank Sampah Kauman Resik")
    other, _ = ksm("kauman", "KSM Sapu Lidi")
    sari = make_user("warga", "kauman", name="Sari")
    member = join(group, sari)

    act_as(client, sari)
    assert unit_page(client, group) == 403  # a member, not yet an operator

    act_as(client, leader)
    page = client.get(f"/k/kauman/kelompok/{group.id}").get_data(as_text=True)
    assert 'value="operator"' in page and "Operator bank sampah" in page
    response = client.post(
        f"/k/kauman/kelompok/{group.id}/anggota/{member.id}/peran", data={"role": "operator"}
    )
    assert response.status_code == 302
    _db.session.refresh(member)
    assert member.role == "operator"
    entry = _db.session.execute(
        select(AuditEntry).where(AuditEntry.action == "group.member_role_changed")
    ).scalar_one()
    assert entry.before == {"role": "anggota"} and entry.after["role"] == "operator"

    act_as(client, sari)
    response = client.get(f"/k/kauman/bank-sampah-uji/unit/{group.id}")
    assert response.status_code == 200 and "KSM Bank Sampah Kauman Resik" in response.get_data(
        as_text=True
    )
    assert unit_page(client, other) == 403  # another group's unit
    assert client.get(f"/k/medono/bank-sampah-uji/unit/{group.id}").status_code == 404


def test_operator_role_counts_only_in_a_verified_group_of_its_kind(app, client, wastebank):
    unverified, _ = ksm("kauman", "KSM Belum Diverifikasi", verified=False)
    pkk, _ = ksm("kauman", "PKK RW 03", kind="pkk")
    sari = make_user("warga", "kauman")
    join(unverified, sari, "operator")
    join(pkk, sari, "operator")  # set behind the app's back: the kind does not offer it
    act_as(client, sari)
    assert unit_page(client, unverified) == 403
    assert unit_page(client, pkk) == 403


def test_the_role_is_offered_only_where_the_plugin_is_on_and_the_kind_fits(app, client, wastebank):
    group, leader = ksm("kauman", "KSM Kauman")
    pkk, pkk_leader = ksm("kauman", "PKK Kauman", kind="pkk")
    member = join(pkk, make_user("warga", "kauman"))
    join(group, make_user("warga", "kauman"))
    act_as(client, pkk_leader)
    assert 'value="operator"' not in client.get(f"/k/kauman/kelompok/{pkk.id}").get_data(
        as_text=True
    )
    client.post(f"/k/kauman/kelompok/{pkk.id}/anggota/{member.id}/peran", data={"role": "operator"})
    _db.session.refresh(member)
    assert member.role == "anggota"  # refused: a PKK has no operators
    enable_plugin(app, "banksampah", "kauman", enabled=False)
    act_as(client, leader)
    assert 'value="operator"' not in client.get(f"/k/kauman/kelompok/{group.id}").get_data(
        as_text=True
    )


def test_only_the_leader_gives_roles(app, client, wastebank):
    group, _leader = ksm("kauman", "KSM Kauman")
    sari, budi = make_user("warga", "kauman"), make_user("warga", "kauman")
    member = join(group, sari)
    join(group, budi)
    act_as(client, budi)
    url = f"/k/kauman/kelompok/{group.id}/anggota/{member.id}/peran"
    assert client.post(url, data={"role": "operator"}).status_code == 403
    _db.session.refresh(member)
    assert member.role == "anggota"


def test_admin_revokes_the_operator_grant_on_the_grid_and_it_is_audited(
    app, client, login_as, wastebank
):
    group, _leader = ksm("kauman", "KSM Kauman")
    operator = make_user("warga", "kauman")
    join(group, operator, "operator")
    admin = login_as("admin", "kauman")
    page = client.get("/k/kauman/admin/plugin/banksampah/izin").get_data(as_text=True)
    assert "Mengoperasikan bank sampah" in page
    assert f'name="{OPERATE}|group:operator" value="1" checked' in page
    assert f'name="{OPERATE}|petugas" value="1" checked' not in page

    # Untick the operator, tick petugas: two changes, two audit entries.
    response = client.post(
        "/k/kauman/admin/plugin/banksampah/izin", data={f"{OPERATE}|petugas": "1"}
    )
    assert response.status_code == 302
    entries = (
        _db.session.execute(
            select(AuditEntry).where(AuditEntry.object_type == "permission").order_by(AuditEntry.id)
        )
        .scalars()
        .all()
    )
    assert [(e.action, e.after["role"]) for e in entries] == [
        ("permission.granted", "petugas"),
        ("permission.revoked", "group:operator"),
    ]
    assert all(e.actor_id == admin.id and e.kelurahan_id == kelurahan("kauman").id for e in entries)

    act_as(client, operator)
    assert unit_page(client, group) == 403
    petugas = make_user("petugas", "kauman")
    act_as(client, petugas)
    assert unit_page(client, group) == 200
    # Medono keeps the defaults.
    medono = kelurahan("medono")
    assert is_granted(medono, OPERATE, "group:operator") and not is_granted(
        medono, OPERATE, "petugas"
    )


def test_saving_the_grid_unchanged_records_nothing(app, client, login_as, wastebank):
    login_as("admin", "kauman")
    client.post("/k/kauman/admin/plugin/banksampah/izin", data={f"{OPERATE}|group:operator": "1"})
    assert not _db.session.execute(
        select(AuditEntry).where(AuditEntry.object_type == "permission")
    ).first()


@pytest.mark.parametrize("role", ["warga", "petugas"])
def test_only_the_kelurahan_admin_changes_grants(app, client, login_as, wastebank, role):
    login_as(role, "kauman")
    assert client.get("/k/kauman/admin/plugin/banksampah/izin").status_code == 403
    assert (
        client.post(
            "/k/kauman/admin/plugin/banksampah/izin", data={f"{OPERATE}|warga": "1"}
        ).status_code
        == 403
    )
    assert not is_granted(kelurahan("kauman"), OPERATE, "warga")


def test_another_kelurahans_admin_cannot_change_grants_here(app, client, login_as, wastebank):
    login_as("admin", "medono")
    response = client.post("/k/kauman/admin/plugin/banksampah/izin", data={f"{OPERATE}|warga": "1"})
    assert response.status_code == 403
    assert not is_granted(kelurahan("kauman"), OPERATE, "warga")


def test_city_admin_holds_what_the_kelurahan_admin_holds(app, wastebank):
    city = make_user(None, "kauman", city_admin=True)
    kauman = kelurahan("kauman")
    with app.test_request_context():
        set_grant(kauman, OPERATE, "admin", True)
        _db.session.commit()
        assert can(OPERATE, user=city, kelurahan=kauman)
        assert not can(OPERATE, user=city, kelurahan=kelurahan("medono"))


def test_unknown_permission_is_a_programming_error(app, wastebank):
    with app.test_request_context(), pytest.raises(UnknownPermission):
        can("banksampah.typo", user=make_user(), kelurahan=kelurahan("kauman"))


def test_require_sends_visitors_to_sign_in(app, client, wastebank):
    group, _ = ksm("kauman", "KSM Kauman")
    response = client.get(f"/k/kauman/bank-sampah-uji/unit/{group.id}")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]


@pytest.mark.parametrize(
    "permission, message",
    [
        (Permission("lain.operate", "x"), "must start with 'badperm.'"),
        (Permission("badperm.operate", "x", roles=("lurah",)), "unknown role"),
        (Permission("badperm.operate", "x", group_roles=("bendahara",)), "unknown role"),
    ],
)
def test_malformed_permissions_stop_start_up(app, permission, message):
    class Bad:
        @hookimpl
        def kp_plugin_manifest(self):
            return fixture_manifest("badperm", permissions=(permission,))

    with pytest.raises(PluginLoadError, match=message):
        host(app).add_plugin(Bad(), "badperm")
    host(app).remove_plugin("badperm")
