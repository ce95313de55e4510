"""The operator's pages: the unit, its waste types and prices, members and their cards,
deposits (setoran), withdrawals (penarikan), sales to a collector and corrections.

Only operators of the unit's own group reach them; anyone else, staff included, gets a 404.
Posting goes through ledger.py only (one transaction each, idempotent on the form's token),
and every form answers bad input in Indonesian with what was typed still there.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from app.kit import (
    WIB,
    EmptyForm,
    User,
    already_done,
    audit,
    current_kelurahan,
    db,
    emit,
    form_status,
    format_phone,
    limiter,
    login_required,
    normalize_phone,
    page_number,
    public_url,
    remember_result,
    rupiah,
    saved_response,
    user_key,
)
from app.kit import InvalidPhone as _InvalidPhone

from . import cards, ledger, pricing
from .access import (
    entry_of_unit_or_404,
    groups_that_may_open_unit,
    member_or_404,
    unit_or_404,
)
from .blueprint import bp
from .forms import (
    CorrectionForm,
    DepositForm,
    MemberForm,
    NewMemberForm,
    NewUnitForm,
    PriceForm,
    SaleForm,
    UnitForm,
    WasteTypeForm,
    WithdrawalForm,
)
from .models import Entry, Member, RequestStatus, Unit, WasteType, WithdrawalRequest

MEMBERS_PER_PAGE = 30


def today():
    return datetime.now(WIB).date()


def _key(form, what: str) -> str:
    """The ledger's idempotency key: the form's token, so a double tap or a retry posts
    once; a POST without one (an old page, a script) gets a fresh key."""
    token = form.submission_token.data if form.submission_token.raw_data else None
    if not token or len(token) > 56:
        token = secrets.token_urlsafe(24)
    return f"{what}:{token}"


def _remembered(form, url: str) -> None:
    """Record the token's result after the ledger committed the entry (a second commit: the
    entry is safe either way, and the ledger's key already makes a retry harmless)."""
    try:
        remember_result(form, url)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()


def _types(unit: Unit) -> list[WasteType]:
    return list(
        db.session.execute(
            select(WasteType)
            .where(WasteType.unit_id == unit.id, WasteType.active.is_(True))
            .order_by(WasteType.position, WasteType.name)
        ).scalars()
    )


# -- the unit ----------------------------------------------------------------------------------


@bp.route("/unit/baru", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", key_func=user_key, methods=["POST"], deduct_when=saved_response)
def new_unit():
    groups = groups_that_may_open_unit(current_user)
    form = NewUnitForm(groups=groups)
    if (done := already_done(form)) is not None:
        return done
    if request.method == "GET":
        if not groups:
            flash(
                _(
                    "Hanya ketua atau operator kelompok KSM bank sampah yang sudah diverifikasi "
                    "kelurahan dan belum punya unit yang dapat membuka unit."
                ),
                "info",
            )
            return redirect(url_for("wastebank.index"))
        if len(groups) == 1:
            form.group.data = str(groups[0].id)
            form.name.data = groups[0].name
    elif form.validate_on_submit():
        group = form.allowed_groups[form.group.data]
        unit = Unit(group_id=group.id)
        _fill_unit(unit, form)
        try:
            with db.session.begin_nested():
                db.session.add(unit)
        except IntegrityError:
            form.group.errors = [*form.group.errors, _("Kelompok ini sudah punya unit.")]
        else:
            remember_result(form, url_for("wastebank.unit", unit_id=unit.id))
            db.session.commit()
            emit("wastebank.unit_opened", {"unit_id": unit.id})
            flash(_("Unit bank sampah dibuka. Tambahkan jenis sampah dan harganya."), "success")
            return redirect(url_for("wastebank.waste_types", unit_id=unit.id))
    return render_template("wastebank/unit_form.html", form=form, unit=None), form_status()


def _fill_unit(unit: Unit, form: UnitForm) -> None:
    unit.name = form.name.data
    unit.address = form.address.data
    unit.lat, unit.lng = form.location
    unit.opening_days = form.opening_days.data or ""


@bp.route("/unit/<int:unit_id>/ubah", methods=["GET", "POST"])
@login_required
def edit_unit(unit_id: int):
    unit = unit_or_404(unit_id)
    if request.method == "GET":
        form = UnitForm(
            data={
                "name": unit.name,
                "address": unit.address,
                "lat": "" if unit.lat is None else str(unit.lat),
                "lng": "" if unit.lng is None else str(unit.lng),
                "opening_days": unit.opening_days,
            }
        )
    else:
        form = UnitForm()
    if form.validate_on_submit():
        _fill_unit(unit, form)
        db.session.commit()
        emit("wastebank.unit_edited", {"unit_id": unit.id})
        flash(_("Data unit disimpan."), "success")
        return redirect(url_for("wastebank.unit", unit_id=unit.id))
    return render_template("wastebank/unit_form.html", form=form, unit=unit), form_status()


@bp.get("/unit/<int:unit_id>")
@login_required
def unit(unit_id: int):
    unit = unit_or_404(unit_id)
    start = datetime.combine(today(), datetime.min.time(), tzinfo=WIB)
    recent = list(
        db.session.execute(
            select(Entry)
            .where(Entry.unit_id == unit.id, Entry.created_at >= start)
            .order_by(Entry.id.desc())
            .limit(20)
        ).scalars()
    )
    members = {
        m.id: m
        for m in db.session.execute(
            select(Member).where(Member.id.in_({e.member_id for e in recent if e.member_id}))
        ).scalars()
    }
    waiting = db.session.scalar(
        select(func.count())
        .select_from(WithdrawalRequest)
        .join(Member, Member.id == WithdrawalRequest.member_id)
        .where(Member.unit_id == unit.id, WithdrawalRequest.status == "diminta")
    )
    return render_template(
        "wastebank/unit.html",
        unit=unit,
        recent=recent,
        members=members,
        waiting=waiting,
        has_types=bool(_types(unit)),
    )


# -- waste types and prices --------------------------------------------------------------------


@bp.route("/unit/<int:unit_id>/jenis", methods=["GET", "POST"])
@login_required
def waste_types(unit_id: int):
    unit = unit_or_404(unit_id)
    form = WasteTypeForm(prefix="type")
    if form.validate_on_submit():
        position = db.session.scalar(
            select(func.coalesce(func.max(WasteType.position), 0)).where(
                WasteType.unit_id == unit.id
            )
        )
        try:
            with db.session.begin_nested():
                db.session.add(
                    WasteType(unit_id=unit.id, name=form.name.data, position=position + 1)
                )
        except IntegrityError:
            form.name.errors = [*form.name.errors, _("Jenis dengan nama ini sudah ada.")]
        else:
            db.session.commit()
            flash(_("Jenis %(name)s ditambahkan. Isi harganya.", name=form.name.data), "success")
            return redirect(url_for("wastebank.waste_types", unit_id=unit.id))
    return _types_page(unit, form), form_status()


def _types_page(unit: Unit, type_form, price_forms=None):
    types = list(
        db.session.execute(
            select(WasteType)
            .where(WasteType.unit_id == unit.id)
            .order_by(WasteType.position, WasteType.name)
        ).scalars()
    )
    day = today()
    current = pricing.prices_on(unit, day)
    periods = _upcoming_periods(types, day)
    price_forms = price_forms or {}
    for waste_type in types:
        if waste_type.id not in price_forms:
            period = current.get(waste_type.id)
            price_forms[waste_type.id] = PriceForm(
                prefix=f"price{waste_type.id}",
                formdata=None,
                data={
                    "buy_per_kg": str(period.buy_per_kg) if period else "",
                    "sell_per_kg": str(period.sell_per_kg) if period else "",
                    # A type without a price starts today; a change starts tomorrow.
                    "valid_from": (day if period is None else day + timedelta(days=1)).isoformat(),
                },
            )
    return render_template(
        "wastebank/types.html",
        unit=unit,
        types=types,
        current=current,
        upcoming=periods,
        form=type_form,
        price_forms=price_forms,
    )


def _upcoming_periods(types, day) -> dict:
    """Periods that start after today, per type (shown as "harga berikutnya")."""
    from .models import PricePeriod

    if not types:
        return {}
    found: dict[int, list] = {}
    for period in db.session.execute(
        select(PricePeriod)
        .where(
            PricePeriod.waste_type_id.in_([t.id for t in types]),
            PricePeriod.valid_from > day,
        )
        .order_by(PricePeriod.valid_from)
    ).scalars():
        found.setdefault(period.waste_type_id, []).append(period)
    return found


@bp.post("/unit/<int:unit_id>/jenis/<int:type_id>/harga")
@login_required
def set_price(unit_id: int, type_id: int):
    unit = unit_or_404(unit_id)
    waste_type = db.session.execute(
        select(WasteType).where(WasteType.id == type_id, WasteType.unit_id == unit.id)
    ).scalar_one_or_none()
    if waste_type is None:
        abort(404)
    form = PriceForm(prefix=f"price{waste_type.id}")
    if form.validate_on_submit():
        try:
            pricing.set_price(
                waste_type,
                form.buy_per_kg.amount,
                form.sell_per_kg.amount,
                form.start,
                current_user._get_current_object(),
            )
        except ledger.LedgerError as error:
            db.session.rollback()
            form.valid_from.errors = [*form.valid_from.errors, str(error.message)]
        else:
            db.session.commit()
            emit("wastebank.price_set", {"waste_type_id": waste_type.id})
            flash(_("Harga %(name)s disimpan.", name=waste_type.name), "success")
            return redirect(url_for("wastebank.waste_types", unit_id=unit.id))
    return _types_page(
        unit, WasteTypeForm(prefix="type", formdata=None), {waste_type.id: form}
    ), 422


# -- members -----------------------------------------------------------------------------------


@bp.get("/unit/<int:unit_id>/nasabah")
@login_required
def members(unit_id: int):
    unit = unit_or_404(unit_id)
    query_text = (request.args.get("q") or "").strip()[:120]
    query = select(Member).where(Member.unit_id == unit.id)
    if query_text:
        escaped = query_text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(
            or_(
                Member.number == query_text,
                Member.number.ilike(f"{escaped}%", escape="\\"),
                Member.name.ilike(f"%{escaped}%", escape="\\"),
            )
        )
    page = db.paginate(
        query.order_by(Member.number),
        page=page_number(),
        per_page=MEMBERS_PER_PAGE,
        error_out=False,
    )
    balances = ledger.balances(unit) if page.items else {}
    # A number typed exactly opens that member's book straight away (the quickest path).
    if query_text and request.args.get("buka") and len(page.items) == 1:
        return redirect(url_for("wastebank.member", unit_id=unit.id, member_id=page.items[0].id))
    return render_template(
        "wastebank/members.html", unit=unit, page=page, q=query_text, balances=balances
    )


def _account_for(text: str):
    """The platform account with this e-mail or phone that lives in this kelurahan."""
    text = (text or "").strip()
    if not text:
        return None
    if "@" in text:
        where = func.lower(User.email) == text.lower()
    else:
        try:
            where = User.phone == normalize_phone(text)
        except _InvalidPhone:
            return False
    user = db.session.execute(select(User).where(where)).scalar_one_or_none()
    if user is None or user.role_in(current_kelurahan()) is None:
        return False
    return user


def _check_member_form(form: MemberForm, unit: Unit, member: Member | None = None):
    """Unique number and a findable account; adds errors to the form. Returns the account
    (None when not asked for) or False when the form must come back."""
    ok = True
    taken = db.session.execute(
        select(Member.id).where(Member.unit_id == unit.id, Member.number == form.number.data)
    ).scalar_one_or_none()
    if taken is not None and (member is None or taken != member.id):
        form.number.errors = [
            *form.number.errors,
            _("Nomor nasabah %(number)s sudah dipakai di unit ini.", number=form.number.data),
        ]
        ok = False
    account = _account_for(form.account.data)
    if account is False:
        form.account.errors = [
            *form.account.errors,
            _("Tidak ada akun warga kelurahan ini dengan e-mail atau nomor HP itu."),
        ]
        ok = False
    elif account is not None:
        linked = db.session.execute(
            select(Member.id).where(Member.unit_id == unit.id, Member.user_id == account.id)
        ).scalar_one_or_none()
        if linked is not None and (member is None or linked != member.id):
            form.account.errors = [
                *form.account.errors,
                _("Akun itu sudah terhubung ke nasabah lain di unit ini."),
            ]
            ok = False
    return account if ok else False


@bp.route("/unit/<int:unit_id>/nasabah/baru", methods=["GET", "POST"])
@login_required
def new_member(unit_id: int):
    unit = unit_or_404(unit_id)
    form = NewMemberForm()
    if (done := already_done(form)) is not None:
        return done
    if request.method == "GET":
        form.number.data = _next_number(unit)
    elif form.validate_on_submit():
        account = _check_member_form(form, unit)
        if account is not False:
            member = Member(
                unit_id=unit.id,
                number=form.number.data,
                name=form.name.data,
                phone=form.phone_e164,
                user_id=account.id if account else None,
            )
            try:
                with db.session.begin_nested():
                    db.session.add(member)
            except IntegrityError:  # a second operator took the number meanwhile
                form.number.errors = [
                    _(
                        "Nomor nasabah %(number)s sudah dipakai di unit ini.",
                        number=form.number.data,
                    )
                ]
            else:
                url = url_for("wastebank.member", unit_id=unit.id, member_id=member.id)
                remember_result(form, url)
                db.session.commit()
                emit("wastebank.member_added", {"unit_id": unit.id})
                flash(_("Nasabah %(name)s ditambahkan.", name=member.name), "success")
                return redirect(url)
    return render_template(
        "wastebank/member_form.html", form=form, unit=unit, member=None
    ), form_status()


def _next_number(unit: Unit) -> str:
    """A suggestion: one more than the highest all-digit number, zero-padded to 3."""
    numbers = db.session.execute(select(Member.number).where(Member.unit_id == unit.id)).scalars()
    highest = max((int(n) for n in numbers if n.isdigit() and len(n) < 10), default=0)
    return f"{highest + 1:03d}"


@bp.route("/unit/<int:unit_id>/nasabah/<int:member_id>/ubah", methods=["GET", "POST"])
@login_required
def edit_member(unit_id: int, member_id: int):
    unit = unit_or_404(unit_id)
    member = member_or_404(unit, member_id)
    if request.method == "GET":
        form = MemberForm(
            data={
                "number": member.number,
                "name": member.name,
                "phone": format_phone(member.phone) if member.phone else "",
                "account": (member.user.email or member.user.phone or "") if member.user else "",
            }
        )
    else:
        form = MemberForm()
    if form.validate_on_submit():
        account = _check_member_form(form, unit, member)
        if account is not False:
            member.number, member.name = form.number.data, form.name.data
            member.phone = form.phone_e164
            member.user_id = account.id if account else None
            try:
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
                form.number.errors = [
                    _(
                        "Nomor nasabah %(number)s sudah dipakai di unit ini.",
                        number=form.number.data,
                    )
                ]
            else:
                flash(_("Data nasabah disimpan."), "success")
                return redirect(url_for("wastebank.member", unit_id=unit.id, member_id=member.id))
    return render_template(
        "wastebank/member_form.html", form=form, unit=unit, member=member
    ), form_status()


@bp.get("/unit/<int:unit_id>/nasabah/<int:member_id>")
@login_required
def member(unit_id: int, member_id: int):
    unit = unit_or_404(unit_id)
    member = member_or_404(unit, member_id)
    history = ledger.member_history(member, page_number())
    return render_template(
        "wastebank/member.html",
        unit=unit,
        member=member,
        balance=history.balance,
        history=history,
        receipt_endpoint="wastebank.receipt",
    )


@bp.get("/unit/<int:unit_id>/nasabah/<int:member_id>/kartu")
@login_required
def card(unit_id: int, member_id: int):
    unit = unit_or_404(unit_id)
    member = member_or_404(unit, member_id)
    url = public_url("wastebank.scan", token=member.card_token)
    return render_template(
        "wastebank/card.html",
        unit=unit,
        member=member,
        qr_svg=cards.qr_svg(url, _("Kode QR kartu nasabah")),
        card_url=url,
    )


@bp.get("/kartu/<token>")
@login_required
def scan(token: str):
    """The URL in a card's QR: an operator of the member's unit lands on the book."""
    if not token or len(token) > 64:
        abort(404)
    found = db.session.execute(
        select(Member).where(Member.card_token == token)
    ).scalar_one_or_none()
    if found is None:
        abort(404)
    unit = unit_or_404(found.unit_id)
    return redirect(url_for("wastebank.member", unit_id=unit.id, member_id=found.id))


# -- deposits, withdrawals, sales --------------------------------------------------------------


@bp.get("/unit/<int:unit_id>/setoran")
@login_required
def find_for_deposit(unit_id: int):
    """The quick way in: type a member number, land on their deposit form."""
    unit = unit_or_404(unit_id)
    number = (request.args.get("nomor") or "").strip()[:20]
    if number:
        found = db.session.execute(
            select(Member).where(Member.unit_id == unit.id, Member.number == number)
        ).scalar_one_or_none()
        if found is not None:
            return redirect(url_for("wastebank.deposit", unit_id=unit.id, member_id=found.id))
        flash(_("Nasabah bernomor %(number)s tidak ada di unit ini.", number=number), "error")
    return redirect(url_for("wastebank.members", unit_id=unit.id, q=number or None))


def _lines_form(form_class, unit: Unit):
    form = form_class()
    types = _types(unit)
    if request.method == "POST" and form.add_rows.data:
        form.more_rows()
    form.set_types(types)
    return form, types


def _price_errors(form, unit: Unit) -> bool:
    """Rows whose type has no price today get an error; True when any has."""
    prices = pricing.prices_on(unit, today())
    bad = False
    for row in form.lines:
        waste_type = form.types.get(row.waste_type.data or "")
        if waste_type is not None and (row.kg.data or "") and waste_type.id not in prices:
            row.waste_type.errors = [
                *row.waste_type.errors,
                _("%(name)s belum punya harga untuk hari ini.", name=waste_type.name),
            ]
            bad = True
    return bad


def _ready(form, unit: Unit) -> bool:
    """A posted lines form (not "Tambah baris") whose rows all read and all have a price
    today; every row's error is shown at once."""
    if request.method != "POST" or form.add_rows.data:
        return False
    valid = form.validate_on_submit()
    return not _price_errors(form, unit) and valid


def _lines_page(template: str, form, types, unit: Unit, *, price: str, **context):
    """A deposit or sale form with today's prices (`price`: the buying or the selling one,
    for the live estimate); 422 after a refused post, 200 after "Tambah baris"."""
    status = 422 if request.method == "POST" and not form.add_rows.data else 200
    prices = pricing.prices_on(unit, today())
    return render_template(
        template,
        unit=unit,
        form=form,
        types=types,
        prices=prices,
        price_map={str(k): getattr(p, price) for k, p in prices.items()},
        **context,
    ), status


def _ledger_error(form, error) -> None:
    """A refusal from the ledger shown at the top of the form, the input kept."""
    db.session.rollback()
    form.ledger_error = str(error.message)


@bp.route("/unit/<int:unit_id>/nasabah/<int:member_id>/setoran", methods=["GET", "POST"])
@login_required
@limiter.limit("600 per hour", key_func=user_key, methods=["POST"])
def deposit(unit_id: int, member_id: int):
    unit = unit_or_404(unit_id)
    member = member_or_404(unit, member_id)
    form, types = _lines_form(DepositForm, unit)
    if (done := already_done(form)) is not None:
        return done
    if _ready(form, unit):
        try:
            entry = ledger.post_deposit(
                member, form.parsed, current_user._get_current_object(), key=_key(form, "dep")
            )
        except ledger.LedgerError as error:
            _ledger_error(form, error)
        else:
            url = url_for("wastebank.receipt", unit_id=unit.id, entry_id=entry.id)
            _remembered(form, url)
            flash(_("Setoran dicatat."), "success")
            return redirect(url)
    return _lines_page(
        "wastebank/deposit.html",
        form,
        types,
        unit,
        price="buy_per_kg",
        member=member,
        balance=ledger.balance(member),
    )


@bp.route("/unit/<int:unit_id>/nasabah/<int:member_id>/penarikan", methods=["GET", "POST"])
@login_required
@limiter.limit("600 per hour", key_func=user_key, methods=["POST"])
def withdrawal(unit_id: int, member_id: int):
    unit = unit_or_404(unit_id)
    member = member_or_404(unit, member_id)
    form = WithdrawalForm()
    if (done := already_done(form)) is not None:
        return done
    if form.validate_on_submit():
        try:
            entry = ledger.post_withdrawal(
                member, form.amount.amount, current_user._get_current_object(), key=_key(form, "wd")
            )
        except ledger.InsufficientBalance:
            db.session.rollback()
            form.amount.errors = [
                *form.amount.errors,
                _(
                    "Saldo tidak cukup: saldo tersedia %(balance)s.",
                    balance=rupiah(ledger.balance(member)),
                ),
            ]
        except ledger.LedgerError as error:
            _ledger_error(form, error)
        else:
            url = url_for("wastebank.receipt", unit_id=unit.id, entry_id=entry.id)
            _remembered(form, url)
            flash(_("Penarikan dicatat."), "success")
            return redirect(url)
    return render_template(
        "wastebank/withdrawal.html",
        unit=unit,
        member=member,
        form=form,
        balance=ledger.balance(member),
    ), form_status()


@bp.route("/unit/<int:unit_id>/penjualan", methods=["GET", "POST"])
@login_required
def sale(unit_id: int):
    unit = unit_or_404(unit_id)
    form, types = _lines_form(SaleForm, unit)
    if (done := already_done(form)) is not None:
        return done
    stock = ledger.stock(unit)
    if _ready(form, unit):
        try:
            entry = ledger.post_sale(
                unit,
                form.parsed,
                form.collector.data,
                current_user._get_current_object(),
                key=_key(form, "sale"),
            )
        except ledger.LedgerError as error:
            _ledger_error(form, error)
        else:
            url = url_for("wastebank.receipt", unit_id=unit.id, entry_id=entry.id)
            _remembered(form, url)
            flash(_("Penjualan dicatat."), "success")
            return redirect(url)
    return _lines_page("wastebank/sale.html", form, types, unit, price="sell_per_kg", stock=stock)


# -- receipts and corrections ------------------------------------------------------------------


@bp.get("/unit/<int:unit_id>/transaksi/<int:entry_id>")
@login_required
def receipt(unit_id: int, entry_id: int):
    unit = unit_or_404(unit_id)
    entry = entry_of_unit_or_404(unit, entry_id)
    entry = ledger.entry_for_receipt(entry.id, unit)
    if entry is None:
        abort(404)
    form = CorrectionForm()
    return render_template(
        "wastebank/receipt.html",
        unit=unit,
        entry=entry,
        form=form,
        operator=True,
        thermal=request.args.get("cetak") == "58",
    )


@bp.post("/unit/<int:unit_id>/transaksi/<int:entry_id>/koreksi")
@login_required
def correct(unit_id: int, entry_id: int):
    unit = unit_or_404(unit_id)
    entry = entry_of_unit_or_404(unit, entry_id)
    form = CorrectionForm()
    if (done := already_done(form)) is not None:
        return done
    if form.validate_on_submit():
        try:
            correction = ledger.post_correction(
                entry, form.reason.data, current_user._get_current_object(), key=_key(form, "cor")
            )
        except ledger.LedgerError as error:
            _ledger_error(form, error)
        else:
            url = url_for("wastebank.receipt", unit_id=unit.id, entry_id=correction.id)
            _remembered(form, url)
            flash(_("Koreksi dicatat sebagai transaksi pembalik."), "success")
            return redirect(url)
    entry = ledger.entry_for_receipt(entry.id, unit)
    return render_template(
        "wastebank/receipt.html", unit=unit, entry=entry, form=form, operator=True, thermal=False
    ), 422


# -- withdrawal requests -----------------------------------------------------------------------


@bp.get("/unit/<int:unit_id>/permintaan")
@login_required
def requests(unit_id: int):
    unit = unit_or_404(unit_id)
    waiting = list(
        db.session.execute(
            select(WithdrawalRequest, Member)
            .join(Member, Member.id == WithdrawalRequest.member_id)
            .where(Member.unit_id == unit.id, WithdrawalRequest.status == "diminta")
            .order_by(WithdrawalRequest.created_at)
        ).all()
    )
    balances = ledger.balances(unit) if waiting else {}
    return render_template(
        "wastebank/requests.html", unit=unit, waiting=waiting, balances=balances, form=EmptyForm()
    )


def _request_of_unit_or_404(unit: Unit, request_id: int) -> WithdrawalRequest:
    found = db.session.execute(
        select(WithdrawalRequest)
        .join(Member, Member.id == WithdrawalRequest.member_id)
        .where(WithdrawalRequest.id == request_id, Member.unit_id == unit.id)
    ).scalar_one_or_none()
    if found is None:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    return found


@bp.post("/unit/<int:unit_id>/permintaan/<int:request_id>/batal")
@login_required
def cancel_request(unit_id: int, request_id: int):
    """The member did not come, or asked in person to keep saving: the request is closed
    without paying, and the book is untouched."""
    unit = unit_or_404(unit_id)
    found = _request_of_unit_or_404(unit, request_id)
    if ledger.cancel_request(found):
        audit(
            "wastebank.request_cancelled",
            "wastebank_withdrawal_request",
            found.id,
            kelurahan=current_kelurahan(),
            before={"status": RequestStatus.REQUESTED.value, "amount": found.amount},
            after={"status": RequestStatus.CANCELLED.value},
        )
        db.session.commit()
        flash(_("Permintaan penarikan dibatalkan."), "success")
    else:
        db.session.commit()
        flash(_("Permintaan ini sudah diproses."), "info")
    return redirect(url_for("wastebank.requests", unit_id=unit.id))


@bp.post("/unit/<int:unit_id>/permintaan/<int:request_id>/bayar")
@login_required
def pay_request(unit_id: int, request_id: int):
    unit = unit_or_404(unit_id)
    found = _request_of_unit_or_404(unit, request_id)
    if found.status != "diminta":
        flash(_("Permintaan ini sudah diproses."), "info")
        return redirect(url_for("wastebank.requests", unit_id=unit.id))
    try:
        entry = ledger.post_withdrawal(
            found.member,
            found.amount,
            current_user._get_current_object(),
            key=f"req:{found.id}",
            request=found,
        )
    except ledger.InsufficientBalance:
        db.session.rollback()
        flash(
            _("Saldo %(name)s tidak cukup untuk permintaan ini.", name=found.member.name), "error"
        )
        return redirect(url_for("wastebank.requests", unit_id=unit.id))
    except ledger.LedgerError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(url_for("wastebank.requests", unit_id=unit.id))
    flash(_("Penarikan dibayarkan."), "success")
    return redirect(url_for("wastebank.receipt", unit_id=unit.id, entry_id=entry.id))
