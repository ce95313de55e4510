"""Diskominfo's view of the whole programme: every kelurahan, admins, adoption, outbox."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import audit
from .. import city_settings as city_settings_module
from ..auth import city_admin_required
from ..dashboard import city_grid
from ..directory import all_kelurahan, by_kecamatan, kelurahan_choices
from ..extensions import db
from ..forms import AppointAdminForm, EmptyForm, choices
from ..models import (
    AuditEntry,
    Kelurahan,
    OutboxMessage,
    PluginState,
    Role,
    RoleAssignment,
    User,
)
from ..notify import notify
from ..paging import page_number
from ..plugins import DIMENSIONS, host
from .account import find_user

bp = Blueprint("city", __name__, url_prefix="/kota")


@bp.route("/", methods=["GET", "POST"])
@city_admin_required
def index():
    form = AppointAdminForm()
    form.kelurahan.choices = choices(kelurahan_choices())
    if form.validate_on_submit():
        user = find_user(form.identifier.normalized)
        kelurahan = db.session.get(Kelurahan, int(form.kelurahan.data))
        if user is None:
            form.identifier.errors.append(
                _("Belum ada akun dengan e-mail atau nomor HP itu. Minta calon admin mendaftar.")
            )
        else:
            row = user.role_in(kelurahan)
            before = {"role": row.role if row else None}
            if row is None:
                row = RoleAssignment(user=user, kelurahan=kelurahan, role=Role.ADMIN.value)
                db.session.add(row)
            row.role = Role.ADMIN.value
            audit.record(
                "role.changed",
                "user",
                user.id,
                kelurahan=kelurahan,
                before=before,
                after={"role": "admin"},
            )
            notify(
                user,
                _l("Anda ditunjuk sebagai admin Kelurahan %(k)s.", k=kelurahan.name),
                url=url_for("admin.index", kelurahan_slug=kelurahan.slug),
                kelurahan=kelurahan,
            )
            db.session.commit()
            flash(
                _("%(name)s kini admin Kelurahan %(k)s.", name=user.display_name, k=kelurahan.name),
                "success",
            )
            return redirect(url_for("city.index"))
    rows = all_kelurahan()
    admins = db.session.execute(
        select(RoleAssignment)
        .where(RoleAssignment.role == Role.ADMIN.value)
        .options(selectinload(RoleAssignment.user))
    ).scalars()
    admins_by_kelurahan: dict[int, list[User]] = {}
    for row in admins:
        admins_by_kelurahan.setdefault(row.kelurahan_id, []).append(row.user)
    residents = dict(
        db.session.execute(
            select(RoleAssignment.kelurahan_id, func.count()).group_by(RoleAssignment.kelurahan_id)
        ).all()
    )
    status = 422 if request.method == "POST" else 200
    return render_template(
        "city/index.html",
        groups=by_kecamatan(rows),
        admins=admins_by_kelurahan,
        residents=residents,
        form=form,
    ), status


@bp.get("/dasbor")
@city_admin_required
def dashboard():
    """The city grid for Diskominfo, with the way to the adoption grid and the settings."""
    groups, since = city_grid()
    return render_template(
        "public/city_dashboard.html", groups=groups, since=since, dimensions=DIMENSIONS, admin=True
    )


@bp.get("/adopsi")
@city_admin_required
def adoption():
    """Kelurahan × plugin, grouped by dimension, with counts per plugin and per kelurahan."""
    kp = host()
    rows = all_kelurahan()
    on = {
        (state.kelurahan_id, state.plugin_id)
        for state in db.session.execute(select(PluginState).where(PluginState.enabled)).scalars()
    }
    columns = [
        (key, sorted((m for m in kp.manifests.values() if m.dimension == key), key=lambda m: m.id))
        for key in DIMENSIONS
    ]
    columns = [(key, manifests) for key, manifests in columns if manifests]
    plugin_totals = {pid: sum(1 for k in rows if (k.id, pid) in on) for pid in kp.manifests}
    kelurahan_totals = {k.id: sum(1 for pid in kp.manifests if (k.id, pid) in on) for k in rows}
    dimension_totals = {
        key: sum(1 for k in rows if any((k.id, m.id) in on for m in manifests))
        for key, manifests in columns
    }
    return render_template(
        "city/adoption.html",
        kelurahan=rows,
        columns=columns,
        on=on,
        dimensions=DIMENSIONS,
        plugin_totals=plugin_totals,
        kelurahan_totals=kelurahan_totals,
        dimension_totals=dimension_totals,
    )


@bp.route("/pengaturan", methods=["GET", "POST"])
@city_admin_required
def settings():
    """Plugin settings that hold for the whole city (`Setting(scope="city")`), such as the
    outside geocoder the server calls: only the city admin may point the server elsewhere."""
    manifests = city_settings_module.manifests_with_city_settings()
    values = {m.id: city_settings_module.form_values(m) for m in manifests}
    errors: dict[str, dict[str, str]] = {}
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        parsed = {}
        for manifest in manifests:
            parsed[manifest.id], problems, values[manifest.id] = city_settings_module.parse_form(
                manifest, request.form
            )
            if problems:
                errors[manifest.id] = problems
        if not errors:
            changed = [
                city_settings_module.save(manifest, parsed[manifest.id]) for manifest in manifests
            ]
            db.session.commit()
            flash(
                _("Pengaturan kota disimpan.") if any(changed) else _("Tidak ada yang berubah."),
                "success",
            )
            return redirect(url_for("city.settings"))
    return render_template(
        "city/settings.html", manifests=manifests, values=values, errors=errors
    ), (422 if errors else 200)


@bp.get("/outbox")
@city_admin_required
def outbox():
    page = page_number()
    pagination = db.paginate(
        select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()),
        page=page,
        per_page=50,
        error_out=False,
    )
    return render_template("city/outbox.html", pagination=pagination)


@bp.get("/audit")
@city_admin_required
def audit_log():
    page = page_number()
    pagination = db.paginate(
        select(AuditEntry)
        .options(*audit.query_options())
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()),
        page=page,
        per_page=50,
        error_out=False,
    )
    names = {k.id: k.name for k in all_kelurahan()}
    lines = audit.describe(pagination.items)
    return render_template("city/audit.html", pagination=pagination, names=names, lines=lines)
