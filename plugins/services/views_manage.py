"""Letter types (fields, required documents, the template with its preview), the RT/RW
heads who approve first, and the city's collective leave days."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.kit import (
    EmptyForm,
    RoleAssignment,
    User,
    audit,
    city_admin_required,
    db,
    emit,
    form_status,
    get_or_404,
    parse_id,
    permission_required,
    select_choices,
    slugify,
)

from .access import MANAGE
from .blueprint import bp, city_bp
from .forms import STANDARD_NAMES, LetterTypeForm, RtHeadForm, area_code
from .models import LeaveDay, LetterField, LetterType, RequiredDocument, RtHead
from .queries import forget_leave_days, letter_types
from .templating import TemplateProblem, parse_body, render_letter

SAMPLE = {
    "nama": "Siti Aminah",
    "nik": "3375024107900012",
    "tempat_lahir": "Pekalongan",
    "tanggal_lahir": date(1990, 7, 1),
    "jenis_kelamin": "Perempuan",
    "alamat": "Jl. Hayam Wuruk No. 12",
    "rt": "003",
    "rw": "002",
    "keperluan": "Melamar pekerjaan",
    "nomor": "470/001/KEL-CONTOH/I/2026",
    "tanggal_surat": date(2026, 1, 5),
    "kecamatan": "Pekalongan Timur",
    "kota": "Kota Pekalongan",
}


@bp.get("/kelola")
@permission_required(MANAGE)
def manage():
    heads = list(db.session.execute(select(RtHead).order_by(RtHead.rw, RtHead.rt)).scalars())
    head_form = RtHeadForm(formdata=None)
    head_form.account.choices = _account_choices()
    return render_template(
        "services/manage.html",
        types=letter_types(),
        heads=heads,
        head_form=head_form,
        empty=EmptyForm(),
    )


def _account_choices():
    rows = db.session.execute(
        select(User.id, User.display_name)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(User.is_active_account.is_(True), RoleAssignment.kelurahan_id == g.kelurahan.id)
        .order_by(User.display_name)
        .limit(2000)
    ).all()
    return select_choices([("", "—")] + [(str(i), n) for i, n in rows])


def _fill(form: LetterTypeForm, letter_type: LetterType) -> None:
    form.name.data = letter_type.name
    form.title.data = letter_type.title
    form.code.data = letter_type.code
    form.description.data = letter_type.description
    form.target_days.data = letter_type.target_days
    form.online.data = letter_type.online
    form.active.data = letter_type.active
    form.template.data = letter_type.template
    while len(form.fields.entries):
        form.fields.pop_entry()
    for spec in letter_type.fields:
        form.fields.append_entry(
            {
                "key": spec.key,
                "label": spec.label,
                "kind": spec.kind,
                "required": spec.required,
                "choices": spec.choices,
                "help": spec.help,
            }
        )
    form.fields.append_entry()
    form.fields.append_entry()
    while len(form.documents.entries):
        form.documents.pop_entry()
    for doc in letter_type.documents:
        form.documents.append_entry({"name": doc.name, "required": doc.required})
    form.documents.append_entry()


def _store(form: LetterTypeForm, letter_type: LetterType) -> None:
    letter_type.name = form.name.data
    letter_type.title = form.title.data.upper()
    letter_type.code = form.code.data
    letter_type.description = form.description.data or ""
    letter_type.target_days = form.target_days.data
    letter_type.online = form.online.data
    letter_type.active = form.active.data
    letter_type.template = form.template.data.replace("\r\n", "\n")
    old = {f.key: f for f in letter_type.fields}
    letter_type.fields[:] = []
    for position, spec in enumerate(form.field_specs()):
        row = old.get(spec["key"]) or LetterField(key=spec["key"])
        row.label = spec["label"]
        row.kind = spec["kind"]
        row.required = bool(spec["required"])
        row.choices = spec["choices"] or ""
        row.help = spec["help"] or ""
        row.position = position
        letter_type.fields.append(row)
    old_docs = {d.name: d for d in letter_type.documents}
    letter_type.documents[:] = []
    for position, spec in enumerate(form.document_specs()):
        row = old_docs.get(spec["name"]) or RequiredDocument(name=spec["name"])
        row.required = bool(spec["required"])
        row.position = position
        letter_type.documents.append(row)


@bp.route("/kelola/jenis/baru", methods=["GET", "POST"])
@bp.route("/kelola/jenis/<int:type_id>", methods=["GET", "POST"])
@permission_required(MANAGE)
def edit_type(type_id: int | None = None):
    letter_type = get_or_404(LetterType, type_id) if type_id is not None else None
    form = LetterTypeForm()
    if request.method == "GET":
        if letter_type is not None:
            _fill(form, letter_type)
        else:
            form.fields.append_entry()
            form.documents.append_entry()
    preview = None
    if form.validate_on_submit():
        if request.form.get("preview"):
            preview = _preview(form)
        else:
            created = letter_type is None
            if created:
                letter_type = LetterType(slug=_free_slug(form.name.data), template="")
                db.session.add(letter_type)
            _store(form, letter_type)
            db.session.flush()
            audit(
                "services.type_created" if created else "services.type_changed",
                "services_letter_type",
                letter_type.id,
                after={"name": letter_type.name},
            )
            db.session.commit()
            emit("services.type_changed")
            flash(_("Jenis surat disimpan."), "success")
            return redirect(url_for("services.edit_type", type_id=letter_type.id), code=303)
    return render_template(
        "services/type_form.html",
        form=form,
        letter_type=letter_type,
        preview=preview,
        names=STANDARD_NAMES,
    ), form_status() if form.errors else 200


def _preview(form: LetterTypeForm):
    values = dict(SAMPLE)
    values["kelurahan"] = g.kelurahan.name
    values["penanda_tangan"] = f"Lurah {g.kelurahan.name}"
    for spec in form.field_specs():
        values[spec["key"]] = f"[{spec['label']}]"
    try:
        return parse_body(render_letter(form.template.data, values))
    except TemplateProblem as exc:
        form.template.errors.append(exc.message)
        return None


def _free_slug(name: str) -> str:
    base = slugify(name)[:50] or "surat"
    taken = set(db.session.execute(select(LetterType.slug)).scalars())
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


@bp.post("/kelola/ketua-rt")
@permission_required(MANAGE)
def add_head():
    form = RtHeadForm()
    form.account.choices = _account_choices()
    user_id = form.account.data
    valid = form.validate_on_submit()
    user = None
    if valid:
        user = db.session.execute(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(
                User.id == (parse_id(user_id) or 0),
                RoleAssignment.kelurahan_id == g.kelurahan.id,
            )
        ).scalar_one_or_none()
        if user is None:
            form.account.errors.append(_("Pilih akun warga atau petugas kelurahan ini."))
            valid = False
    if valid:
        head = RtHead(user_id=user.id, rw=area_code(form.rw.data), rt=area_code(form.rt.data))
        db.session.add(head)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            form.rt.errors.append(_("Wilayah ini sudah punya ketua terdaftar."))
            valid = False
        else:
            audit(
                "services.head_added",
                "services_rt_head",
                head.id,
                after={"rw": head.rw, "rt": head.rt},
            )
            db.session.commit()
            flash(_("Ketua RT/RW ditambahkan."), "success")
            return redirect(url_for("services.manage"), code=303)
    heads = list(db.session.execute(select(RtHead).order_by(RtHead.rw, RtHead.rt)).scalars())
    return render_template(
        "services/manage.html",
        types=letter_types(),
        heads=heads,
        head_form=form,
        empty=EmptyForm(),
    ), 422


@bp.post("/kelola/ketua-rt/<int:head_id>/hapus")
@permission_required(MANAGE)
def remove_head(head_id: int):
    head = get_or_404(RtHead, head_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    audit(
        "services.head_removed", "services_rt_head", head.id, before={"rw": head.rw, "rt": head.rt}
    )
    db.session.delete(head)
    db.session.commit()
    flash(_("Ketua RT/RW dihapus."), "success")
    return redirect(url_for("services.manage"), code=303)


# -- the city's collective leave days ------------------------------------------------------------


@city_bp.route("/cuti-bersama", methods=["GET", "POST"])
@city_admin_required
def leave_days():
    from .forms import LeaveDayForm

    form = LeaveDayForm()
    if form.validate_on_submit():
        if db.session.get(LeaveDay, form.day.data) is not None:
            form.day.errors.append(_("Tanggal ini sudah ada."))
        else:
            db.session.add(LeaveDay(day=form.day.data, name=form.name.data))
            audit(
                "services.leave_added",
                "services_leave_day",
                form.day.data.isoformat(),
                after={"name": form.name.data},
                kelurahan=None,
            )
            db.session.commit()
            forget_leave_days()
            flash(_("Cuti bersama ditambahkan."), "success")
            return redirect(url_for("services_city.leave_days"), code=303)
    days = list(db.session.execute(select(LeaveDay).order_by(LeaveDay.day.desc())).scalars())
    return render_template(
        "services/leave_days.html", form=form, days=days, empty=EmptyForm()
    ), form_status() if form.errors else 200


@city_bp.post("/cuti-bersama/<day>/hapus")
@city_admin_required
def remove_leave_day(day: str):
    try:
        found = db.session.get(LeaveDay, date.fromisoformat(day))
    except ValueError:
        found = None
    if found is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    audit(
        "services.leave_removed",
        "services_leave_day",
        day,
        before={"name": found.name},
        kelurahan=None,
    )
    db.session.delete(found)
    db.session.commit()
    forget_leave_days()
    flash(_("Cuti bersama dihapus."), "success")
    return redirect(url_for("services_city.leave_days"), code=303)
