"""The kelurahan's back office: identity, residents and roles, groups, plugins, audit log."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from .. import apikeys, audit, caching, permissions, switch_off, tenancy
from ..auth import admin_required, end_sessions, staff_required
from ..extensions import db, htmx
from ..forms import (
    GROUP_KIND_LABELS,
    GROUP_ROLE_LABELS,
    REQUIRED,
    ROLE_LABELS,
    CheckboxListField,
    EmptyForm,
    IdentityForm,
    RoleForm,
)
from ..idempotency import IdempotentForm, already_done, remember_result
from ..models import AuditEntry, Group, GroupMember, Role, RoleAssignment, User, utcnow
from ..notify import notify
from ..paging import page_number
from ..plugins import DIMENSIONS, Event, SettingError, host
from ..uploads import PhotoUploads
from ..urls import public_url, safe_next
from .account import issue_password_reset

bp = Blueprint("admin", __name__, url_prefix="/k/<kelurahan_slug>/admin")

PER_PAGE = 50


def _identity_snapshot(k) -> dict:
    return {
        "description": k.description,
        "address": k.address,
        "phone": k.phone,
        "whatsapp": k.whatsapp,
        "email": k.email,
        "opening_hours": k.opening_hours,
        "lat": k.lat,
        "lng": k.lng,
        "logo_id": k.logo_id,
    }


@bp.get("/")
@staff_required
def index():
    counts = {
        "residents": db.session.scalar(
            select(func.count())
            .select_from(RoleAssignment)
            .where(RoleAssignment.kelurahan_id == g.kelurahan.id)
        ),
        "unverified_residents": db.session.scalar(
            select(func.count())
            .select_from(RoleAssignment)
            .where(
                RoleAssignment.kelurahan_id == g.kelurahan.id, RoleAssignment.verified_at.is_(None)
            )
        ),
        "groups": db.session.scalar(select(func.count()).select_from(Group)),
        "unverified_groups": db.session.scalar(
            select(func.count()).select_from(Group).where(Group.verified_at.is_(None))
        ),
    }
    from ..auth import is_admin
    from ..setup_checklist import setup_checklist

    # Only admins can fix the identity and the plugins; petugas would see a list they
    # cannot act on.
    checklist = setup_checklist(g.kelurahan) if is_admin(g.kelurahan) else None
    if checklist is not None and checklist.complete:
        checklist = None
    return render_template("admin/index.html", counts=counts, checklist=checklist)


@bp.route("/identitas", methods=["GET", "POST"])
@admin_required
def identity():
    kelurahan = g.kelurahan
    form = IdentityForm(obj=kelurahan)
    # A logo chosen in a refused POST is kept (pending) and comes back with the form.
    logo = PhotoUploads(form.logo, "core.identity.logo", max_count=1, subdir="logo")
    valid = form.validate_on_submit()
    if logo.receive(form) and valid:
        before = _identity_snapshot(kelurahan)
        if logo.media:
            kelurahan.logo = logo.media[0]
            kelurahan.logo.public = True  # shown on the kelurahan's public pages
            logo.used()
        kelurahan.description = (form.description.data or "").strip() or None
        kelurahan.address = (form.address.data or "").strip() or None
        kelurahan.phone = (form.phone.data or "").strip() or None
        kelurahan.whatsapp = form.whatsapp.normalized
        kelurahan.email = form.email.normalized
        kelurahan.opening_hours = (form.opening_hours.data or "").strip() or None
        if form.centre:
            if (kelurahan.lat, kelurahan.lng) != form.centre:
                kelurahan.centre_is_approximate = False
            kelurahan.lat, kelurahan.lng = form.centre
        db.session.flush()
        audit.record(
            "kelurahan.identity_updated",
            "kelurahan",
            kelurahan.id,
            kelurahan=kelurahan,
            before=before,
            after=_identity_snapshot(kelurahan),
        )
        # Every worker keeps the identity in memory: have them all reload it.
        caching.bump_after_commit(db.session, caching.CONFIG, caching.kelurahan_stamp(kelurahan.id))
        db.session.commit()
        flash(_("Identitas kelurahan disimpan."), "success")
        return redirect(url_for("admin.identity"))
    if request.method == "POST":
        return render_template("admin/identity.html", form=form), 422
    return render_template("admin/identity.html", form=form)


# -- residents and roles -------------------------------------------------------------------


def _assignment(user_id: int) -> RoleAssignment:
    """A user is reachable here only through a role in this kelurahan: otherwise 404."""
    row = db.session.execute(
        select(RoleAssignment)
        .where(RoleAssignment.user_id == user_id, RoleAssignment.kelurahan_id == g.kelurahan.id)
        .options(selectinload(RoleAssignment.user))
    ).scalar_one_or_none()
    if row is None:
        abort(404)
    return row


@bp.get("/warga")
@staff_required
def residents(issued: dict | None = None):
    """The residents of this kelurahan; `issued` is a reset link just made, shown once."""
    q = (request.args.get("q") or "").strip()
    page = page_number()
    query = (
        select(RoleAssignment)
        .join(User, User.id == RoleAssignment.user_id)
        .where(RoleAssignment.kelurahan_id == g.kelurahan.id)
        # Each user's roles too: the page asks whether the account may be switched off.
        .options(selectinload(RoleAssignment.user).selectinload(User.roles))
        .order_by(RoleAssignment.verified_at.is_not(None), User.display_name)
    )
    if q:
        like = f"%{q.lower()}%"
        query = query.where(
            or_(
                func.lower(User.display_name).like(like),
                func.lower(User.email).like(like),
                User.phone.like(f"%{q}%"),
            )
        )
    pagination = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/residents.html",
        pagination=pagination,
        q=q,
        roles=ROLE_LABELS,
        form=EmptyForm(),
        role_form=RoleForm(),
        deactivation_refusal=deactivation_refusal,
        reset_link_refusal=reset_link_refusal,
        issued=issued,
    )


@bp.post("/warga/<int:user_id>/verifikasi")
@staff_required
def verify_resident(user_id: int):
    EmptyForm().validate_on_submit() or abort(400)
    row = _assignment(user_id)
    before = {"verified": row.verified_at is not None}
    if row.verified_at is None:
        row.verified_at, row.verified_by_id = utcnow(), current_user.id
        message = _("%(name)s terverifikasi sebagai warga.", name=row.user.display_name)
    else:
        row.verified_at, row.verified_by_id = None, None
        message = _("Verifikasi %(name)s dicabut.", name=row.user.display_name)
    audit.record(
        "resident.verified" if row.verified_at else "resident.unverified",
        "user",
        user_id,
        kelurahan=g.kelurahan,
        before=before,
        after={"verified": row.verified_at is not None},
    )
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("admin.residents"))


@bp.post("/warga/<int:user_id>/peran")
@admin_required
def set_role(user_id: int):
    row = _assignment(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Peran tidak dikenal."), "error")
        return redirect(url_for("admin.residents"))
    if (
        row.user_id == current_user.id
        and form.role.data != Role.ADMIN.value
        and not current_user.is_city_admin
    ):
        flash(_("Anda tidak dapat menurunkan peran Anda sendiri."), "error")
        return redirect(url_for("admin.residents"))
    before = {"role": row.role}
    row.role = form.role.data
    audit.record(
        "role.changed",
        "user",
        user_id,
        kelurahan=g.kelurahan,
        before=before,
        after={"role": row.role},
    )
    notify(
        row.user,
        _l(
            "Peran Anda di Kelurahan %(k)s kini: %(role)s.",
            k=g.kelurahan.name,
            role=ROLE_LABELS[row.role],
        ),
        kelurahan=g.kelurahan,
    )
    db.session.commit()
    flash(_("Peran %(name)s diubah.", name=row.user.display_name), "success")
    return redirect(url_for("admin.residents"))


def _account_to_manage(user_id: int) -> User:
    """The account a staff action on the residents page is about, after its CSRF check:
    staff reach only residents whose home is this kelurahan (404 otherwise), the city
    admin anyone listed here."""
    EmptyForm().validate_on_submit() or abort(400)
    user = _assignment(user_id).user
    if not current_user.is_city_admin and user.home_kelurahan_id != g.kelurahan.id:
        abort(404)
    return user


def deactivation_refusal(user: User) -> str | None:
    """Why the signed-in admin may not switch `user`'s account off (or on) here, or None.
    A kelurahan admin manages the residents living in their kelurahan; staff, admins and
    the city admin are the city admin's to manage; nobody switches themselves off."""
    if user.id == current_user.id:
        return _("Anda tidak dapat menonaktifkan akun Anda sendiri.")
    if user.is_city_admin:
        return _("Akun admin kota tidak dapat dinonaktifkan di sini.")
    if current_user.is_city_admin:
        return None
    if any(r.role != Role.WARGA.value for r in user.roles):
        return _("Akun petugas atau admin hanya dapat dinonaktifkan oleh admin kota.")
    return None


@bp.post("/warga/<int:user_id>/status-akun")
@admin_required
def set_account_active(user_id: int):
    """Deactivate (active=0) or reactivate (active=1) an account: a deactivated one is
    signed out everywhere and cannot sign in. Audited."""
    user = _account_to_manage(user_id)
    refusal = deactivation_refusal(user)
    if refusal:
        flash(refusal, "error")
        return redirect(url_for("admin.residents"))
    active = request.form.get("active") == "1"
    before = {"active": user.is_active_account}
    if user.is_active_account != active:
        user.is_active_account = active
        end_sessions(user)
        audit.record(
            "account.reactivated" if active else "account.deactivated",
            "user",
            user.id,
            kelurahan=g.kelurahan,
            before=before,
            after={"active": active},
        )
        db.session.commit()
    if active:
        flash(_("Akun %(name)s aktif kembali.", name=user.display_name), "success")
    else:
        flash(
            _(
                "Akun %(name)s dinonaktifkan dan dikeluarkan dari semua perangkat.",
                name=user.display_name,
            ),
            "success",
        )
    return redirect(url_for("admin.residents"))


def reset_link_refusal(user: User) -> str | None:
    """Why the signed-in staff member may not hand `user` a reset link here, or None. Staff
    help residents; a link for a staff or admin account would let one take over another's
    account, so those are the city admin's to help."""
    if user.id == current_user.id:
        return _("Untuk akun Anda sendiri, pakai halaman Lupa kata sandi atau Ganti kata sandi.")
    if user.is_city_admin:
        return _("Tautan untuk akun admin kota tidak dapat dibuat di sini.")
    if not user.is_active:
        return _("Akun ini nonaktif: aktifkan kembali dahulu.")
    if current_user.is_city_admin:
        return None
    if any(r.role != Role.WARGA.value for r in user.roles):
        return _("Tautan untuk akun petugas atau admin hanya dapat dibuat oleh admin kota.")
    return None


@bp.post("/warga/<int:user_id>/tautan-sandi")
@staff_required
def issue_reset_link(user_id: int):
    """A one-time reset link for a resident who cannot receive one (no e-mail, no SMS
    gateway), handed over at the kelurahan office. Shown once, on this response only: the
    database keeps only its hash, the audit log not even that."""
    user = _account_to_manage(user_id)
    refusal = reset_link_refusal(user)
    if refusal:
        flash(refusal, "error")
        return redirect(url_for("admin.residents"))
    token = issue_password_reset(user)
    audit.record("account.reset_link_issued", "user", user.id, kelurahan=g.kelurahan)
    db.session.commit()
    issued = {
        "name": user.display_name,
        # From KP_PUBLIC_URL, never the Host header: the resident opens it on their phone.
        "link": public_url("account.reset_password", token=token),
        "minutes": current_app.config["KP_RESET_TOKEN_MINUTES"],
    }
    response = make_response(residents(issued=issued))
    response.headers["Cache-Control"] = "no-store"  # the link must not outlive this page
    return response


# -- groups ----------------------------------------------------------------------------------


@bp.get("/kelompok")
@staff_required
def groups():
    rows = list(
        db.session.execute(
            select(Group)
            .options(selectinload(Group.members))
            .order_by(Group.verified_at.is_not(None), Group.created_at.desc())
        ).scalars()
    )
    return render_template(
        "admin/groups.html", groups=rows, kinds=GROUP_KIND_LABELS, form=EmptyForm()
    )


@bp.post("/kelompok/<int:group_id>/verifikasi")
@staff_required
def verify_group(group_id: int):
    EmptyForm().validate_on_submit() or abort(400)
    group = tenancy.get_or_404(Group, group_id)
    before = {"verified": group.is_verified}
    if group.verified_at is None:
        group.verified_at, group.verified_by_id = utcnow(), current_user.id
        leaders = db.session.execute(
            select(User)
            .join(GroupMember, GroupMember.user_id == User.id)
            .where(GroupMember.group_id == group.id, GroupMember.role == "ketua")
        ).scalars()
        for leader in leaders:
            notify(
                leader,
                _l("Kelompok %(group)s sudah diverifikasi kelurahan.", group=group.name),
                url=url_for("groups.show", group_id=group.id),
                kelurahan=g.kelurahan,
            )
        event = "group.verified"
    else:
        group.verified_at, group.verified_by_id = None, None
        event = "group.unverified"
    audit.record(
        event,
        "group",
        group.id,
        kelurahan=g.kelurahan,
        before=before,
        after={"verified": group.is_verified},
    )
    db.session.commit()
    host().emit(
        Event(event, kelurahan=g.kelurahan, actor=current_user, payload={"group_id": group.id})
    )
    flash(_("Status verifikasi %(group)s disimpan.", group=group.name), "success")
    return redirect(safe_next(url_for("admin.groups")))


# -- plugins ---------------------------------------------------------------------------------


def _manifest_or_404(plugin_id: str):
    manifest = host().manifests.get(plugin_id)
    if manifest is None:
        abort(404)
    return manifest


@bp.get("/plugin")
@admin_required
def plugins():
    kp = host()
    by_dimension = {
        key: sorted((m for m in kp.manifests.values() if m.dimension == key), key=lambda m: m.id)
        for key in DIMENSIONS
    }
    return render_template(
        "admin/plugins.html",
        by_dimension=by_dimension,
        dimensions=DIMENSIONS,
        enabled=set(kp.enabled_ids(g.kelurahan)),
        form=EmptyForm(),
        manifests=kp.manifests,
    )


@bp.post("/plugin/<plugin_id>/status")
@admin_required
def toggle_plugin(plugin_id: str):
    """Switch on in one step; switch off only from the confirmation page (`confirm=1`),
    telling the people it named, in the same transaction as the switch."""
    manifest = _manifest_or_404(plugin_id)
    EmptyForm().validate_on_submit() or abort(400)
    kp = host()
    enabled = request.form.get("enabled") == "1"
    switching_off = not enabled and kp.is_enabled(g.kelurahan, plugin_id)
    if switching_off and request.form.get("confirm") != "1":
        target = url_for("admin.confirm_plugin_off", plugin_id=plugin_id)
        if htmx:
            response = make_response("", 204)
            response.headers["HX-Redirect"] = target
            return response
        return redirect(target, 303)
    # Asked before the switch: a plugin switched off is no longer called.
    who = (
        switch_off.impact(g.kelurahan, plugin_id, current_user, pages=False)
        if switching_off
        else None
    )
    error = kp.set_enabled(g.kelurahan, plugin_id, enabled, actor=current_user)
    if error:
        db.session.rollback()
    else:
        if who is not None:
            switch_off.notify_switched_off(g.kelurahan, plugin_id, current_user, who)
        db.session.commit()
        kp.emit_switch(g.kelurahan, plugin_id, enabled, current_user)
    if error:
        message, category = error, "error"
    else:
        message = (_("%(name)s diaktifkan.") if enabled else _("%(name)s dimatikan.")) % {
            "name": manifest.name
        }
        category = "success"
    if htmx:
        kp = host()
        return render_template(
            "admin/_plugin_row.html",
            m=manifest,
            on=kp.is_enabled(g.kelurahan, plugin_id),
            manifests=kp.manifests,
            message=message,
            message_category=category,
        )
    flash(message, category)
    return redirect(url_for("admin.plugins") + f"#plugin-{plugin_id}")


@bp.get("/plugin/<plugin_id>/matikan")
@admin_required
def confirm_plugin_off(plugin_id: str):
    """Before switching off: what residents and staff lose here, and who will be told."""
    manifest = _manifest_or_404(plugin_id)
    kp = host()
    if not kp.is_enabled(g.kelurahan, plugin_id):
        flash(_("%(name)s sudah nonaktif.", name=manifest.name), "info")
        return redirect(url_for("admin.plugins") + f"#plugin-{plugin_id}")
    dependants = [
        m
        for m in kp.manifests.values()
        if plugin_id in m.requires and kp.is_enabled(g.kelurahan, m.id)
    ]
    return render_template(
        "admin/plugin_off.html",
        manifest=manifest,
        impact=switch_off.impact(g.kelurahan, plugin_id, current_user),
        dependants=dependants,
        form=EmptyForm(),
    )


@bp.route("/plugin/<plugin_id>/pengaturan", methods=["GET", "POST"])
@admin_required
def plugin_settings(plugin_id: str):
    manifest = _manifest_or_404(plugin_id)
    current = host().settings(g.kelurahan, plugin_id)
    form = EmptyForm()
    values = {s.key: s.as_form_value(current[s.key]) for s in manifest.kelurahan_settings}
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        parsed = {}
        for setting in manifest.kelurahan_settings:  # city-wide ones: /kota/pengaturan
            raw = (
                request.form.get(setting.key)
                if setting.type != "bool"
                else ("1" if request.form.get(setting.key) else "")
            )
            values[setting.key] = raw or ""
            try:
                parsed[setting.key] = setting.parse(raw)
            except SettingError as exc:
                errors[setting.key] = exc.message
        if not errors:
            host().save_settings(g.kelurahan, plugin_id, parsed)
            db.session.commit()
            flash(_("Pengaturan %(name)s disimpan.", name=manifest.name), "success")
            return redirect(url_for("admin.plugin_settings", plugin_id=plugin_id))
    status = 422 if errors else 200
    return render_template(
        "admin/plugin_settings.html", manifest=manifest, values=values, errors=errors, form=form
    ), status


@bp.route("/plugin/<plugin_id>/izin", methods=["GET", "POST"])
@admin_required
def plugin_permissions(plugin_id: str):
    """The role × permission grid of one plugin: a tick grants, no tick revokes. Saving
    changes only what differs, each change audited."""
    manifest = _manifest_or_404(plugin_id)
    roles = permissions.grid_roles(manifest)
    form = EmptyForm()
    if request.method == "POST":
        form.validate_on_submit() or abort(400)
        changed = 0
        for permission in manifest.permissions:
            for role in roles:
                ticked = request.form.get(f"{permission.key}|{role}") == "1"
                changed += permissions.set_grant(g.kelurahan, permission.key, role, ticked)
        db.session.commit()
        if changed:
            message = _("Izin %(name)s disimpan (%(n)s perubahan).", name=manifest.name, n=changed)
            flash(message, "success")
        else:
            flash(_("Tidak ada perubahan izin."), "info")
        return redirect(url_for("admin.plugin_permissions", plugin_id=plugin_id))
    grid = {
        (permission.key, role): permissions.is_granted(g.kelurahan, permission.key, role)
        for permission in manifest.permissions
        for role in roles
    }
    return render_template(
        "admin/plugin_permissions.html",
        manifest=manifest,
        roles=roles,
        role_labels=permission_role_labels(roles),
        grid=grid,
        form=form,
    )


def permission_role_labels(roles: list[str]) -> dict[str, str]:
    """Row labels of the permission grid, in the reader's language."""
    declared = {r.key: r for r in host().group_roles()}
    labels = {}
    for role in roles:
        if role.startswith(permissions.GROUP_PREFIX):
            key = role[len(permissions.GROUP_PREFIX) :]
            name = declared[key].label if key in declared else GROUP_ROLE_LABELS.get(key, key)
            labels[role] = _("Anggota kelompok dengan peran %(role)s", role=name)
        else:
            labels[role] = str(ROLE_LABELS[role])
    return labels


@bp.get("/audit")
@admin_required
def audit_log():
    page = page_number()
    query = (
        select(AuditEntry)
        .where(AuditEntry.kelurahan_id == g.kelurahan.id)
        .options(*audit.query_options())
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    )
    pagination = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False)
    lines = audit.describe(pagination.items)
    return render_template("admin/audit.html", pagination=pagination, lines=lines)


# -- API keys ----------------------------------------------------------------------------------
# Issuing, revoking and their audit entries are in app/apikeys.py (shared with the CLI).


class ApiKeyForm(IdempotentForm, FlaskForm):
    label = StringField(
        _l("Nama kunci"),
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[
            DataRequired(REQUIRED),
            Length(max=apikeys.MAX_LABEL, message=_l("Paling banyak 120 karakter.")),
        ],
        description=_l("Misalnya nama aplikasi atau mitra yang memakai kunci ini."),
    )
    scopes = CheckboxListField(
        _l("Izin kunci"),
        validate_choice=False,  # checked below, with a message in Indonesian
        description=_l("Apa saja yang boleh dilakukan program pemegang kunci ini."),
    )

    def validate_scopes(self, field):
        picked = [value for value in field.data or [] if value]
        if not picked:
            raise ValidationError(_l("Pilih paling sedikit satu izin."))
        allowed = {value for value, _label in field.choices}
        if any(value not in allowed for value in picked):
            raise ValidationError(SCOPE_UNAVAILABLE)


SCOPE_UNAVAILABLE = _l("Izin yang dipilih tidak tersedia: fiturnya tidak aktif di kelurahan ini.")


def _api_key_form(**kwargs) -> ApiKeyForm:
    """The form, its scope choices those of plugins switched on in this kelurahan."""
    form = ApiKeyForm(**kwargs)
    form.scopes.choices = [(s.key, str(s.label)) for s in apikeys.scopes_for(g.kelurahan)]
    return form


def _api_keys_page(form, *, plaintext: str | None = None, new_key=None, status: int = 200):
    keys = apikeys.keys_of(g.kelurahan)
    response = make_response(
        render_template(
            "admin/api_keys.html",
            form=form,
            keys=keys,
            scope_labels={key.id: apikeys.scope_labels(key) for key in keys},
            plaintext=plaintext,
            new_key=new_key,
        ),
        status,
    )
    # The plaintext key is shown once: keep it out of every cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/kunci-api", methods=["GET", "POST"])
@admin_required
def api_keys():
    form = _api_key_form()
    if (done := already_done(form)) is not None:
        return done  # the same form sent again: the key exists (and was shown) already
    if form.validate_on_submit():
        try:
            key, plaintext = apikeys.issue_key(
                g.kelurahan, form.label.data, form.scopes.data, actor=current_user
            )
        except apikeys.ScopeError:  # a plugin was switched off since the choices were read
            db.session.rollback()
            form.scopes.errors = [SCOPE_UNAVAILABLE]
            return _api_keys_page(form, status=422)
        remember_result(form, url_for("admin.api_keys", _anchor=f"kunci-{key.id}"))
        db.session.commit()
        return _api_keys_page(_api_key_form(formdata=None), plaintext=plaintext, new_key=key)
    return _api_keys_page(form, status=422 if request.method == "POST" else 200)


@bp.post("/kunci-api/<int:key_id>/cabut")
@admin_required
def revoke_api_key(key_id: int):
    key = apikeys.get_key(g.kelurahan, key_id)
    if key is None:
        abort(404)
    EmptyForm().validate_on_submit() or abort(400)
    if apikeys.revoke_key(key, actor=current_user, kelurahan=g.kelurahan):
        db.session.commit()
        flash(
            _(
                "Kunci %(prefix)s… dicabut: program yang memakainya tidak dapat masuk lagi.",
                prefix=key.prefix,
            ),
            "success",
        )
    else:
        flash(_("Kunci %(prefix)s… sudah dicabut sebelumnya.", prefix=key.prefix), "info")
    return redirect(url_for("admin.api_keys"))
