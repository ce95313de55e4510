"""Every change to a request: opening it, a move of the workflow (with its history step,
audit entry and notices), approval with its number and letter, and the letter's PDF.

Moves are conditional UPDATEs on the status the actor saw, so two staff pressing different
buttons at once cannot both win: the second is told the request changed meanwhile."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from flask import g, url_for
from sqlalchemy import update

from app.kit import (
    WIB,
    _l,
    audit,
    begin_write,
    db,
    emit,
    notify,
    notify_holders,
    open_media,
    public_url,
    utcnow,
)

from . import nik as nik_rules
from . import personal
from .access import HANDLE, head_for, settings
from .forms import area_code
from .labels import notice
from .letter_pdf import LetterContent, Letterhead, render_pdf
from .models import Request, Status, Step
from .numbering import format_number, take_number
from .templating import TemplateProblem, render_letter
from .workflow import Actor, find

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read over the phone


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


@dataclass(frozen=True)
class Outcome:
    ok: bool
    message: object = None


def fill_personal(req: Request, form) -> None:
    req.full_name = form.full_name.data
    if form.nik.data:  # empty on a fix that keeps the stored NIK
        req.nik_token = personal.encrypt(form.nik.data)
        req.nik_hash = personal.lookup_hash(form.nik.data)
    req.birth_place = form.birth_place.data
    req.birth_date = form.birth_date.data
    req.sex = form.sex.data
    req.address = form.address.data
    req.rt = area_code(form.rt.data)
    req.rw = area_code(form.rw.data)
    req.purpose = form.purpose.data
    req.delivery = form.delivery.data
    req.values = form.type_values()


def entry_status(req: Request) -> Status:
    """Where a (re)submitted request goes: to the RT/RW head when the kelurahan asks for it,
    one is registered for the area and they have not approved yet; else to the office."""
    if (
        settings().get("rt_approval")
        and req.rt_approved_at is None
        and head_for(req.rw, req.rt) is not None
    ):
        return Status.WAITING_RT
    return Status.SUBMITTED


def arrived(req: Request, status: Status, *, note: str = "", actor=None) -> None:
    """Bookkeeping after a request reached `status`: its step, the clock, its notices."""
    now = utcnow()
    if status == Status.SUBMITTED:
        req.complete_at = now  # the office has everything now: the service clock starts
    elif status in (Status.READY, Status.SENT):
        req.ready_at = now
    elif status in (Status.DONE, Status.REFUSED, Status.CANCELLED):
        req.closed_at = now
    db.session.add(Step(request_id=req.id, status=status.value, note=note, actor_id=_id(actor)))
    _tell(req, status, note, actor)


def _id(user) -> int | None:
    return getattr(user, "id", None)


def _tell(req: Request, status: Status, note: str, actor) -> None:
    url = url_for("services.request_page", request_id=req.id)
    if req.requester is not None and _id(actor) != req.requester_id:
        notify(
            req.requester,
            notice(
                status, code=req.code, type=req.letter_type.name, note=note, number=req.number or ""
            ),
            url=url,
            kelurahan=g.kelurahan,
        )
    if status == Status.SUBMITTED:
        notify_holders(
            HANDLE,
            _l(
                "Permohonan surat baru: %(type)s (%(code)s).",
                type=req.letter_type.name,
                code=req.code,
            ),
            url=url,
        )
    elif status == Status.WAITING_RT:
        head = head_for(req.rw, req.rt)
        if head is not None and _id(actor) != head.user_id:
            notify(
                head.user,
                _l(
                    "Permohonan surat %(code)s dari RT %(rt)s/RW %(rw)s menunggu persetujuan Anda.",
                    code=req.code,
                    rt=req.rt,
                    rw=req.rw,
                ),
                url=url,
                kelurahan=g.kelurahan,
            )


def move(req: Request, target: Status, who: set[Actor], note: str, actor) -> Outcome:
    """Make one move and commit, or roll back and say why not."""
    step = find(req.status, target, who)
    if step is not None and step.form_only:
        return Outcome(False, _l("Kirim perbaikan lewat tombol Perbaiki dan kirim lagi."))
    if step is None:
        if target == Status.CANCELLED and Actor.REQUESTER in who:
            if req.status in (Status.REFUSED, Status.CANCELLED):
                return Outcome(False, _l("Permohonan ini sudah ditutup."))
            return Outcome(False, _l("Permohonan yang sudah disetujui tidak dapat dibatalkan."))
        return Outcome(False, _l("Langkah ini tidak dapat dilakukan pada status sekarang."))
    if step.note_required and not note:
        return Outcome(
            False, _l("Tulis catatan untuk pemohon: apa yang perlu diperbaiki atau alasannya.")
        )
    begin_write()
    source = req.status
    changed = db.session.execute(
        update(Request)
        .where(Request.id == req.id, Request.status == source)
        .values(status=target.value, note=note or Request.note)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        db.session.rollback()
        return Outcome(
            False, _l("Permohonan ini baru saja diubah orang lain. Periksa lagi statusnya.")
        )
    db.session.refresh(req)
    if target == Status.SUBMITTED and source == Status.WAITING_RT:
        req.rt_approved_at = utcnow()
    if target == Status.APPROVED:
        problem = approve(req)
        if problem is not None:
            db.session.rollback()
            return Outcome(False, problem)
    arrived(req, target, note=note, actor=actor)
    audit(
        "services.moved",
        "services_request",
        req.id,
        before={"status": source},
        after={"status": target.value, **({"note": note} if note else {})},
    )
    db.session.commit()
    emit("services.request_moved", {"request_id": req.id, "status": target.value})
    return Outcome(True)


def letter_values(req: Request, number: str, issued: date, kelurahan=None) -> dict:
    kelurahan = kelurahan or g.kelurahan
    birth = req.birth_date
    values = {
        "nama": req.full_name or "",
        "nik": personal.decrypt(req.nik_token) if req.nik_token else "",
        "tempat_lahir": req.birth_place or "",
        "tanggal_lahir": birth,
        "jenis_kelamin": {"L": "Laki-laki", "P": "Perempuan"}.get(req.sex or "", ""),
        "alamat": req.address or "",
        "rt": req.rt or "",
        "rw": req.rw or "",
        "keperluan": req.purpose or "",
        "nomor": number,
        "tanggal_surat": issued,
        "kelurahan": kelurahan.name,
        "kecamatan": kelurahan.kecamatan_name,
        "kota": "Kota Pekalongan",
        "penanda_tangan": signer_title(kelurahan),
    }
    given = req.values or {}
    for spec in req.letter_type.fields:  # a field added since the request renders empty
        values[spec.key] = _as_date(given.get(spec.key, ""))
    return values


def _as_date(value):
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def signer_title(kelurahan=None) -> str:
    kelurahan = kelurahan or g.kelurahan
    title = (settings(kelurahan).get("signer_title") or "Lurah").strip()
    return f"{title} {kelurahan.name}" if title.lower() == "lurah" else title


def approve(req: Request, *, kelurahan=None, now=None):
    """Give the request its number and freeze its letter; a message when the template fails
    (the caller rolls back: the number is not used up)."""
    kelurahan = kelurahan or g.kelurahan
    now = now or utcnow()
    local = now.astimezone(WIB)
    letter_type = req.letter_type
    seq = take_number(letter_type, local.year)
    number = format_number(
        settings(kelurahan).get("number_format")
        or "{kode}/{nomor}/KEL-{kelurahan}/{bulan}/{tahun}",
        code=letter_type.code,
        seq=seq,
        kelurahan_name=kelurahan.name,
        when=now,
    )
    try:
        body = render_letter(
            letter_type.template, letter_values(req, number, local.date(), kelurahan)
        )
    except TemplateProblem as exc:
        return _l(
            "Templat surat bermasalah, perbaiki dulu di Kelola: %(problem)s", problem=exc.message
        )
    req.number = number
    req.number_year = local.year
    req.number_seq = seq
    req.approved_at = now
    req.letter_body = body
    req.verify_token = secrets.token_urlsafe(18)
    req.masked_name = nik_rules.mask_name(req.full_name or "")
    req.signer_title = signer_title(kelurahan)
    req.signer_name = (settings(kelurahan).get("signer_name") or "").strip()
    return None


def letter_pdf(req: Request) -> bytes:
    kelurahan = g.kelurahan
    logo = None
    if kelurahan.logo is not None:
        with open_media(kelurahan.logo) as f:
            logo = f.read()
    address = (settings().get("office_address") or kelurahan.address or "").strip()
    head = Letterhead(
        city_line="PEMERINTAH KOTA PEKALONGAN",
        kecamatan_line=f"KECAMATAN {kelurahan.kecamatan_name.upper()}",
        kelurahan_line=f"KELURAHAN {kelurahan.name.upper()}",
        address=address,
        logo=logo,
    )
    issued = req.approved_at.astimezone(WIB).date()
    from .templating import tanggal

    nip = (settings().get("signer_nip") or "").strip()
    content = LetterContent(
        title=req.letter_type.title,
        number=req.number or "",
        body=req.letter_body or "",
        place_and_date=f"Pekalongan, {tanggal(issued)}",
        signer_title=req.signer_title,
        signer_name=req.signer_name,
        signer_nip=nip,
        verify_url=public_url("services.verify", token=req.verify_token),
        verify_hint="Pindai untuk memeriksa keaslian surat ini",
        footer_note="Dokumen ini diterbitkan melalui Kelurahan Pintar.",
    )
    return render_pdf(head, content)
