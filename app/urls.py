"""URL helpers shared by views."""

from flask import request


def safe_next(default: str) -> str:
    """The `next` target from the query or form when it is a local path, else `default`."""
    target = request.args.get("next") or request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
