"""Language choice: the user's saved choice, then the `kp_lang` cookie, else Bahasa Indonesia.

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
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in supported:
        return user_locale
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in supported:
        return cookie
    return current_app.config["BABEL_DEFAULT_LOCALE"]
