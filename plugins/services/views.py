"""Residents' pages: the letter types, requesting a letter with documents, a request's own
page (steps, documents, the letter), fixing it, tracking by code without an account, the
public verification of a letter and the public service times."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.kit import (
    PhotoUploads,
    _l,
    already_done,
    audit,
    db,
    emit,
    form_status,
    is_verified_resident,
    limiter,
    login_required,
    private_file,
    remember_result,
    remove_media_files,
    saved_response,
    user_key,
    visitor_page,
)

from . import nik as nik_rules
from . import personal
from .access import (
    heads_area,
    may_open_documents,
    request_or_404,
    settings,
)
from .blueprint import bp
from .changes import arrived, entry_status, fill_personal, letter_pdf, move, new_code
from .forms import MoveForm, build_request_form
from .labels import MOVE_LABELS, status_label
from .models import (
    Delivery,
    LetterType,
    Request,
    RequestDocument,
    Status,
    Step,
)
from .pdfcheck import clean_pdf
from .queries import letter_types, my_requests, service_times_for, type_by_slug
from .workflow import Actor, find, targets

NOT_RESIDENT = _l(
    "Permohonan surat hanya untuk warga yang tempat tinggalnya sudah diverifikasi kelurahan. "
    "Datang ke kantor kelurahan dengan KTP atau KK, atau minta verifikasi di halaman akun."
)
LETTER_STATUSES = (Status.APPROVED, Status.READY, Status.SENT, Status.DONE)


@bp.app_template_filter("services_status")
def _status_filter(status: str):
    return status_label(status)


@bp.get("/")
@visitor_page  # a visitor's copy lives ≤ 5 min; a new figure or type renews it (emit)
def index():
    types = [t for t in letter_types() if t.active]
    times = service_times_for(types)
    return render_template(
        "services/index.html",
        types=types,
        times=times,
        mine=my_requests() if current_user.is_authenticated else [],
        resident=is_verified_resident(),
        heads=bool(heads_area()),
    )


# -- requesting a letter ---------------------------------------------------------------------


def _max_bytes() -> int:
    return int(settings().get("max_document_mb") or 5) * 1024 * 1024


def _uploads(form, letter_type: LetterType, key: str) -> dict[int, PhotoUploads]:
    limit = _max_bytes()
    return {
        doc.id: PhotoUploads(
            getattr(form, f"doc_{doc.id}"),
            f"services.{key}.{doc.id}",
            max_count=1,
            subdir="services",
            pdf=lambda data, limit=limit: clean_pdf(data, max_bytes=limit),
            max_pdf_bytes=limit,
        )
        for doc in letter_type.documents
    }


def _missing(form, letter_type, uploads, have: set[int]) -> bool:
    """Errors on each required document neither kept nor sent; True when one is missing."""
    missing = False
    for doc in letter_type.documents:
        if doc.required and doc.id not in have and not uploads[doc.id].pending:
            field = getattr(form, f"doc_{doc.id}")
            field.errors = [
                *field.errors,
                _l("Unggah %(name)s: foto dari kamera atau berkas PDF.", name=doc.name),
            ]
            missing = True
    return missing


def _render_form(letter_type, form, req=None):
    return render_template(
        "services/request_form.html",
        letter_type=letter_type,
        form=form,
        req=req,
        max_mb=settings().get("max_document_mb") or 5,
    ), form_status()


@bp.route("/ajukan/<slug>", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per hour", key_func=user_key, deduct_when=saved_response, methods=["POST"])
def apply(slug: str):
    letter_type = type_by_slug(slug)
    if letter_type is None or not letter_type.active or not letter_type.online:
        abort(404)
    if not is_verified_resident():
        return render_template(
            "services/not_resident.html", letter_type=letter_type, message=NOT_RESIDENT
        ), 403
    form_class = build_request_form(
        letter_type, document_required={d.id: d.required for d in letter_type.documents}
    )
    form = form_class()
    if request.method == "GET":
        form.full_name.data = form.full_name.data or current_user.display_name
    uploads = _uploads(form, letter_type, f"request.{letter_type.id}")
    if request.method == "POST":
        done = already_done(form)
        if done is not None:
            return done
        valid = form.validate_on_submit()
        received = [u.receive(form) for u in uploads.values()]  # each may commit its files
        missing = _missing(form, letter_type, uploads, set())
        if valid and all(received) and not missing:
            return _open(letter_type, form, uploads)
    return _render_form(letter_type, form)


def _open(letter_type: LetterType, form, uploads: dict[int, PhotoUploads]):
    req = Request(letter_type_id=letter_type.id, requester_id=current_user.id, code=new_code())
    req.letter_type = letter_type
    fill_personal(req, form)
    db.session.add(req)
    db.session.flush()
    _attach(req, letter_type, uploads)
    status = entry_status(req)
    req.status = status.value
    arrived(req, status, actor=current_user)
    audit("services.requested", "services_request", req.id, after={"type": letter_type.slug})
    url = url_for("services.request_page", request_id=req.id)
    remember_result(form, url)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        flash(_("Permohonan tidak tersimpan karena bentrok. Coba kirim sekali lagi."), "error")
        return _render_form(letter_type, form)
    emit("services.requested", {"request_id": req.id})
    flash(
        _("Permohonan terkirim. Kode lacak Anda: %(code)s. Simpan kode ini.", code=req.code),
        "success",
    )
    return redirect(url, code=303)


def _attach(req: Request, letter_type: LetterType, uploads: dict[int, PhotoUploads]) -> list:
    """This POST's documents onto the request, replacing what each one replaces; the Media
    rows replaced (deleted in the session) are returned for their files' removal."""
    replaced = []
    for position, doc in enumerate(letter_type.documents):
        chosen = uploads[doc.id].media
        if not chosen:
            continue
        for old in [d for d in req.documents if d.required_document_id == doc.id]:
            req.documents.remove(old)
            replaced.append(old.media)
        for media in chosen:
            req.documents.append(
                RequestDocument(
                    request_id=req.id,
                    required_document_id=doc.id,
                    name=doc.name,
                    media_id=media.id,
                    media=media,
                    position=position,
                )
            )
        uploads[doc.id].used()
    return replaced


# -- a request's page --------------------------------------------------------------------------


def _move_forms(req: Request, who: set[Actor]) -> list[tuple[Status, bool]]:
    found = []
    delivery = req.delivery if Actor.HANDLER in who else None
    for target in targets(req.status, who, delivery):
        move = find(req.status, target, who)
        found.append((target, move.note_required))
    return found


def may_get_letter(req: Request, who: set[Actor]) -> bool:
    if req.purged_at is not None or req.status not in LETTER_STATUSES:
        return False
    if Actor.HANDLER in who or Actor.APPROVER in who:
        return True
    return (
        Actor.REQUESTER in who
        and req.delivery == Delivery.DOWNLOAD
        and req.status in (Status.SENT, Status.DONE)
    )


def render_request(req: Request, who: set[Actor], move_error=None, failed=None):
    steps = list(
        db.session.execute(
            select(Step).where(Step.request_id == req.id).order_by(Step.id)
        ).scalars()
    )
    nik_masked = ""
    if req.nik_token:
        nik_masked = nik_rules.mask(personal.decrypt(req.nik_token))
    return render_template(
        "services/request.html",
        req=req,
        who=who,
        actor=Actor,
        steps=steps,
        nik_masked=nik_masked,
        moves=_move_forms(req, who),
        move_labels=MOVE_LABELS,
        move_error=move_error,
        failed=failed,
        may_open=may_open_documents(req),
        letter=may_get_letter(req, who),
    ), (422 if move_error else 200)


@bp.get("/permohonan/<int:request_id>")
@login_required
def request_page(request_id: int):
    req, who = request_or_404(request_id)
    return render_request(req, who)


@bp.post("/permohonan/<int:request_id>/langkah")
@login_required
@limiter.limit("120 per hour", key_func=user_key)
def move_request(request_id: int):
    req, who = request_or_404(request_id)
    raw = request.form.get("target", "")
    try:
        target = Status(raw)
    except ValueError:
        target = None
    if target is None:
        abort(400)
    form = MoveForm()
    if not form.validate_on_submit():
        return render_request(req, who, move_error=_("Periksa catatan: paling banyak 1000 huruf."))
    outcome = move(req, target, who, form.note.data or "", current_user)
    if not outcome.ok:
        return render_request(req, who, move_error=outcome.message, failed=target.value)
    flash(_("Status permohonan: %(status)s.", status=status_label(target.value)), "success")
    return redirect(url_for("services.request_page", request_id=req.id), code=303)


@bp.route("/permohonan/<int:request_id>/perbaiki", methods=["GET", "POST"])
@login_required
@limiter.limit("30 per hour", key_func=user_key, deduct_when=saved_response, methods=["POST"])
def fix_request(request_id: int):
    req, who = request_or_404(request_id)
    if Actor.REQUESTER not in who or req.status != Status.NEEDS_FIX:
        flash(_("Permohonan ini tidak sedang menunggu perbaikan."), "error")
        return redirect(url_for("services.request_page", request_id=req.id), code=303)
    letter_type = req.letter_type
    have = {d.required_document_id for d in req.documents}
    kept = personal.decrypt(req.nik_token) if req.nik_token else None
    form_class = build_request_form(
        letter_type,
        document_required={d.id: d.required and d.id not in have for d in letter_type.documents},
        kept_nik_masked=nik_rules.mask(kept) if kept else "",
    )
    form = form_class() if request.method == "POST" else form_class(formdata=None)
    form.kept_nik = kept
    if request.method == "GET":
        _prefill(form, req)
    uploads = _uploads(form, letter_type, f"fix.{req.id}")
    if request.method == "POST":
        valid = form.validate_on_submit()
        received = [u.receive(form) for u in uploads.values()]
        missing = _missing(form, letter_type, uploads, have)
        if valid and all(received) and not missing:
            fill_personal(req, form)
            replaced = _attach(req, letter_type, uploads)
            for media in replaced:
                db.session.delete(media)
            target = entry_status(req)
            step = find(req.status, target, who)
            if step is None:  # pragma: no cover - the table always has both
                abort(409)
            req.status = target.value
            req.note = ""
            arrived(req, target, actor=current_user)
            audit(
                "services.resubmitted", "services_request", req.id, after={"status": target.value}
            )
            db.session.commit()
            remove_media_files(replaced)
            emit("services.request_moved", {"request_id": req.id, "status": target.value})
            flash(_("Perbaikan terkirim."), "success")
            return redirect(url_for("services.request_page", request_id=req.id), code=303)
    return _render_form(letter_type, form, req)


def _prefill(form, req: Request) -> None:
    form.full_name.data = req.full_name
    form.birth_place.data = req.birth_place
    form.birth_date.data = req.birth_date
    form.sex.data = req.sex
    form.address.data = req.address
    form.rt.data = req.rt
    form.rw.data = req.rw
    form.purpose.data = req.purpose
    form.delivery.data = req.delivery
    for key, value in (req.values or {}).items():
        field = getattr(form, f"f_{key}", None)
        if field is not None:
            if field.type == "IndonesianDateField" and value:
                try:
                    value = date.fromisoformat(value)
                except ValueError:
                    value = None
            field.data = value


@bp.get("/permohonan/<int:request_id>/dokumen/<int:document_id>")
@login_required
def document(request_id: int, document_id: int):
    req, who = request_or_404(request_id)
    if not may_open_documents(req):
        abort(404)
    doc = next((d for d in req.documents if d.id == document_id), None)
    if doc is None:
        abort(404)
    if req.requester_id != current_user.id:
        # UU PDP: every staff view of a private document is on the record.
        audit(
            "services.document_viewed",
            "services_request",
            req.id,
            after={"document": doc.name},
        )
        db.session.commit()
    suffix = "pdf" if doc.media.content_type == "application/pdf" else "jpg"
    return private_file(doc.media, f"{req.code}-{doc.id}.{suffix}")


@bp.get("/permohonan/<int:request_id>/surat.pdf")
@login_required
@limiter.limit("60 per hour", key_func=user_key)
def letter(request_id: int):
    req, who = request_or_404(request_id)
    if not may_get_letter(req, who):
        abort(404)
    response = make_response(letter_pdf(req))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="surat-{req.code}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# -- without an account ------------------------------------------------------------------------


@bp.get("/lacak")
@limiter.limit("30 per minute;300 per day")
def track():
    raw = (request.args.get("kode") or "").strip().upper().replace(" ", "").replace("-", "")[:20]
    found = None
    if raw:
        found = db.session.execute(select(Request).where(Request.code == raw)).scalar_one_or_none()
    return render_template("services/track.html", code=raw, found=found), (
        404 if raw and found is None else 200
    )


@bp.get("/verifikasi/<token>")
@limiter.limit("60 per minute")
def verify(token: str):
    found = None
    if 10 <= len(token) <= 40 and token.replace("-", "").replace("_", "").isalnum():
        found = db.session.execute(
            select(Request).where(Request.verify_token == token, Request.number.is_not(None))
        ).scalar_one_or_none()
    return render_template("services/verify.html", found=found), (200 if found else 404)


@bp.get("/waktu-layanan")
@visitor_page
def service_times():
    types = [t for t in letter_types() if t.active]
    return render_template(
        "services/times.html", types=types, times=service_times_for(types, months=6)
    )
