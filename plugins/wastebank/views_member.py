"""The member's own pages: balance, history, receipts, kg diverted, and asking for a
withdrawal. A member sees only the books linked to their own account; nothing else."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.kit import (
    EmptyForm,
    already_done,
    db,
    emit,
    form_status,
    login_required,
    page_number,
    parse_id,
    plugin_settings,
    remember_result,
    rupiah,
)

from . import PLUGIN_ID, ledger
from .access import my_memberships
from .blueprint import bp
from .forms import WithdrawalForm
from .models import Entry, EntryLine, Member, WithdrawalRequest


def _own_book(member_id=None) -> Member:
    """The signed-in user's book (the one named, or their first), else 404."""
    books = my_memberships(current_user)
    if member_id is not None:
        wanted = parse_id(str(member_id))
        books = [b for b in books if b.id == wanted]
    if not books:
        abort(404)
    return books[0]


def _kg_diverted(member: Member) -> int:
    """Grams the member brought in, net of corrections (deposit lines +, reversed −)."""
    grams = db.session.scalar(
        select(func.coalesce(func.sum(EntryLine.grams * EntryLine.direction), 0))
        .join(Entry, Entry.id == EntryLine.entry_id)
        .where(Entry.member_id == member.id)
    )
    return int(grams or 0)


def _co2e_kg(grams: int) -> Decimal | None:
    """The estimated kg CO₂e avoided, from the kelurahan's factor (None when not set)."""
    raw = str(plugin_settings(PLUGIN_ID).get("co2e_per_kg") or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        factor = Decimal(raw)
    except InvalidOperation:
        return None
    if not factor.is_finite() or factor <= 0:
        return None
    return (Decimal(grams) / 1000 * factor).quantize(Decimal("0.1"))


@bp.get("/saya")
@login_required
def mine():
    books = my_memberships(current_user)
    if not books:
        return render_template("wastebank/mine_none.html")
    member = _own_book(request.args.get("buku")) if request.args.get("buku") else books[0]
    grams = _kg_diverted(member)
    settings = plugin_settings(PLUGIN_ID)
    waiting = list(
        db.session.execute(
            select(WithdrawalRequest)
            .where(WithdrawalRequest.member_id == member.id, WithdrawalRequest.status == "diminta")
            .order_by(WithdrawalRequest.created_at)
        ).scalars()
    )
    history = ledger.member_history(member, page_number())
    return render_template(
        "wastebank/mine.html",
        member=member,
        books=books,
        balance=history.balance,
        history=history,
        grams=grams,
        co2e=_co2e_kg(grams),
        co2e_source=settings.get("co2e_source", ""),
        waiting=waiting,
        form=WithdrawalForm(formdata=None),
    )


@bp.get("/saya/transaksi/<int:entry_id>")
@login_required
def my_receipt(entry_id: int):
    wanted = parse_id(str(entry_id))
    ids = {m.id for m in my_memberships(current_user)}
    entry = (
        db.session.execute(
            select(Entry).where(Entry.id == wanted, Entry.member_id.in_(ids or {0}))
        ).scalar_one_or_none()
        if wanted is not None
        else None
    )
    if entry is None:
        abort(404)
    full = ledger.entry_for_receipt(entry.id, entry.unit)
    if full is None:
        abort(404)
    return render_template(
        "wastebank/receipt.html",
        unit=entry.unit,
        entry=full,
        form=None,
        operator=False,
        thermal=request.args.get("cetak") == "58",
    )


@bp.route("/saya/penarikan", methods=["POST"])
@login_required
def request_withdrawal():
    """ "Ajukan penarikan": the operator sees it on their list and pays it out in cash."""
    member = _own_book(request.form.get("buku"))
    form = WithdrawalForm()
    if (done := already_done(form)) is not None:
        return done
    balance = ledger.balance(member)
    if form.validate_on_submit():
        if form.amount.amount > balance:
            form.amount.errors = [
                _("Saldo tidak cukup: saldo tersedia %(balance)s.", balance=rupiah(balance))
            ]
        else:
            db.session.add(
                WithdrawalRequest(
                    kelurahan_id=member.kelurahan_id,
                    member_id=member.id,
                    amount=form.amount.amount,
                    requested_by_id=current_user.id,
                )
            )
            db.session.flush()
            url = url_for("wastebank.mine", buku=member.id)
            remember_result(form, url)
            db.session.commit()
            emit("wastebank.withdrawal_requested", {"member_id": member.id})
            flash(_("Permintaan penarikan dikirim ke operator."), "success")
            return redirect(url)
    grams = _kg_diverted(member)
    return render_template(
        "wastebank/mine.html",
        member=member,
        books=my_memberships(current_user),
        balance=balance,
        history=ledger.member_history(member, page_number()),
        grams=grams,
        co2e=_co2e_kg(grams),
        co2e_source=plugin_settings(PLUGIN_ID).get("co2e_source", ""),
        waiting=[],
        form=form,
    ), form_status()


@bp.post("/saya/penarikan/<int:request_id>/batal")
@login_required
def cancel_my_request(request_id: int):
    """The member changed their mind: a request still waiting is withdrawn."""
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    books = [book.id for book in my_memberships(current_user)]
    found = db.session.execute(
        select(WithdrawalRequest).where(
            WithdrawalRequest.id == request_id, WithdrawalRequest.member_id.in_(books)
        )
    ).scalar_one_or_none()
    if found is None:
        abort(404)
    cancelled = ledger.cancel_request(found)
    db.session.commit()
    if cancelled:
        flash(_("Permintaan penarikan dibatalkan."), "success")
    else:
        flash(_("Permintaan ini sudah diproses."), "info")
    return redirect(url_for("wastebank.mine", buku=found.member_id))
