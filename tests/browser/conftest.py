"""Real-browser fixtures: the app on a live HTTP server, driven by Debian's chromium.

`live_server` builds the app on a fresh SQLite file (the 27 kelurahan seeded, CSRF on, the
vendored Leaflet/htmx served locally) and serves it on 127.0.0.1 from a background thread.
`new_page()` opens a phone-sized page in its own browser context (its own cookies); every
page is guarded: a request to any host but the live server, a console error (a Content
Security Policy violation above all) or an uncaught script error fails the test. OSM tiles
are the one outside request a page may make; they are answered with a 1x1 PNG.

Without chromium the tests skip locally and fail under CI (see tests/conftest.require).
"""

from __future__ import annotations

import base64
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from conftest import PASSWORD, make_app, make_user, require
from werkzeug.serving import make_server

from app import tenancy
from app.extensions import db

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
# A transparent 1x1 PNG: enough for Leaflet to mark the tile loaded.
TILE_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


# -- the server -----------------------------------------------------------------------------


@dataclass
class LiveServer:
    url: str
    app: object

    @contextmanager
    def data(self) -> Iterator[None]:
        """An app context for reading and writing rows from the test, across kelurahan."""
        with self.app.app_context(), tenancy.all_kelurahan():
            try:
                yield
            finally:
                db.session.remove()

    def user(self, role: str | None = "warga", kelurahan_slug: str = "kauman", **kwargs) -> dict:
        """Create a user (password PASSWORD) and return what a browser needs to sign in."""
        with self.data():
            user = make_user(role, kelurahan_slug, **kwargs)
            return {
                "id": user.id,
                "identifier": user.email or user.phone,
                "name": user.display_name,
            }


@contextmanager
def serve_app(root, seed: Callable[[], object] | None = None) -> Iterator[LiveServer]:
    """The app on a fresh SQLite file under `root`, the 27 kelurahan seeded (then `seed()`,
    inside a request context), served from a background thread until the block ends."""
    from app.seed import seed_kelurahan

    app = make_app(
        f"sqlite:///{root / 'browser.db'}",
        root,
        KP_ASSETS="local",
        WTF_CSRF_ENABLED=True,
        SESSION_COOKIE_SECURE=False,
        REMEMBER_COOKIE_SECURE=False,
    )
    with app.app_context():
        db.create_all()
        seed_kelurahan()
        if seed is not None:
            with app.test_request_context():
                seed()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Links in messages and share texts point at the public address: here, this server.
    app.config["KP_PUBLIC_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    with serve_app(tmp_path_factory.mktemp("browser")) as server:
        yield server


# -- the browser ----------------------------------------------------------------------------


def chromium_path() -> str | None:
    return os.environ.get("KP_TEST_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    require(
        bool(executable) and os.path.exists(executable),
        "chromium not found (set KP_TEST_CHROMIUM or install Debian's chromium)",
    )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - the test extra installs it
        require(False, "playwright is not installed")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=executable, args=LAUNCH_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@dataclass
class Guard:
    """What a page did that a test must not tolerate."""

    origin: str
    external: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    @property
    def csp_violations(self) -> list[str]:
        return [m for m in self.console_errors if "Content Security Policy" in m]

    def route(self, route) -> None:
        url = route.request.url
        if url.startswith(self.origin + "/") or url == self.origin:
            route.continue_()
        elif urlsplit(url).hostname == "tile.openstreetmap.org":
            route.fulfill(status=200, content_type="image/png", body=TILE_PNG)
        else:
            self.external.append(url)
            route.abort("blockedbyclient")

    def on_console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} (at {message.location.get('url')})")

    def on_page_error(self, error) -> None:
        self.page_errors.append(str(error))

    def clear(self) -> None:
        self.external.clear()
        self.console_errors.clear()
        self.page_errors.clear()

    def problems(self) -> list[str]:
        return (
            [f"tried to reach the internet: {u}" for u in self.external]
            + [f"CSP violation: {m}" for m in self.csp_violations]
            + [f"console error: {m}" for m in self.console_errors if m not in self.csp_violations]
            + [f"uncaught script error: {e}" for e in self.page_errors]
        )


GUARDS = pytest.StashKey[list]()


@pytest.fixture
def new_page(browser, live_server, request) -> Iterator[Callable]:
    """new_page() → a fresh guarded page in its own context (own cookies), phone-sized."""
    contexts = []
    request.node.stash[GUARDS] = []

    def open_page():
        context = browser.new_context(
            locale="id-ID",
            timezone_id="Asia/Jakarta",
            viewport=PHONE,
            base_url=live_server.url,
            service_workers="block",
        )
        contexts.append(context)
        guard = Guard(live_server.url)
        request.node.stash[GUARDS].append(guard)
        context.route("**/*", guard.route)
        page = context.new_page()
        page.on("console", guard.on_console)
        page.on("pageerror", guard.on_page_error)
        page.guard = guard
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After a passing browser test, fail it if any of its pages misbehaved."""
    result = yield
    problems = [p for guard in item.stash.get(GUARDS, []) for p in guard.problems()]
    if problems:
        pytest.fail("The page misbehaved:\n" + "\n".join(problems), pytrace=False)
    return result


# -- helpers shared by the browser tests ------------------------------------------------------


@pytest.fixture
def sign_in():
    """sign_in(page, identifier) signs in through the form, the way a resident does."""
    from playwright.sync_api import expect

    def submit(page, identifier: str, password: str = PASSWORD) -> None:
        page.goto("/masuk")
        page.get_by_label("E-mail atau nomor HP").fill(identifier)
        page.get_by_label("Kata sandi").fill(password)
        page.get_by_role("button", name="Masuk").click()
        expect(page.get_by_text("Selamat datang,")).to_be_visible()

    return submit
