"""Community groups (kelompok): create, join or invite, accept, leave."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import audit, tenancy
from ..auth import login_required
from ..extensions import db, limiter
from ..formatting import slugify
from ..forms import GROUP_KIND_LABELS, EmptyForm, GroupForm, InviteForm, NewGroupForm
from ..idempotency import already_done, remember_result
from ..models import Group, GroupMember
from ..notify import notify
from ..plugins import Event, host
from .account import find_user

bp = Blueprint("groups", __name__, url_prefix="/k/<kelurahan_slug>/kelompok")


def unique_group_slug(name: str) -> str:
    base = slugify(name, "kelompok")[:120]
    taken = set(db.session.execute(select(Group.slug).where(Group.slug.like(f"{base}%"))).scalars())
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _group(group_id: int) -> Group:
    group = db.session.execute(
        select(Group)
        .where(Group.id == group_id)
        .options(selectinload(Group.members).selectinload(GroupMember.user))
    ).scalar_one_or_none()
    if group is None:
        abort(404)
    return group


def _form_status() -> int:
    """A form shown again after a refused POST answers 422, like the other forms."""
    return 422 if request.method == "POST" else 200


@bp.get("/")
def index():
    kind = request.args.get("jenis") or ""
    query = select(Group).order_by(Group.verified_at.is_(None), Group.name)
    if kind in GROUP_KIND_LABELS:
        query = query.where(Group.kind == kind)
    groups = list(db.session.execute(query.options(selectinload(Group.members))).scalars())
    return render_template("groups/index.html", groups=groups, kinds=GROUP_KIND_LABELS, kind=kind)


@bp.route("/baru", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def create():
    form = NewGroupForm()
    if (done := already_done(form)) is not None:
        return done  # the same form sent again: its group exists already
    if form.validate_on_submit():
        group = Group(
            name=form.name.data.strip(),
            slug=unique_group_slug(form.name.data),
            kind=form.kind.data,
            description=(form.description.data or "").strip() or None,
            contact_whatsapp=form.contact_whatsapp.normalized,
            created_by_id=current_user.id,
        )
        group.members.append(GroupMember(user_id=current_user.id, role="ketua", status="active"))
        db.session.add(group)
        db.session.flush()
        remember_result(form, url_for("groups.show", group_id=group.id))
        db.session.commit()
        host().emit(
            Event(
                "group.created",
                kelurahan=g.kelurahan,
                actor=current_user,
                payload={"group_id": group.id},
            )
        )
        flash(_("Kelompok dibuat. Petugas kelurahan akan memverifikasinya."), "success")
        return redirect(url_for("groups.show", group_id=group.id))
    return render_template("groups/form.html", form=form), _form_status()


@bp.get("/<int:group_id>")
def show(group_id: int):
    group = _group(group_id)
    member = group.membership_of(current_user)
    return render_template(
        "groups/show.html",
        group=group,
        member=member,
        kinds=GROUP_KIND_LABELS,
        invite_form=InviteForm(),
        form=EmptyForm(),
        is_leader=group.is_leader(current_user),
        member_roles=member_roles(group),
    )


@bp.route("/<int:group_id>/ubah", methods=["GET", "POST"])
@login_required
def edit(group_id: int):
    group = _group(group_id)
    if not group.is_leader(current_user):
        abort(403)
    form = GroupForm(obj=group)
    if form.validate_on_submit():
        group.name = form.name.data.strip()
        group.kind = form.kind.data
        group.description = (form.description.data or "").strip() or None
        group.contact_whatsapp = form.contact_whatsapp.normalized
        db.session.commit()
        flash(_("Perubahan disimpan."), "success")
        return redirect(url_for("groups.show", group_id=group.id))
    return render_template("groups/form.html", form=form, group=group), _form_status()


@bp.post("/<int:group_id>/gabung")
@login_required
@limiter.limit("20 per hour")
def request_join(group_id: int):
    group = _group(group_id)
    EmptyForm().validate_on_submit() or abort(400)
    member = group.membership_of(current_user)
    if member is None:
        group.members.append(
            GroupMember(user_id=current_user.id, role="anggota", status="requested")
        )
        for leader in (m.user for m in group.members if m.role == "ketua" and m.status == "active"):
            notify(
                leader,
                _l(
                    "%(name)s ingin bergabung dengan %(group)s.",
                    name=current_user.display_name,
                    group=group.name,
                ),
                url=url_for("groups.show", group_id=group.id),
                kelurahan=g.kelurahan,
            )
        db.session.commit()
        flash(_("Permintaan bergabung terkirim ke ketua kelompok."), "success")
    elif member.status == "invited":
        member.status = "active"
        db.session.commit()
        flash(_("Anda sekarang anggota %(group)s.", group=group.name), "success")
    return redirect(url_for("groups.show", group_id=group.id))


@bp.post("/<int:group_id>/undang")
@login_required
@limiter.limit("30 per hour")
def invite(group_id: int):
    group = _group(group_id)
    if not group.is_leader(current_user):
        abort(403)
    form = InviteForm()
    if form.validate_on_submit():
        user = find_user(form.identifier.normalized)
        if user is None:
            form.identifier.errors.append(
                _("Belum ada akun dengan e-mail atau nomor HP itu. Minta warga mendaftar dahulu.")
            )
        elif group.membership_of(user) is not None:
            form.identifier.errors.append(_("Warga ini sudah anggota atau sudah diundang."))
        else:
            group.members.append(GroupMember(user_id=user.id, role="anggota", status="invited"))
            notify(
                user,
                _l("Anda diundang bergabung dengan %(group)s.", group=group.name),
                url=url_for("groups.show", group_id=group.id),
                kelurahan=g.kelurahan,
            )
            db.session.commit()
            flash(_("Undangan terkirim."), "success")
            return redirect(url_for("groups.show", group_id=group.id))
    return render_template(
        "groups/show.html",
        group=group,
        member=group.membership_of(current_user),
        kinds=GROUP_KIND_LABELS,
        invite_form=form,
        form=EmptyForm(),
        is_leader=True,
        member_roles=member_roles(group),
    ), 422


def _member(group: Group, member_id: int) -> GroupMember:
    member = next((m for m in group.members if m.id == member_id), None)
    if member is None:
        abort(404)
    return member


@bp.post("/<int:group_id>/anggota/<int:member_id>/terima")
@login_required
def accept(group_id: int, member_id: int):
    group = _group(group_id)
    if not group.is_leader(current_user):
        abort(403)
    EmptyForm().validate_on_submit() or abort(400)
    member = _member(group, member_id)
    if member.status == "requested":
        member.status = "active"
        notify(
            member.user,
            _l("Permintaan Anda bergabung dengan %(group)s diterima.", group=group.name),
            url=url_for("groups.show", group_id=group.id),
            kelurahan=g.kelurahan,
        )
        db.session.commit()
        flash(_("%(name)s sekarang anggota.", name=member.user.display_name), "success")
    return redirect(url_for("groups.show", group_id=group.id))


def member_roles(group: Group) -> dict[str, object]:
    """Roles the leader may give a member of this group: anggota, and the group roles that
    plugins switched on here declare for groups of its kind (a KSM's operator)."""
    kp = host()
    roles: dict[str, object] = {"anggota": _l("anggota")}
    for plugin_id in kp.enabled_ids(g.kelurahan):
        for role in kp.manifests[plugin_id].group_roles:
            if group.kind in role.kinds:
                roles[role.key] = role.label
    return roles


@bp.post("/<int:group_id>/anggota/<int:member_id>/peran")
@login_required
def set_member_role(group_id: int, member_id: int):
    """The leader gives an active member a role; roles may carry permissions (audited)."""
    group = _group(group_id)
    if not group.is_leader(current_user):
        abort(403)
    EmptyForm().validate_on_submit() or abort(400)
    member = _member(group, member_id)
    role = request.form.get("role") or ""
    roles = member_roles(group)
    if member.role == "ketua" or member.status != "active" or role not in roles:
        flash(_("Peran tidak dapat diberikan kepada anggota ini."), "error")
        return redirect(url_for("groups.show", group_id=group.id))
    if role != member.role:
        before = {"role": member.role}
        member.role = role
        audit.record(
            "group.member_role_changed",
            "group_member",
            member.id,
            kelurahan=g.kelurahan,
            before=before,
            after={"role": role, "group_id": group.id, "user_id": member.user_id},
        )
        notify(
            member.user,
            _l("Peran Anda di %(group)s kini: %(role)s.", group=group.name, role=roles[role]),
            url=url_for("groups.show", group_id=group.id),
            kelurahan=g.kelurahan,
        )
        db.session.commit()
        host().emit(
            Event(
                "group.member_role_changed",
                kelurahan=g.kelurahan,
                actor=current_user,
                payload={"group_id": group.id, "member_id": member.id, "role": role},
            )
        )
        flash(
            _("%(name)s kini %(role)s.", name=member.user.display_name, role=roles[role]),
            "success",
        )
    return redirect(url_for("groups.show", group_id=group.id))


@bp.post("/<int:group_id>/anggota/<int:member_id>/hapus")
@login_required
def remove(group_id: int, member_id: int):
    """The leader removes a member or declines a request; a member may leave."""
    group = _group(group_id)
    member = _member(group, member_id)
    if not (group.is_leader(current_user) or member.user_id == current_user.id):
        abort(403)
    EmptyForm().validate_on_submit() or abort(400)
    if member.role == "ketua" and sum(1 for m in group.members if m.role == "ketua") == 1:
        flash(_("Kelompok harus tetap punya ketua."), "error")
    else:
        db.session.delete(member)
        db.session.commit()
        flash(_("Keanggotaan dihapus."), "success")
    return redirect(url_for("groups.show", group_id=group.id))


def my_groups(user) -> list[Group]:
    """Groups the user is an active member of, in every kelurahan (account page)."""
    with tenancy.all_kelurahan():
        return list(
            db.session.execute(
                select(Group)
                .join(GroupMember, GroupMember.group_id == Group.id)
                .where(GroupMember.user_id == user.id, GroupMember.status == "active")
                .order_by(Group.name)
            ).scalars()
        )
