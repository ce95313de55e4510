"""Languages: Bahasa Indonesia by default, English on request, and a complete English catalog.

The catalog checks re-extract every translatable string from the code with the mapping in
babel.cfg, so a string added to a view or template without an English translation fails here,
with the list of what is missing.
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from conftest import PASSWORD, enable_plugin

from app.extensions import db as _db
from app.models import User

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
EN_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
EN_MO = EN_PO.with_suffix(".mo")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
REGENERATE = (
    "regenerate with: .venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext "
    "-o translations/messages.pot . && .venv/bin/pybabel update --no-fuzzy-matching "
    "-i translations/messages.pot -d translations -D messages, then translate the new entries"
)
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]")


def _read(path: Path, locale: str | None = None):
    with path.open("rb") as fileobj:
        return read_po(fileobj, locale=locale)


@pytest.fixture(scope="module", autouse=True)
def compiled_catalog():
    """Compile the English .po into the .mo the app loads (the .mo files are not in git), so
    this module works on its own too. Written atomically: other runs may read it meanwhile."""
    catalog = _read(EN_PO, locale="en")
    handle, tmp = tempfile.mkstemp(dir=EN_MO.parent, prefix=".messages-", suffix=".mo")
    try:
        with os.fdopen(handle, "wb") as fileobj:
            write_mo(fileobj, catalog, use_fuzzy=True)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the .mo stays for `make run` too
        os.replace(tmp, EN_MO)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


@functools.cache
def _source_messages() -> dict[str, list[str]]:
    """Every msgid in the code today, with where it appears, extracted as babel.cfg says."""
    from babel.messages import frontend

    parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
    with (ROOT / "babel.cfg").open(encoding="utf-8") as fileobj:
        method_map, options_map = parse(fileobj)
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


# -- the catalog ------------------------------------------------------------------------------


def test_extraction_finds_strings_from_core_templates_and_plugins():
    found = _source_messages()
    assert "Wajib diisi." in found  # app/forms.py, lazy _l()
    assert "Kata sandi" in found  # forms and templates
    assert "Lupa kata sandi?" in found  # templates/account/login.html, _() in Jinja
    assert "Pengumuman terbaru" in found  # the example plugin
    assert not any(".venv" in where for places in found.values() for where in places)


def test_every_string_in_the_code_has_an_english_translation():
    found = _source_messages()
    english = {m.id: m for m in _read(EN_PO, locale="en") if m.id}
    missing = sorted(msgid for msgid in found if msgid not in english)
    assert not missing, "Not in translations/en/LC_MESSAGES/messages.po ({}):\n{}".format(
        REGENERATE,
        "\n".join(f"  {msgid!r}  ({', '.join(found[msgid])})" for msgid in missing),
    )


def test_the_pot_template_matches_the_code():
    found = set(_source_messages())
    template = {m.id for m in _read(POT) if m.id}
    template = {msgid[0] if isinstance(msgid, tuple) else msgid for msgid in template}
    assert not (found - template), f"New strings missing from messages.pot; {REGENERATE}:\n" + (
        "\n".join(f"  {msgid!r}" for msgid in sorted(found - template))
    )
    assert not (template - found), f"Strings no longer in the code; {REGENERATE}:\n" + (
        "\n".join(f"  {msgid!r}" for msgid in sorted(template - found))
    )


def test_every_english_translation_is_complete_and_keeps_its_placeholders():
    template = [m for m in _read(POT) if m.id]
    english = {m.id: m for m in _read(EN_PO, locale="en") if m.id}
    assert template, "messages.pot is empty"
    problems = []
    for entry in template:
        translated = english.get(entry.id)
        if translated is None:
            problems.append(f"{entry.id!r}: no entry in en/messages.po")
            continue
        if translated.fuzzy:
            problems.append(f"{entry.id!r}: marked fuzzy")
        names = sorted(set(PLACEHOLDER.findall(" ".join(_ids(entry)))))
        values = dict.fromkeys(names, 7)
        for string in _strings(translated):
            if not string or not string.strip():
                problems.append(f"{entry.id!r}: empty translation")
                continue
            if sorted(set(PLACEHOLDER.findall(string))) != names:
                problems.append(f"{entry.id!r} → {string!r}: placeholders differ from {names}")
                continue
            if names:
                try:
                    string % values
                except (KeyError, ValueError, TypeError) as exc:
                    problems.append(f"{entry.id!r} → {string!r}: cannot format ({exc})")
    assert not problems, "English catalog problems:\n" + "\n".join(problems)


def test_placeholder_check_catches_a_renamed_placeholder():
    # The guard above must be able to fail: a translation that renames %(name)s.
    assert PLACEHOLDER.findall("Selamat datang, %(name)s.") == ["name"]
    assert PLACEHOLDER.findall("Welcome, %(nama)s.") != ["name"]
    assert PLACEHOLDER.findall("Kata sandi minimal %(num)d karakter.") == ["num"]


# -- choosing the language --------------------------------------------------------------------


def _html(response, statuses=(200,)) -> str:
    assert response.status_code in statuses, response.status_code
    return response.get_data(as_text=True)


REFUSED_FORM = (200, 422)  # a form shown again with its errors


def test_pages_are_in_indonesian_by_default(client):
    html = _html(client.get("/masuk"))
    assert '<html lang="id">' in html
    assert "Masuk" in html
    assert "Kata sandi" in html
    assert "Lupa kata sandi?" in html
    assert "Sign in" not in html
    assert "Password" not in html


def test_browser_english_does_not_switch_the_language(client):
    # Many residents' phones are set to English; the site stays Indonesian until they switch.
    html = _html(client.get("/masuk", headers={"Accept-Language": "en-US,en;q=0.9"}))
    assert '<html lang="id">' in html
    assert "Kata sandi" in html
    assert "Sign in" not in html


def test_switching_to_english_sets_a_cookie_and_translates_the_page(client):
    response = client.post("/bahasa", data={"lang": "en", "next": "/masuk"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/masuk")
    assert "kp_lang=en" in response.headers.get("Set-Cookie", "")

    html = _html(client.get("/masuk"))
    assert '<html lang="en">' in html
    assert "Sign in" in html
    assert "Password" in html
    assert "E-mail or mobile number" in html  # a lazy form label from app/forms.py
    assert "Kata sandi" not in html
    assert "Bahasa Indonesia" in html  # the switch now offers the way back

    client.post("/bahasa", data={"lang": "id", "next": "/masuk"})
    html = _html(client.get("/masuk"))
    assert '<html lang="id">' in html
    assert "Kata sandi" in html


def test_unknown_language_falls_back_to_indonesian(client):
    client.set_cookie("kp_lang", "fr")
    html = _html(client.get("/masuk"))
    assert '<html lang="id">' in html
    response = client.post("/bahasa", data={"lang": "fr", "next": "/masuk"})
    assert "kp_lang=id" in response.headers.get("Set-Cookie", "")


def test_form_errors_follow_the_language(client):
    empty = {"identifier": "", "display_name": "", "home_kelurahan": "", "password": ""}
    html = _html(client.post("/daftar", data=empty), REFUSED_FORM)
    assert "Wajib diisi." in html
    assert "This field is required." not in html

    client.set_cookie("kp_lang", "en")
    html = _html(client.post("/daftar", data=empty), REFUSED_FORM)
    assert "This field is required." in html
    assert "Please check the highlighted fields." in html
    assert "Wajib diisi." not in html
    assert "— Choose a kelurahan —" in html


def test_python_messages_are_translated_too(client, factory):
    # Messages built in views (flash, validation appended in code) use the catalog as well.
    user = factory.user("warga", "kauman", email="sari@contoh.id", name="Sari")
    client.set_cookie("kp_lang", "en")
    response = client.post("/masuk", data={"identifier": "sari@contoh.id", "password": "x"})
    html = _html(response, REFUSED_FORM)
    assert "Wrong e-mail/mobile number or password." in html
    assert "kata sandi salah" not in html

    response = client.post(
        "/masuk", data={"identifier": "sari@contoh.id", "password": PASSWORD}, follow_redirects=True
    )
    html = _html(response)
    assert f"Welcome, {user.display_name}." in html
    assert "Selamat datang" not in html


def test_signed_in_users_saved_language_wins_over_the_cookie(client, login_as, db):
    user = login_as("warga", "kauman")
    user.locale = "en"
    db.session.commit()
    client.set_cookie("kp_lang", "id")
    html = _html(client.get("/k/kauman/"))
    assert '<html lang="en">' in html
    assert "Sign out" in html

    user.locale = "id"
    db.session.commit()
    client.set_cookie("kp_lang", "en")
    html = _html(client.get("/k/kauman/"))
    assert '<html lang="id">' in html
    assert "Keluar" in html
    assert "Sign out" not in html


def test_switching_while_signed_in_saves_the_choice_for_other_devices(app, client, login_as, db):
    user = login_as("warga", "kauman")
    client.post("/bahasa", data={"lang": "en", "next": "/k/kauman/"})
    _db.session.expire_all()
    assert _db.session.get(User, user.id).locale == "en"

    other_device = app.test_client()  # no cookie at all
    with other_device.session_transaction() as session:
        session["_user_id"] = str(user.id)
        session["_fresh"] = True
    html = _html(other_device.get("/k/kauman/"))
    assert '<html lang="en">' in html
    assert "Sign out" in html


def test_plugin_strings_are_translated(app, client):
    enable_plugin(app, "notices", "kauman")
    html = _html(client.get("/k/kauman/"))
    assert "Pengumuman terbaru" in html

    client.set_cookie("kp_lang", "en")
    html = _html(client.get("/k/kauman/"))
    assert "Latest notices" in html  # the example plugin's home widget title
    assert "Notices" in html  # its menu entry
    assert "Pengumuman terbaru" not in html
