"""Language choice: a `?lang=` on the URL (a shared link to an English page stays English
for whoever opens it), then the user's saved choice, then the `kp_lang` cookie, else Bahasa
Indonesia.

The browser's Accept-Language is ignored on purpose: many phones in Pekalongan are set to
English, yet residents expect the kelurahan's site in Indonesian unless they switch.
"""

from flask import current_app, has_request_context, request
from flask_login import current_user

LANG_COOKIE = "kp_lang"


def select_locale() -> str:
    supported = current_app.config["KP_LANGUAGES"]
    if not has_request_context():  # CLI and background work speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get("lang")
    if asked in supported:
        return asked
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in supported:
        return user_locale
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in supported:
        return cookie
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _translations():
    """The request's catalogue, looked up once per request and language: templates call
    gettext dozens of times a page, and Flask-Babel resolves the language on each call."""
    from flask import g, has_app_context
    from flask_babel import get_translations

    if not has_app_context():
        return get_translations()
    cached = g.get("_kp_translations")
    locale = getattr(g.get("_flask_babel"), "babel_locale", None)
    if cached is not None and locale is not None and cached[0] is locale:
        return cached[1]
    translations = get_translations()  # resolves the language, setting babel_locale
    g._kp_translations = (getattr(g.get("_flask_babel"), "babel_locale", None), translations)
    return translations


def install_fast_gettext(app) -> None:
    """Jinja's gettext callables through `_translations()` (same texts, fewer lookups)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
