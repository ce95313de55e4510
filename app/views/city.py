"""Diskominfo's view of the whole programme: every kelurahan, admins, adoption, outbox."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange, StopValidation

from .. import audit
from .. import city_settings as city_settings_module
from .. import index as city_index
from ..auth import city_admin_required
from ..dashboard import PERIODS, city_grid, definitions, requested_period
from ..directory import all_kelurahan, by_kecamatan, kelurahan_choices
from ..extensions import db
from ..forms import REQUIRED, AppointAdminForm, EmptyForm, choices
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

WEIGHT_RANGE = _l("Isi bilangan bulat dari 0 sampai 10.")


class WeightField(IntegerField):
    """A weight of the index: its parse error in Indonesian, what was typed kept."""

    def process_formdata(self, valuelist):
        if valuelist and not str(valuelist[0]).strip():
            self.data = None
            raise ValueError(REQUIRED)
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(WEIGHT_RANGE) from None

    def pre_validate(self, form):
        if self.process_errors:  # said once: not again by the range check
            raise StopValidation()


def weight_field(key: str) -> str:
    return f"bobot_{key}"


def index_weights_form(metrics, current: dict[str, int]) -> FlaskForm:
    """A form with one weight per figure, named `bobot_<metric key>`."""

    class IndexWeightsForm(FlaskForm):
        pass

    for metric in metrics:
        direction = (
            _l("lebih tinggi lebih baik")
            if metric.higher_is_better
            else _l("lebih rendah lebih baik")
        )
        setattr(
            IndexWeightsForm,
            weight_field(metric.key),
            WeightField(
                metric.label,
                validators=[
                    InputRequired(message=REQUIRED),
                    NumberRange(city_index.MIN_WEIGHT, city_index.MAX_WEIGHT, message=WEIGHT_RANGE),
                ],
                default=current.get(metric.key, city_index.DEFAULT_WEIGHT),
                description=direction,
                render_kw={"min": city_index.MIN_WEIGHT, "max": city_index.MAX_WEIGHT, "step": 1},
            ),
        )
    return IndexWeightsForm()


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
    """The city grid for Diskominfo, with the way to the adoption grid and the index
    weights; `?periode=` as on the public grid."""
    groups, chosen = city_grid(requested_period())
    return render_template(
        "public/city_dashboard.html",
        groups=groups,
        period=chosen,
        periods=PERIODS,
        dimensions=DIMENSIONS,
        admin=True,
    )


@bp.route("/indeks", methods=["GET", "POST"])
@city_admin_required
def index_weights():
    """The weight of each figure in the Kelurahan Pintar index (app/index.py): a whole
    number from 0 to 10 per figure that has a better direction, city-wide, audited."""
    groups = [(key, [m for m in metrics if city_index.counts(m)]) for key, metrics in definitions()]
    metrics = [m for _, ms in groups for m in ms]
    form = index_weights_form(metrics, city_index.weights([m.key for m in metrics]))
    if form.validate_on_submit():
        new = {m.key: int(form[weight_field(m.key)].data) for m in metrics}
        changed = city_index.save_weights(new)
        db.session.commit()
        flash(_("Bobot indeks disimpan.") if changed else _("Tidak ada yang berubah."), "success")
        return redirect(url_for("city.index_weights"))
    return render_template(
        "city/index_weights.html",
        form=form,
        groups=[(key, ms) for key, ms in groups if ms],
        dimensions=DIMENSIONS,
        field_name=weight_field,
    ), (422 if form.errors else 200)


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


@bp.get("/laporan")
@city_admin_required
def monthly_report():
    """The monthly report for the Wali Kota, printable on A4: `?bulan=YYYY-MM`, by default
    the last complete month."""
    from ..metrics import month_of, parse_month
    from ..report import default_month
    from ..report import monthly_report as build

    wanted = request.args.get("bulan", "")
    month = parse_month(wanted) if wanted else default_month()
    if month is None or month > month_of():
        abort(400)
    return render_template("city/monthly_report.html", report=build(month), dimensions=DIMENSIONS)
