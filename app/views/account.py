"""Sign-up, sign-in, profile, password change and reset, notifications."""

from __future__ import annotations

import hashlib
import math
import secrets
import time
from contextlib import suppress
from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from limits import RateLimitItem
from limits import parse as parse_limit
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..auth import end_sessions, login_required
from ..directory import kelurahan_choices
from ..errors import MESSAGES
from ..extensions import client_ip, db, limiter
from ..forms import (
    EmptyForm,
    LoginForm,
    PasswordChangeForm,
    ProfileForm,
    ResetForm,
    ResetRequestForm,
    SignupForm,
    choices,
)
from ..mail import send_message, send_to_user, sender
from ..models import Kelurahan, Notification, PasswordReset, Role, RoleAssignment, User, utcnow
from ..passwords import (
    PasswordBusy,
    burn_verification,
    hash_password,
    needs_rehash,
    verify_password,
)
from ..phone import InvalidPhone, looks_like_phone, normalize_phone
from ..plugins import Event, host
from ..urls import is_local_path, public_url, safe_next

bp = Blueprint("account", __name__)

# Wrong passwords per account (sign-in, or the current password on the profile and password
# pages): the sixth within 15 minutes answers 429. Per client address: the 31st.
SIGNIN_LIMIT = "5 per 15 minutes"
CLIENT_SIGNIN_LIMIT = "30 per 15 minutes"

BUSY = _l("Server sedang sibuk. Silakan coba lagi sebentar lagi.")
WRONG_LOGIN = _l("E-mail/nomor HP atau kata sandi salah.")


def _normalized_identifier(raw: str) -> str:
    raw = (raw or "").strip().lower()
    if raw and "@" not in raw and looks_like_phone(raw):
        with suppress(InvalidPhone):
            raw = normalize_phone(raw)
    return raw


def _account_key(user: User | None, typed: str = "") -> str:
    """Rate-limit key for an account: its e-mail (else phone) when it exists, so every way of
    writing it, and both of its contacts, share one counter; else what was typed, normalized."""
    value = (user.email or user.phone) if user is not None else _normalized_identifier(typed)
    return hashlib.sha256((value or "").encode()).hexdigest()


# -- counting attempts before checking them ------------------------------------------------------
#
# A limit counted after the answer (Flask-Limiter's deduct_when) lets parallel requests all
# pass the check before any of them is counted: twenty wrong passwords at once would all be
# tried. So each attempt takes its slot first, through the same limiter storage (Redis when
# configured), and a successful one gives it back: only failures use up the allowance. Giving
# back needs a counter (the default fixed-window strategy); with another strategy a success
# keeps its slot.

Slot = tuple[RateLimitItem, tuple[str, ...]]


def _account_slot(key: str) -> Slot:
    prefix = current_app.config["KP_REDIS_PREFIX"]
    return parse_limit(SIGNIN_LIMIT), (prefix + "signin-account", key)


def _client_slot() -> Slot:
    prefix = current_app.config["KP_REDIS_PREFIX"]
    return parse_limit(CLIENT_SIGNIN_LIMIT), (prefix + "signin-client", client_ip())


def take_slots(*slots: Slot) -> tuple[list[Slot], Slot | None]:
    """Count one attempt against each limit, in order. Returns the slots taken and the first
    limit that is exhausted (the attempt must then be refused), or None."""
    if not limiter.enabled:
        return [], None
    taken = []
    for item, ids in slots:
        taken.append((item, ids))
        if not limiter.limiter.hit(item, *ids):
            return taken, (item, ids)
    return taken, None


def give_back(taken: list[Slot]) -> None:
    if isinstance(limiter.limiter, FixedWindowRateLimiter):
        for item, ids in taken:
            limiter.limiter.hit(item, *ids, cost=-1)


def clear_account_limit(user: User) -> None:
    """Forget the failed attempts on `user` (a completed reset proves the owner is back)."""
    if not limiter.enabled:
        return
    for value in {user.email, user.phone} - {None}:
        item, ids = _account_slot(hashlib.sha256(value.encode()).hexdigest())
        limiter.limiter.clear(item, *ids)


def too_many(slot: Slot):
    """429 with the usual page and a Retry-After for the exhausted limit."""
    item, ids = slot
    reset_at = limiter.limiter.get_window_stats(item, *ids).reset_time
    response = make_response(render_template("error.html", code=429, message=MESSAGES[429]), 429)
    response.headers["Retry-After"] = str(max(1, math.ceil(reset_at - time.time())))
    return response


def _rotate_csrf() -> None:
    """A new CSRF token for the signed-in session: one seen before signing in (on a shared
    device, say) is useless afterwards."""
    session.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


def _sign_in(user: User, remember: bool = False) -> None:
    _rotate_csrf()
    login_user(user, remember=remember)


def _had_remember_cookie() -> bool:
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies


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


def _check_password(user: User | None, password: str) -> bool:
    """The password check, at the same cost whether or not the account exists."""
    if user is None:
        burn_verification(password)
        return False
    return verify_password(user.password_hash, password)


@bp.route("/masuk", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_home_url(current_user))
    form = LoginForm()
    if request.method == "POST":
        typed = request.form.get("identifier") or ""
        user = find_user(typed) if typed.strip() else None
        # Counted before the form is even checked: an incomplete form is an attempt too.
        taken, exhausted = take_slots(_account_slot(_account_key(user, typed)), _client_slot())
        if exhausted:
            return too_many(exhausted)
        if form.validate_on_submit():
            try:
                correct = _check_password(user, form.password.data)
            except PasswordBusy:
                give_back(taken)  # nothing was tried
                form.password.errors.append(BUSY)
                return render_template("account/login.html", form=form, next=safe_next("")), 503
            if correct and not user.is_active:
                # Only someone who knows the password learns the account is switched off.
                form.identifier.errors.append(
                    _(
                        "Akun ini dinonaktifkan oleh admin kelurahan. Hubungi kantor "
                        "kelurahan Anda untuk mengaktifkannya kembali."
                    )
                )
            elif correct:
                give_back(taken)
                if needs_rehash(user.password_hash):
                    with suppress(PasswordBusy):  # upgraded at a quieter sign-in
                        user.password_hash = hash_password(form.password.data)
                user.last_login_at = utcnow()
                db.session.commit()
                _sign_in(user, remember=form.remember.data)
                flash(_("Selamat datang, %(name)s.", name=user.display_name), "success")
                return redirect(safe_next(landing_url(user)))
            else:
                form.password.errors.append(str(WRONG_LOGIN))
    return render_template("account/login.html", form=form, next=safe_next(""))


# -- signing up: the contact is confirmed by a link ---------------------------------------------
#
# POST /daftar answers the same whether or not the contact has an account (one Argon2 hash,
# one message, a redirect to /daftar/periksa), so the form cannot be used to find out who is
# registered. A new contact gets a signed link that carries the whole sign-up (nothing is
# stored until it is opened); a known one gets a note to its owner.

SIGNUP_SALT = "signup"
SIGNUP_LINK_HOURS = 24
SIGNUP_TOKEN_MAX_LENGTH = 2000
SIGNUP_SENT_KEY = "kp_signup_contact"
_CLAIM_TEXT = ("name", "kind", "contact", "hash", "locale")


def _signup_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SIGNUP_SALT)


def make_signup_token(
    *,
    name: str,
    kind: str,
    contact: str,
    kelurahan_id: int,
    password_hash: str,
    locale: str,
    next_path: str = "",
) -> str:
    """The signed, time-limited sign-up carried by a confirmation link. `contact` is the
    normalized e-mail or phone, `kind` "email" or "phone"; the password only as its hash;
    `next_path` the page the visitor was on their way to ("Buat laporan"), if any."""
    claim = {
        "name": name,
        "kind": kind,
        "contact": contact,
        "kelurahan": kelurahan_id,
        "hash": password_hash,
        "locale": locale,
    }
    if next_path:
        claim["next"] = next_path
    return _signup_serializer().dumps(claim)


def read_signup_token(token: str) -> tuple[str, dict | None]:
    """("ok", claim), or (why it cannot be used, None): "expired" or "invalid"."""
    if not token or len(token) > SIGNUP_TOKEN_MAX_LENGTH:
        return "invalid", None
    try:
        claim = _signup_serializer().loads(token, max_age=SIGNUP_LINK_HOURS * 3600)
    except SignatureExpired:
        return "expired", None
    except (BadData, UnicodeError, ValueError):
        return "invalid", None
    well_formed = (
        isinstance(claim, dict)
        and all(isinstance(claim.get(key), str) for key in _CLAIM_TEXT)
        and claim["kind"] in ("email", "phone")
        and type(claim.get("kelurahan")) is int
    )
    return ("ok", claim) if well_formed else ("invalid", None)


def masked_contact(kind: str, contact: str) -> str:
    """Enough of the contact to recognise it, not enough to read it over a shoulder."""
    if kind == "email":
        local, _at, domain = contact.partition("@")
        return f"{local[:1]}•••@{domain}"
    local = "0" + contact[3:] if contact.startswith("+62") else contact
    return local[:4] + "•" * max(len(local) - 7, 3) + local[-3:]


def _signup_link_message(name: str, link: str) -> tuple[str, str]:
    return (
        _("Selesaikan pendaftaran di Kelurahan Pintar"),
        _(
            "Halo %(name)s,\n\nBuka tautan ini dalam %(hours)s jam untuk menyelesaikan "
            "pendaftaran akun Kelurahan Pintar Anda:\n%(link)s\n\nJika bukan Anda yang "
            "mendaftar, abaikan pesan ini: tanpa tautan ini tidak ada akun yang dibuat.",
            name=name,
            hours=SIGNUP_LINK_HOURS,
            link=link,
        ),
    )


def _signup_attempt_message(user: User, contact: str) -> tuple[str, str]:
    """What the owner of an existing account is told when someone signs up with its contact."""
    return (
        _("Percobaan pendaftaran dengan kontak Anda di Kelurahan Pintar"),
        _(
            "Seseorang mencoba mendaftar di Kelurahan Pintar dengan %(contact)s, padahal sudah "
            "ada akun atas nama %(name)s.\n\nJika itu Anda, silakan masuk:\n%(login)s\natau "
            "atur ulang kata sandi:\n%(forgot)s\n\nJika bukan Anda, abaikan pesan ini; akun "
            "Anda tidak berubah.",
            contact=contact,
            name=user.display_name,
            login=public_url("account.login"),
            forgot=public_url("account.forgot_password"),
        ),
    )


@bp.route("/daftar", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def signup():
    """Both answers cost one Argon2 hash, send one message and redirect to the same page: a
    new contact is sent a confirmation link, a known one's owner a note. Nothing is stored
    but the outbox row until the link is opened."""
    if current_user.is_authenticated:
        return redirect(_home_url(current_user))
    form = SignupForm()
    form.home_kelurahan.choices = choices([("", _("— Pilih kelurahan —")), *kelurahan_choices()])
    next_path = safe_next("")
    if request.method == "GET":
        form.home_kelurahan.data = request.args.get("kelurahan") or _kelurahan_of(next_path)
    if form.validate_on_submit() and _can_reach(form.identifier):
        kind, contact = form.identifier.kind, form.identifier.normalized
        try:
            # Hashed in both cases, though only a new contact's link uses it: equal cost.
            password_hash = hash_password(form.password.data)
        except PasswordBusy:
            form.password.errors.append(BUSY)
            return render_template("account/signup.html", form=form), 503
        existing = find_user(contact)
        if existing is None:
            name = form.display_name.data.strip()
            token = make_signup_token(
                name=name,
                kind=kind,
                contact=contact,
                kelurahan_id=int(form.home_kelurahan.data),
                password_hash=password_hash,
                locale=str(get_locale() or ""),
                next_path=next_path,
            )
            # From KP_PUBLIC_URL, never the Host header; the token stays out of the outbox.
            link = public_url("account.confirm_signup", token=token)
            channel = "email" if kind == "email" else "sms"
            send_message(channel, contact, *_signup_link_message(name, link), secret=token)
        else:
            send_to_user(existing, *_signup_attempt_message(existing, contact))
        db.session.commit()
        session[SIGNUP_SENT_KEY] = masked_contact(kind, contact)
        return redirect(url_for("account.signup_sent"))
    return render_template("account/signup.html", form=form, next=next_path)


def _can_reach(identifier) -> bool:
    """A confirmation link needs a way to the contact. Without an SMS gateway a phone number
    is refused before anything is looked up, so the answer says nothing about accounts."""
    if identifier.kind != "phone" or _sender_delivers("sms"):
        return True
    identifier.errors.append(
        _(
            "Kelurahan Pintar belum dapat mengirim SMS, jadi tautan pendaftaran tidak bisa "
            "dikirim ke nomor HP. Daftar dengan e-mail, atau minta bantuan di kantor "
            "kelurahan Anda."
        )
    )
    return False


def _kelurahan_of(path: str) -> str | None:
    """The id (as the select's value) of the kelurahan a local path is in, `/k/<slug>/…`:
    someone sent to sign up from Kauman's report form lives in Kauman more often than not."""
    parts = path.split("/")
    if len(parts) < 3 or parts[1] != "k":
        return None
    found = db.session.execute(
        select(Kelurahan.id).where(Kelurahan.slug == parts[2])
    ).scalar_one_or_none()
    return None if found is None else str(found)


@bp.get("/daftar/periksa")
def signup_sent():
    """The "check your messages" page, the same whether or not the contact had an account."""
    if current_user.is_authenticated:
        return redirect(_home_url(current_user))
    return render_template(
        "account/signup_sent.html", contact=session.get(SIGNUP_SENT_KEY), hours=SIGNUP_LINK_HOURS
    )


# Why a confirmation link cannot be used, and the status it answers.
SIGNUP_LINK_REFUSALS = {"invalid": 404, "expired": 410, "used": 410, "taken": 409}


def _signup_link_refused(reason: str):
    page = render_template(
        "account/signup_link_refused.html", reason=reason, hours=SIGNUP_LINK_HOURS
    )
    return page, SIGNUP_LINK_REFUSALS[reason]


def _owner_reason(claim: dict) -> str:
    """The contact has an account: made with this very link ("used"), or by someone else
    meanwhile ("taken")."""
    existing = find_user(claim["contact"])
    return "used" if existing is not None and existing.password_hash == claim["hash"] else "taken"


@bp.route("/daftar/konfirmasi/<token>", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", methods=["POST"])
def confirm_signup(token: str):
    """GET shows what the link will create and a button; only the POST creates the account,
    so a mail scanner that opens links does not use it up."""
    if current_user.is_authenticated:
        return redirect(_home_url(current_user))
    reason, claim = read_signup_token(token)
    if claim is None:
        return _signup_link_refused(reason)
    kelurahan = db.session.get(Kelurahan, claim["kelurahan"])
    if kelurahan is None:
        return _signup_link_refused("invalid")
    if find_user(claim["contact"]) is not None:
        return _signup_link_refused(_owner_reason(claim))
    form = EmptyForm()
    if form.validate_on_submit():
        locale = claim["locale"] if claim["locale"] in current_app.config["KP_LANGUAGES"] else None
        user = User(
            display_name=claim["name"],
            password_hash=claim["hash"],
            home_kelurahan=kelurahan,
            locale=locale,
            **{claim["kind"]: claim["contact"]},
        )
        user.roles.append(RoleAssignment(kelurahan=kelurahan, role="warga"))
        db.session.add(user)
        try:
            db.session.flush()
        except IntegrityError:  # the same link, confirmed a moment ago in another tab
            db.session.rollback()
            return _signup_link_refused(_owner_reason(claim))
        db.session.commit()
        session.pop(SIGNUP_SENT_KEY, None)
        _sign_in(user)
        host().emit(Event("user.joined", kelurahan=kelurahan, actor=user))
        flash(_("Akun Anda sudah dibuat. Selamat bergabung!"), "success")
        next_path = claim.get("next")
        if isinstance(next_path, str) and is_local_path(next_path):
            return redirect(next_path)  # on to what they were doing ("Buat laporan")
        return redirect(_home_url(user))
    return render_template(
        "account/signup_confirm.html",
        form=form,
        name=claim["name"],
        contact=masked_contact(claim["kind"], claim["contact"]),
        kelurahan=kelurahan,
    )


@bp.post("/keluar")
def logout():
    """Signing out ends every session of the account, on every device, remember-me too."""
    if current_user.is_authenticated:
        end_sessions(current_user)
        db.session.commit()
    logout_user()
    flash(_("Anda sudah keluar."), "info")
    return redirect(url_for("public.city_home"))


@bp.route("/akun", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    form.home_kelurahan.choices = choices(kelurahan_choices())
    if request.method == "GET":
        form.home_kelurahan.data = str(current_user.home_kelurahan_id)
        form.locale.data = current_user.locale or "id"
        if current_user.phone:
            form.phone.data = current_user.phone
    if form.validate_on_submit():
        email, phone = form.email.normalized, form.phone.normalized
        # The e-mail or phone is where reset links go: changing it takes the password, asked
        # first, so a borrowed session cannot even learn which contacts are taken.
        if (email, phone) != (current_user.email, current_user.phone):
            if not form.current_password.data:
                form.current_password.errors.append(
                    _("Isi kata sandi sekarang untuk mengganti e-mail atau nomor HP.")
                )
                return _profile_page(form)
            answer = _verify_current_password(form.current_password)
            if answer is not True:
                return answer or _profile_page(form)
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
            current_user.rt, current_user.rw = form.rt.data or None, form.rw.data or None
            new_home = int(form.home_kelurahan.data)
            if new_home != current_user.home_kelurahan_id:
                current_user.home_kelurahan_id = new_home
                if not any(r.kelurahan_id == new_home for r in current_user.roles):
                    current_user.roles.append(RoleAssignment(kelurahan_id=new_home, role="warga"))
            db.session.commit()
            flash(_("Profil disimpan."), "success")
            return redirect(url_for("account.profile"))
    return _profile_page(form)


def _profile_page(form):
    return render_template("account/profile.html", form=form)


def _verify_current_password(field):
    """Check the signed-in user's current password typed in `field`, counted (before the
    check) against the account's sign-in limit. True when right; otherwise a response to send
    (429, 503) or None after adding the field's error."""
    taken, exhausted = take_slots(_account_slot(_account_key(current_user)), _client_slot())
    if exhausted:
        return too_many(exhausted)
    try:
        correct = verify_password(current_user.password_hash, field.data or "")
    except PasswordBusy:
        give_back(taken)
        field.errors.append(BUSY)
        return None
    if correct:
        give_back(taken)
        return True
    field.errors.append(_("Kata sandi sekarang salah."))
    return None


@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
@login_required
def change_password():
    """A new password ends every other session of the account; this one carries on."""
    form = PasswordChangeForm()
    form.personal = (current_user.email, current_user.phone, current_user.display_name)
    if form.validate_on_submit():
        answer = _verify_current_password(form.current_password)
        if answer is True:
            try:
                current_user.password_hash = hash_password(form.password.data)
            except PasswordBusy:
                form.password.errors.append(BUSY)
                return render_template("account/change_password.html", form=form), 503
            user = current_user._get_current_object()
            end_sessions(user)
            db.session.commit()
            _sign_in(user, remember=_had_remember_cookie())
            flash(
                _("Kata sandi diganti. Perangkat lain yang masih masuk sudah dikeluarkan."),
                "success",
            )
            return redirect(url_for("account.profile"))
        if answer is not None:
            return answer
    return render_template("account/change_password.html", form=form)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_password_reset(user: User) -> str:
    """A new one-time reset token for `user` (only its hash is kept), added to the session.
    Only the newest link works: an older one left in a mailbox, or handed out at the
    kelurahan office, is dead."""
    token = secrets.token_urlsafe(32)
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
    )
    db.session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=_token_hash(token),
            expires_at=utcnow() + timedelta(minutes=current_app.config["KP_RESET_TOKEN_MINUTES"]),
        )
    )
    return token


def _sender_delivers(channel: str) -> bool:
    return getattr(sender(), "delivers", lambda channel: True)(channel)


@bp.route("/lupa-sandi", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", methods=["POST"])
def forgot_password():
    form = ResetRequestForm()
    sms_ready = _sender_delivers("sms")
    if form.validate_on_submit():
        user = find_user(form.identifier.normalized)
        # A phone number typed while nothing can send a text message: no link that would
        # reach nobody (and void one handed out at the kelurahan office).
        by_phone_unsent = form.identifier.kind == "phone" and not sms_ready
        if user is not None and user.is_active and not (by_phone_unsent and not user.email):
            token = issue_password_reset(user)
            # From KP_PUBLIC_URL, never from the Host header: a forged Host would otherwise
            # mail the owner a link to someone else's site, carrying the token.
            link = public_url("account.reset_password", token=token)
            send_to_user(
                user,
                _("Atur ulang kata sandi Kelurahan Pintar"),
                _(
                    "Buka tautan ini untuk membuat kata sandi baru (berlaku %(minutes)s menit, "
                    "sekali pakai):\n%(link)s\n\nAbaikan pesan ini bila Anda tidak memintanya.",
                    minutes=current_app.config["KP_RESET_TOKEN_MINUTES"],
                    link=link,
                ),
                secret=token,
            )
            db.session.commit()
        # The same answer whether or not the account exists: no account discovery.
        if by_phone_unsent:
            flash(
                _(
                    "Kelurahan Pintar belum dapat mengirim SMS. Jika akun itu juga memakai "
                    "e-mail, tautan sudah dikirim ke e-mail tersebut. Jika hanya memakai nomor "
                    "HP, mintalah tautan atur ulang kata sandi di kantor kelurahan Anda."
                ),
                "info",
            )
        else:
            flash(
                _("Jika akun itu terdaftar, tautan untuk mengatur ulang kata sandi sudah dikirim."),
                "info",
            )
        return redirect(url_for("account.login"))
    return render_template("account/forgot_password.html", form=form, sms_ready=sms_ready)


def _valid_reset(token: str) -> PasswordReset | None:
    reset = db.session.execute(
        select(PasswordReset).where(PasswordReset.token_hash == _token_hash(token))
    ).scalar_one_or_none()
    if reset is None or reset.used_at is not None or reset.expires_at < utcnow():
        return None
    if not reset.user.is_active:
        return None
    return reset


@bp.route("/atur-ulang-sandi/<token>", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", methods=["POST"])
def reset_password(token: str):
    """A completed reset ends every session of the account and lifts its sign-in lockout:
    the owner gets back in even while someone else is guessing."""
    reset = _valid_reset(token)
    if reset is None:
        return render_template("account/reset_invalid.html"), 404
    form = ResetForm()
    form.personal = (reset.user.email, reset.user.phone, reset.user.display_name)
    if form.validate_on_submit():
        try:
            new_hash = hash_password(form.password.data)
        except PasswordBusy:
            form.password.errors.append(BUSY)
            return render_template("account/reset_password.html", form=form), 503
        # Claim the token in one statement so two tabs cannot both use it.
        claimed = db.session.execute(
            update(PasswordReset)
            .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
            .values(used_at=utcnow())
        ).rowcount
        if claimed != 1:
            db.session.rollback()
            return render_template("account/reset_invalid.html"), 404
        user = reset.user
        user.password_hash = new_hash
        end_sessions(user)
        db.session.commit()
        clear_account_limit(user)
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
