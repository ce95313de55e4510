"""Languages: Bahasa Indonesia by default, English on request, and complete English catalogues:
the core's and one per plugin.

The catalogue checks re-extract every translatable string from the code as
scripts/catalogs.py does (babel.cfg for the core, babel-plugin.cfg for each plugin), so a
string added to a view or template without an English translation fails here, with the list
of what is missing.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import tempfile
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from conftest import PASSWORD, enable_plugin

from app.extensions import db as _db
from app.models import User

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]")


def _load_catalog_tool():
    """scripts/catalogs.py: the same extraction the maintainers run."""
    spec = importlib.util.spec_from_file_location("kp_catalogs", ROOT / "scripts" / "catalogs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


catalogs = _load_catalog_tool()
CATALOGUES = catalogs.catalogue_dirs()
REGENERATE = (
    "regenerate with: .venv/bin/python scripts/catalogs.py extract, then translate the new "
    "entries (empty msgstr) in the catalogue's translations/en/LC_MESSAGES/messages.po"
)


def _name(folder: Path) -> str:
    return "core" if folder == ROOT else folder.relative_to(ROOT).as_posix()


def _read(path: Path, locale: str | None = None):
    with path.open("rb") as fileobj:
        return read_po(fileobj, locale=locale)


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogs():
    """Compile every English .po into the .mo the app loads (the .mo files are not in git),
    so this module works on its own too. Written atomically: other runs may read it."""
    for folder in CATALOGUES:
        po = catalogs.po_path(folder, "en")
        mo = po.with_suffix(".mo")
        catalog = _read(po, locale="en")
        handle, tmp = tempfile.mkstemp(dir=mo.parent, prefix=".messages-", suffix=".mo")
        try:
            with os.fdopen(handle, "wb") as fileobj:
                write_mo(fileobj, catalog, use_fuzzy=True)
            os.chmod(tmp, 0o644)  # mkstemp makes it private; the .mo stays for `make run`
            os.replace(tmp, mo)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def _ids(message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


@functools.cache
def _source_messages(folder: Path) -> dict[str, list[str]]:
    """Every msgid in the catalogue's code today, with where it appears."""
    found: dict[str, list[str]] = {}
    for message in catalogs.extract(folder):
        if message.id:
            msgid = message.id[0] if isinstance(message.id, tuple) else message.id
            found.setdefault(msgid, []).extend(f"{f}:{n}" for f, n in message.locations)
    return found


# -- the catalogues ---------------------------------------------------------------------------


def test_every_plugin_ships_its_own_catalogue():
    plugin_dirs = [p for p in (ROOT / "plugins").iterdir() if (p / "__init__.py").exists()]
    plugin_dirs.append(ROOT / "tests" / "example_plugin" / "kp_notices")
    missing = [p.name for p in plugin_dirs if p not in CATALOGUES]
    assert not missing, f"plugins without translations/: {missing}"


def test_extraction_keeps_each_catalogue_to_its_own_strings():
    core = _source_messages(ROOT)
    assert "Wajib diisi." in core  # app/forms.py, lazy _l()
    assert "Lupa kata sandi?" in core  # templates/account/login.html, _() in Jinja
    assert "Pengumuman terbaru" not in core  # the example plugin's, in its own catalogue
    notices = _source_messages(ROOT / "tests" / "example_plugin" / "kp_notices")
    assert "Pengumuman terbaru" in notices and "Wajib diisi." not in notices
    assert not any(".venv" in where for places in core.values() for where in places)


@pytest.mark.parametrize("folder", CATALOGUES, ids=_name)
def test_every_string_in_the_code_has_an_english_translation(folder):
    found = _source_messages(folder)
    english = {_ids(m)[0]: m for m in _read(catalogs.po_path(folder, "en"), locale="en") if m.id}
    missing = sorted(msgid for msgid in found if msgid not in english)
    assert not missing, "Not in {}'s English catalogue ({}):\n{}".format(
        _name(folder),
        REGENERATE,
        "\n".join(f"  {msgid!r}  ({', '.join(found[msgid])})" for msgid in missing),
    )


@pytest.mark.parametrize("folder", CATALOGUES, ids=_name)
def test_the_pot_template_matches_the_code(folder):
    found = set(_source_messages(folder))
    template = {m.id for m in _read(folder / "translations" / "messages.pot") if m.id}
    template = {msgid[0] if isinstance(msgid, tuple) else msgid for msgid in template}
    assert not (found - template), f"New strings missing from messages.pot; {REGENERATE}:\n" + (
        "\n".join(f"  {msgid!r}" for msgid in sorted(found - template))
    )
    assert not (template - found), f"Strings no longer in the code; {REGENERATE}:\n" + (
        "\n".join(f"  {msgid!r}" for msgid in sorted(template - found))
    )


@pytest.mark.parametrize("folder", CATALOGUES, ids=_name)
def test_every_english_translation_is_complete_and_keeps_its_placeholders(folder):
    template = [m for m in _read(folder / "translations" / "messages.pot") if m.id]
    english = {m.id: m for m in _read(catalogs.po_path(folder, "en"), locale="en") if m.id}
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
    assert not problems, f"{_name(folder)} English catalogue problems:\n" + "\n".join(problems)


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


def test_a_lang_parameter_shows_that_language_without_changing_the_choice(client):
    # A shared link to an English page (?lang=en) opens in English for whoever follows it,
    # and leaves their own language alone on the next page.
    html = _html(client.get("/masuk?lang=en"))
    assert '<html lang="en">' in html
    assert "Sign in" in html
    assert "kp_lang" not in (client.get("/masuk?lang=en").headers.get("Set-Cookie") or "")
    html = _html(client.get("/masuk"))
    assert '<html lang="id">' in html
    assert '<html lang="id">' in _html(client.get("/masuk?lang=fr"))


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
