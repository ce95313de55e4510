"""Sign-up, sign-in, profile, password change and reset, notifications."""

from __future__ import annotations

import hashlib
import secrets
from contextlib import suppress
from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, or_, select, update

from ..auth import login_required
from ..directory import kelurahan_choices
from ..extensions import db, limiter
from ..forms import (
    EmptyForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    ResetForm,
    ResetRequestForm,
    SignupForm,
)
from ..mail import send_to_user
from ..models import Kelurahan, Notification, PasswordReset, Role, RoleAssignment, User, utcnow
from ..passwords import hash_password, needs_rehash, verify_password
from ..phone import InvalidPhone, looks_like_phone, normalize_phone
from ..plugins import Event, host
from ..urls import safe_next

bp = Blueprint("account", __name__)

# Failed sign-ins per account: the sixth within 15 minutes answers 429.
SIGNIN_LIMIT = "5 per 15 minutes"


def _identifier_key() -> str:
    """Rate-limit key: the account being tried, normalized the way we store it."""
    raw = (request.form.get("identifier") or "").strip().lower()
    if raw and "@" not in raw and looks_like_phone(raw):
        with suppress(InvalidPhone):
            raw = normalize_phone(raw)
    return "account:" + hashlib.sha256(raw.encode()).hexdigest()


def _failed(response) -> bool:
    return response.status_code == 200  # the form came back: the attempt failed


def find_user(identifier: str) -> User | None:
    identifier = identifier.strip()
    if "@" in identifier:
        return db.session.execute(
            select(User).where(func.lower(User.email) == identifier.lower())
        ).scalar_one_or_none()
    try:
        phone = normalize_phone(identifier)
    except InvalidPhone:
        return None
    return db.session.execute(select(User).where(User.phone == phone)).scalar_one_or_none()


def _home_url(user: User) -> str:
    return url_for("public.kelurahan_home", kelurahan_slug=user.home_kelurahan.slug)


def landing_url(user: User) -> str:
    """Where a sign-in without a `next` lands: staff on their "Tugas saya" (in their home
    kelurahan when they work there, else the first where they do), the city admin on the
    city's pages, residents on their kelurahan's home."""
    if user.is_city_admin:
        return url_for("city.index")
    staff = [r for r in user.roles if r.role in (Role.PETUGAS.value, Role.ADMIN.value)]
    if staff:
        home = next((r for r in staff if r.kelurahan_id == user.home_kelurahan_id), staff[0])
        return url_for("tasks.index", kelurahan_slug=home.kelurahan.slug)
    return _home_url(user)


@bp.route("/masuk", methods=["GET", "POST"])
@limiter.limit(SIGNIN_LIMIT, key_func=_identifier_key, methods=["POST"], deduct_when=_failed)
@limiter.limit("30 per 15 minutes", methods=["POST"], deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(_home_url(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = find_user(form.identifier.data)
        if user and user.is_active and verify_password(user.password_hash, form.password.data):
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(form.password.data)
            user.last_login_at = utcnow()
            db.session.commit()
            login_user(user, remember=form.remember.data)
            flash(_("Selamat datang, %(name)s.", name=user.display_name), "success")
            return redirect(safe_next(landing_url(user)))
        form.password.errors.append(_("E-mail/nomor HP atau kata sandi salah."))
    return render_template("account/login.html", form=form, next=safe_next(""))


@bp.route("/daftar", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(_home_url(current_user))
    form = SignupForm()
    form.home_kelurahan.choices = [("", _("— Pilih kelurahan —")), *kelurahan_choices()]
    if request.method == "GET" and request.args.get("kelurahan"):
        form.home_kelurahan.data = request.args["kelurahan"]
    if form.validate_on_submit():
        kind, value = form.identifier.kind, form.identifier.normalized
        if find_user(value) is not None:
            form.identifier.errors.append(
                _("E-mail ini sudah terdaftar. Silakan masuk atau atur ulang kata sandi.")
                if kind == "email"
                else _("Nomor HP ini sudah terdaftar. Silakan masuk atau atur ulang kata sandi.")
            )
        else:
            kelurahan = db.session.get(Kelurahan, int(form.home_kelurahan.data))
            user = User(
                display_name=form.display_name.data.strip(),
                password_hash=hash_password(form.password.data),
                home_kelurahan=kelurahan,
                **{kind: value},
            )
            user.roles.append(RoleAssignment(kelurahan=kelurahan, role="warga"))
            db.session.add(user)
            db.session.commit()
            login_user(user)
            host().emit(Event("user.joined", kelurahan=kelurahan, actor=user))
            flash(_("Akun Anda sudah dibuat. Selamat bergabung!"), "success")
            return redirect(_home_url(user))
    return render_template("account/signup.html", form=form)


@bp.post("/keluar")
def logout():
    logout_user()
    flash(_("Anda sudah keluar."), "info")
    return redirect(url_for("public.city_home"))


@bp.route("/akun", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    form.home_kelurahan.choices = kelurahan_choices()
    if request.method == "GET":
        form.home_kelurahan.data = str(current_user.home_kelurahan_id)
        form.locale.data = current_user.locale or "id"
        if current_user.phone:
            form.phone.data = current_user.phone
    if form.validate_on_submit():
        email, phone = form.email.normalized, form.phone.normalized
        clashes = []
        if email:
            clashes.append(func.lower(User.email) == email)
        if phone:
            clashes.append(User.phone == phone)
        # Email and phone may each belong to a different account: take the first clash.
        taken = db.session.execute(
            select(User).where(User.id != current_user.id, or_(*clashes)).limit(1)
        ).scalar_one_or_none()
        if taken is not None:
            field = form.email if email and (taken.email or "").lower() == email else form.phone
            field.errors.append(_("Sudah dipakai akun lain."))
        else:
            current_user.display_name = form.display_name.data.strip()
            current_user.email, current_user.phone = email, phone
            current_user.locale = form.locale.data
            new_home = int(form.home_kelurahan.data)
            if new_home != current_user.home_kelurahan_id:
                current_user.home_kelurahan_id = new_home
                if not any(r.kelurahan_id == new_home for r in current_user.roles):
                    current_user.roles.append(RoleAssignment(kelurahan_id=new_home, role="warga"))
            db.session.commit()
            flash(_("Profil disimpan."), "success")
            return redirect(url_for("account.profile"))
    return render_template("account/profile.html", form=form)


@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    form.personal = (current_user.email, current_user.phone, current_user.display_name)
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.current_password.data):
            form.current_password.errors.append(_("Kata sandi sekarang salah."))
        else:
            current_user.password_hash = hash_password(form.password.data)
            db.session.commit()
            flash(_("Kata sandi diganti."), "success")
            return redirect(url_for("account.profile"))
    return render_template("account/change_password.html", form=form)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@bp.route("/lupa-sandi", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", methods=["POST"])
def forgot_password():
    form = ResetRequestForm()
    if form.validate_on_submit():
        user = find_user(form.identifier.normalized)
        if user is not None and user.is_active:
            token = secrets.token_urlsafe(32)
            minutes = current_app.config["KP_RESET_TOKEN_MINUTES"]
            db.session.add(
                PasswordReset(
                    user_id=user.id,
                    token_hash=_token_hash(token),
                    expires_at=utcnow() + timedelta(minutes=minutes),
                )
            )
            link = url_for("account.reset_password", token=token, _external=True)
            send_to_user(
                user,
                _("Atur ulang kata sandi Kelurahan Pintar"),
                _(
                    "Buka tautan ini untuk membuat kata sandi baru (berlaku %(minutes)s menit, "
                    "sekali pakai):\n%(link)s\n\nAbaikan pesan ini bila Anda tidak memintanya.",
                    minutes=minutes,
                    link=link,
                ),
            )
            db.session.commit()
        # The same answer whether or not the account exists: no account discovery.
        flash(
            _("Jika akun itu terdaftar, tautan untuk mengatur ulang kata sandi sudah dikirim."),
            "info",
        )
        return redirect(url_for("account.login"))
    return render_template("account/forgot_password.html", form=form)


def _valid_reset(token: str) -> PasswordReset | None:
    reset = db.session.execute(
        select(PasswordReset).where(PasswordReset.token_hash == _token_hash(token))
    ).scalar_one_or_none()
    if reset is None or reset.used_at is not None or reset.expires_at < utcnow():
        return None
    return reset


@bp.route("/atur-ulang-sandi/<token>", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", methods=["POST"])
def reset_password(token: str):
    reset = _valid_reset(token)
    if reset is None:
        return render_template("account/reset_invalid.html"), 404
    form = ResetForm()
    form.personal = (reset.user.email, reset.user.phone, reset.user.display_name)
    if form.validate_on_submit():
        # Claim the token in one statement so two tabs cannot both use it.
        claimed = db.session.execute(
            update(PasswordReset)
            .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
            .values(used_at=utcnow())
        ).rowcount
        if claimed != 1:
            db.session.rollback()
            return render_template("account/reset_invalid.html"), 404
        reset.user.password_hash = hash_password(form.password.data)
        db.session.commit()
        flash(_("Kata sandi baru tersimpan. Silakan masuk."), "success")
        return redirect(url_for("account.login"))
    return render_template("account/reset_password.html", form=form)


@bp.get("/notifikasi")
@login_required
def notifications():
    rows = list(
        db.session.execute(
            select(Notification)
            .where(Notification.user_id == current_user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(100)
        ).scalars()
    )
    return render_template("account/notifications.html", notifications=rows, form=EmptyForm())


@bp.post("/notifikasi/baca")
@login_required
def mark_notifications_read():
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return redirect(url_for("account.notifications"))
