"""Entry point for gunicorn (`gunicorn wsgi:app`) and `flask --app wsgi` (what `make run` uses).

A WSGI server importing this module gets an app that refuses the built-in development
SECRET_KEY (or none), whatever KP_ENV says: with a known key anyone can forge a session. Only
the `flask` command may use it, and only in development (config.check still refuses it when
KP_ENV is anything else). The `flask` command marks its own process with FLASK_RUN_FROM_CLI
before it imports this module; gunicorn, uWSGI or waitress never do, so they fail closed.
"""

import os
import sys

from app import create_app
from app.config import ConfigError

_FLASK_COMMAND = os.environ.get("FLASK_RUN_FROM_CLI") == "true"

try:
    app = create_app({"KP_REQUIRE_SECRET_KEY": not _FLASK_COMMAND})
except ConfigError as exc:
    # One line, then exit code 4: gunicorn reads it as "App failed to load" and stops instead
    # of starting worker after worker.
    print(f"Kelurahan Pintar cannot start: {exc}", file=sys.stderr, flush=True)
    sys.exit(4)
