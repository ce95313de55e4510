"""Community groups (kelompok): creating, joining, inviting, accepting and leaving."""

from __future__ import annotations

import pytest
from conftest import act_as, count, notes_for
from sqlalchemy import select

from app.extensions import db as _db
from app.models import Group, GroupMember, Notification

# -- helpers ----------------------------------------------------------------------------------


def add_member(group, user, status: str = "active", role: str = "anggota") -> GroupMember:
    row = GroupMember(
        kelurahan_id=group.kelurahan_id,
        group_id=group.id,
        user_id=user.id,
        role=role,
        status=status,
    )
    _db.session.add(row)
    _db.session.commit()
    return row


def membership(group, user) -> GroupMember | None:
    return _db.session.execute(
        select(GroupMember).where(GroupMember.group_id == group.id, GroupMember.user_id == user.id)
    ).scalar_one_or_none()


# -- local helpers ----------------------------------------------------------------------------

URL = "/k/kauman/kelompok"


def create_group(client, **fields):
    data = {
        "name": "UMKM Batik Kauman",
        "kind": "umkm",
        "description": "",
        "contact_whatsapp": "",
    }
    data.update(fields)
    return client.post(f"{URL}/baru", data=data)


# -- creating ---------------------------------------------------------------------------------


def test_resident_creates_group_and_becomes_unverified_leader(client, login_as):
    """The creator lands on the new group's page as its ketua, marked not yet verified."""
    user = login_as("warga", "kauman")
    response = create_group(
        client,
        name="Batik Tulis Kauman",
        description="Perajin batik tulis",
        contact_whatsapp="0812-3456-7890",
    )
    assert response.status_code == 302
    group = _db.session.execute(select(Group)).scalar_one()
    assert response.headers["Location"].endswith(f"{URL}/{group.id}")
    assert group.name == "Batik Tulis Kauman"
    assert group.contact_whatsapp == "+6281234567890"
    assert group.verified_at is None
    assert group.kelurahan_id == user.home_kelurahan_id
    leader = membership(group, user)
    assert (leader.role, leader.status) == ("ketua", "active")

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Batik Tulis Kauman" in page
    assert "Belum diverifikasi" in page
    assert "Anda ketua kelompok ini." in page


@pytest.mark.parametrize(
    "kind, label",
    [
        ("umkm", "UMKM"),
        ("pokdarwis", "Pokdarwis"),
        ("ksm_bank_sampah", "KSM bank sampah"),
        ("pkk", "PKK"),
        ("karang_taruna", "Karang taruna"),
        ("lainnya", "Lainnya"),
    ],
)
def test_every_group_kind_can_be_created(client, login_as, kind, label):
    """Each kind on the form is accepted and shown by its Indonesian name."""
    login_as("warga", "kauman")
    response = create_group(client, name=f"Kelompok {kind}", kind=kind)
    assert response.status_code == 302
    group = _db.session.execute(select(Group)).scalar_one()
    assert group.kind == kind
    assert label in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(
    "fields, message, kept",
    [
        ({"name": "ab"}, "Nama harus 3–120 karakter.", 'value="ab"'),
        (
            {"name": "Bank Sampah Melati", "contact_whatsapp": "0812"},
            "Nomor HP tidak valid",
            'value="0812"',
        ),
        # A kind that is not on the list (a tampered form): refused, the rest kept.
        ({"name": "Arisan RT 03", "kind": "arisan"}, None, 'value="Arisan RT 03"'),
    ],
    ids=["short-name", "bad-whatsapp", "unknown-kind"],
)
def test_bad_group_input_is_refused_and_kept(client, login_as, fields, message, kept):
    """A wrong value is explained next to the field, what was typed stays, nothing is stored."""
    login_as("warga", "kauman")
    response = create_group(client, description="Tetap di sini", **fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Periksa kembali isian yang ditandai." in page
    if message:
        assert message in page
    assert kept in page
    assert "Tetap di sini" in page
    assert count(Group) == 0
    assert count(GroupMember) == 0


def test_leader_edits_group_and_bad_input_is_kept(client, factory):
    """The ketua renames the group; a too-short name is refused and the old name stays."""
    leader = factory.user("warga", "kauman")
    group = factory.group("kauman", leader, name="Pokdarwis Lama", kind="pokdarwis")
    act_as(client, leader)
    edit = f"{URL}/{group.id}/ubah"
    response = client.post(edit, data={"name": "X", "kind": "pokdarwis"})
    assert response.status_code == 422
    assert "Nama harus 3–120 karakter." in response.get_data(as_text=True)
    assert _db.session.get(Group, group.id).name == "Pokdarwis Lama"
    response = client.post(
        edit, data={"name": "Pokdarwis Kampung Batik", "kind": "pokdarwis", "contact_whatsapp": ""}
    )
    assert response.status_code == 302
    assert _db.session.get(Group, group.id).name == "Pokdarwis Kampung Batik"


def test_leader_declines_a_request(client, factory):
    """The ketua presses "Tolak" on a join request; the request disappears."""
    leader = factory.user("warga", "kauman")
    group = factory.group("kauman", leader)
    applicant = factory.user("warga", "kauman", name="Pelamar Ditolak")
    row = add_member(group, applicant, "requested")
    act_as(client, leader)
    assert client.post(f"{URL}/{group.id}/anggota/{row.id}/hapus").status_code == 302
    assert membership(group, applicant) is None
    assert "Pelamar Ditolak" not in client.get(f"{URL}/{group.id}").get_data(as_text=True)


def test_anonymous_visitor_is_sent_to_sign_in(client, factory):
    """Every group action asks a visitor to sign in first and changes nothing."""
    group = factory.group("kauman")
    member = group.members[0]
    for path in (
        f"{URL}/baru",
        f"{URL}/{group.id}/gabung",
        f"{URL}/{group.id}/undang",
        f"{URL}/{group.id}/anggota/{member.id}/terima",
        f"{URL}/{group.id}/anggota/{member.id}/hapus",
    ):
        response = client.post(path, data={"name": "Kelompok Siluman", "identifier": "a@b.id"})
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/masuk"), path
    assert count(Group) == 1
    assert count(GroupMember) == 1


def test_groups_page_lists_groups_with_kind_filter(client, factory):
    """The list shows the kelurahan's groups; the kind filter narrows it."""
    factory.group("kauman", name="Pokdarwis Kampung Batik", kind="pokdarwis")
    factory.group("kauman", name="PKK RW 05", kind="pkk", verified=False)
    factory.group("medono", name="Karang Taruna Medono", kind="karang_taruna")
    page = client.get(f"{URL}/").get_data(as_text=True)
    assert "Pokdarwis Kampung Batik" in page and "PKK RW 05" in page
    assert "Karang Taruna Medono" not in page
    filtered = client.get(f"{URL}/?jenis=pkk").get_data(as_text=True)
    assert "PKK RW 05" in filtered
    assert "Pokdarwis Kampung Batik" not in filtered


# -- joining ----------------------------------------------------------------------------------


def test_join_request_notifies_leader_who_accepts(client, factory):
    """A resident asks to join; the ketua is told, accepts, and the resident becomes a member."""
    leader = factory.user("warga", "kauman", name="Bu Ketua")
    group = factory.group("kauman", leader, name="KSM Bank Sampah Melati")
    resident = factory.user("warga", "kauman", name="Pak Rahmat")

    act_as(client, resident)
    response = client.post(f"{URL}/{group.id}/gabung")
    assert response.status_code == 302
    request = membership(group, resident)
    assert (request.role, request.status) == ("anggota", "requested")
    assert any("Pak Rahmat ingin bergabung" in m for m in notes_for(leader))
    page = client.get(f"{URL}/{group.id}").get_data(as_text=True)
    assert "Permintaan Anda menunggu persetujuan ketua." in page

    act_as(client, leader)
    page = client.get(f"{URL}/{group.id}").get_data(as_text=True)
    assert "Permintaan bergabung" in page and "Pak Rahmat" in page
    response = client.post(f"{URL}/{group.id}/anggota/{request.id}/terima")
    assert response.status_code == 302
    assert membership(group, resident).status == "active"
    assert any("diterima" in m for m in notes_for(resident))

    act_as(client, resident)
    assert "Anda anggota kelompok ini." in client.get(f"{URL}/{group.id}").get_data(as_text=True)


def test_asking_twice_adds_no_second_request(client, factory):
    """A second click on "Minta bergabung" does not duplicate the request or the notification."""
    leader = factory.user("warga", "kauman")
    group = factory.group("kauman", leader)
    resident = factory.user("warga", "kauman")
    act_as(client, resident)
    client.post(f"{URL}/{group.id}/gabung")
    client.post(f"{URL}/{group.id}/gabung")
    assert count(GroupMember, GroupMember.group_id == group.id) == 2
    assert len(notes_for(leader)) == 1


# -- inviting ---------------------------------------------------------------------------------


@pytest.mark.parametrize("by", ["email", "phone"])
def test_leader_invites_by_email_or_phone_and_invitee_accepts(client, factory, by):
    """The invitee is notified, sees the invitation and joins with "Terima undangan"."""
    leader = factory.user("warga", "kauman")
    group = factory.group("kauman", leader, name="Karang Taruna Tunas Muda")
    invitee = factory.user("warga", "kauman", email="sari@contoh.id", phone="+6281398765432")
    typed = "Sari@Contoh.id" if by == "email" else "0813-9876-5432"

    act_as(client, leader)
    response = client.post(f"{URL}/{group.id}/undang", data={"identifier": typed})
    assert response.status_code == 302
    assert membership(group, invitee).status == "invited"
    assert any(
        "Anda diundang bergabung dengan Karang Taruna Tunas Muda" in m for m in notes_for(invitee)
    )

    act_as(client, invitee)
    page = client.get(f"{URL}/{group.id}").get_data(as_text=True)
    assert "Anda diundang bergabung." in page and "Terima undangan" in page
    response = client.post(f"{URL}/{group.id}/gabung")
    assert response.status_code == 302
    assert membership(group, invitee).status == "active"


@pytest.mark.parametrize(
    "typed, message",
    [
        ("belum.ada@contoh.id", "Belum ada akun dengan e-mail atau nomor HP itu."),
        ("0812-1111-2222", "Belum ada akun dengan e-mail atau nomor HP itu."),
        ("bukan kontak", "Isi dengan alamat e-mail atau nomor HP"),
    ],
)
def test_invite_of_unknown_identifier_is_refused_and_kept(client, factory, typed, message):
    """An identifier with no account gets an Indonesian message and stays in the field."""
    leader = factory.user("warga", "kauman")
    group = factory.group("kauman", leader)
    act_as(client, leader)
    response = client.post(f"{URL}/{group.id}/undang", data={"identifier": typed})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert f'value="{typed}"' in page
    assert count(GroupMember, GroupMember.group_id == group.id) == 1
    assert count(Notification) == 0


def test_inviting_an_existing_member_is_refused(client, factory):
    """Inviting someone already in the group says so and changes nothing."""
    leader = factory.user("warga", "kauman", email="ketua@contoh.id")
    group = factory.group("kauman", leader)
    act_as(client, leader)
    response = client.post(f"{URL}/{group.id}/undang", data={"identifier": "ketua@contoh.id"})
    assert response.status_code == 422
    assert "Warga ini sudah anggota atau sudah diundang." in response.get_data(as_text=True)
    assert count(GroupMember) == 1


def test_non_leaders_cannot_invite_or_accept(client, factory):
    """A plain member or an outsider gets 403 for leader actions; nothing changes."""
    leader = factory.user("warga", "kauman")
    group = factory.group("kauman", leader)
    member = factory.user("warga", "kauman")
    add_member(group, member)
    applicant = factory.user("warga", "kauman", email="pelamar@contoh.id")
    pending = add_member(group, applicant, "requested")
    outsider = factory.user("warga", "kauman", email="luar@contoh.id")

    for user in (member, outsider):
        act_as(client, user)
        invite = client.post(f"{URL}/{group.id}/undang", data={"identifier": "luar@contoh.id"})
        assert invite.status_code == 403
        accept = client.post(f"{URL}/{group.id}/anggota/{pending.id}/terima")
        assert accept.status_code == 403
        remove = client.post(f"{URL}/{group.id}/anggota/{pending.id}/hapus")
        assert remove.status_code == 403
        edit = client.post(f"{URL}/{group.id}/ubah", data={"name": "Dibajak", "kind": "pkk"})
        assert edit.status_code == 403

    assert membership(group, applicant).status == "requested"
    assert membership(group, outsider) is None
    assert _db.session.get(Group, group.id).name != "Dibajak"
    assert count(Notification) == 0


# -- leaving ----------------------------------------------------------------------------------


def test_member_can_leave(client, factory):
    """A member presses "Keluar dari kelompok" and is no longer listed."""
    group = factory.group("kauman")
    member = factory.user("warga", "kauman", name="Mas Anggota")
    row = add_member(group, member)

    act_as(client, member)
    assert "Keluar dari kelompok" in client.get(f"{URL}/{group.id}").get_data(as_text=True)
    response = client.post(f"{URL}/{group.id}/anggota/{row.id}/hapus")
    assert response.status_code == 302
    assert membership(group, member) is None
    page = client.get(f"{URL}/{group.id}").get_data(as_text=True)
    members = page.split("<h2>Anggota</h2>")[1]
    assert "Mas Anggota" not in members
    assert "Minta bergabung" in page


def test_last_leader_cannot_be_removed(client, factory):
    """The only ketua cannot leave: the group keeps its leader and says why."""
    leader = factory.user("warga", "kauman")
    group = factory.group("kauman", leader)
    row = membership(group, leader)
    act_as(client, leader)
    response = client.post(f"{URL}/{group.id}/anggota/{row.id}/hapus", follow_redirects=True)
    assert "Kelompok harus tetap punya ketua." in response.get_data(as_text=True)
    assert membership(group, leader).role == "ketua"


def test_group_of_another_kelurahan_is_not_found(client, factory, login_as):
    """A medono group cannot be seen or joined through kauman's pages."""
    group = factory.group("medono", name="Pokdarwis Medono")
    login_as("warga", "kauman")
    assert client.get(f"{URL}/{group.id}").status_code == 404
    assert client.post(f"{URL}/{group.id}/gabung").status_code == 404
    assert count(GroupMember, GroupMember.group_id == group.id) == 1
