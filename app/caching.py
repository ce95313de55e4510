"""Caching: Flask-Caching for costly hook answers, and stamps that tell every worker at once
that something changed.

A *stamp* is a short random token under a name (`config`, `k12`, `k12:reports`). Changing
the token invalidates whatever was computed under the old one, in every process:

* `config`: kelurahan identity, plugin switches and settings, permission grants. Each
  process keeps these in memory and reloads them when the token moves.
* `k<id>`: everything cached for one kelurahan (core events such as a verified group).
* `k<id>:<plugin>`: one plugin's cached answers in one kelurahan (its own events).
* `city:<plugin>`: one plugin's answers that read every kelurahan (its city pages); moved
  by the plugin's events in any kelurahan.

Stamps live in Redis when `REDIS_URL` is set (several hosts), otherwise in small files under
`KP_STAMP_DIR` (several workers of one host see them too). Cache keys include the stamps,
so an entry computed before a change is never read after it; entries also expire after
`CACHE_DEFAULT_TIMEOUT` seconds, which bounds figures that age by themselves ("this month").

A change bumps its stamps only after its transaction commits (`bump_after_commit`): a worker
that reloads between the bump and the commit would otherwise cache the old rows under the
new token.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from flask import Flask, current_app, has_app_context, has_request_context, request
from flask_caching import Cache
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

cache = Cache()

CONFIG = "config"
PENDING_KEY = "kp_pending_bumps"


def kelurahan_stamp(kelurahan_id: int) -> str:
    return f"k{kelurahan_id}"


def plugin_stamp(kelurahan_id: int, plugin_id: str) -> str:
    return f"k{kelurahan_id}:{plugin_id}"


def plugin_city_stamp(plugin_id: str) -> str:
    return f"city:{plugin_id}"


class FileStamps:
    """Stamps as files of one directory: cheap to read, shared by the workers of one host."""

    def __init__(self, directory: str):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)

    def _path(self, name: str) -> Path:
        return self.directory / name.replace(":", "__")

    def read(self, names: list[str]) -> list[str]:
        values = []
        for name in names:
            try:
                values.append(self._path(name).read_text())
            except FileNotFoundError:
                values.append("0")
        return values

    def bump(self, names) -> None:
        for name in names:
            path = self._path(name)
            tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
            tmp.write_text(secrets.token_hex(6))
            os.replace(tmp, path)  # atomic: a reader sees the old token or the new one


class RedisStamps:
    """Stamps in Redis: one round trip for any number of them, shared by every host."""

    def __init__(self, url: str, prefix: str = "kp:"):
        import redis

        self.client = redis.Redis.from_url(url)
        self.prefix = f"{prefix}stamp:"

    def read(self, names: list[str]) -> list[str]:
        if not names:
            return []
        values = self.client.mget([self.prefix + n for n in names])
        return [v.decode() if v else "0" for v in values]

    def bump(self, names) -> None:
        pipe = self.client.pipeline(transaction=False)
        for name in names:
            pipe.incr(self.prefix + name)
        pipe.execute()


def stamps(app: Flask | None = None):
    return (app or current_app).extensions["kp_stamps"]


def read(*names: str) -> tuple[str, ...]:
    """The current tokens of `names`, read once per request (every time outside one)."""
    seen = request.environ.setdefault("kp.stamps", {}) if has_request_context() else {}
    missing = [n for n in names if n not in seen]
    if missing:
        try:
            seen.update(zip(missing, stamps().read(missing), strict=True))
        except Exception:  # the stamp store is down: compute afresh rather than fail
            log.warning("stamp store unavailable", exc_info=True)
            return tuple(secrets.token_hex(4) for _ in names)
    return tuple(seen[n] for n in names)


def bump(*names: str) -> None:
    """Move the stamps now (after a commit, or for a change outside the database)."""
    if has_request_context():
        request.environ.pop("kp.stamps", None)
    try:
        stamps().bump(names)
    except Exception:
        log.warning("stamp store unavailable; cached answers may lag", exc_info=True)


def bump_after_commit(session, *names: str) -> None:
    """Move the stamps once the session's transaction commits (dropped on rollback)."""
    session.info.setdefault(PENDING_KEY, set()).update(names)


def _install_session_events() -> None:
    if getattr(_install_session_events, "_done", False):
        return
    _install_session_events._done = True

    @event.listens_for(Session, "after_commit")
    def _after_commit(session):
        names = session.info.pop(PENDING_KEY, None)
        if names and has_app_context():
            bump(*sorted(names))

    @event.listens_for(Session, "after_soft_rollback")
    def _after_rollback(session, previous_transaction):
        if previous_transaction.parent is None:  # the outermost transaction only
            session.info.pop(PENDING_KEY, None)


def init_app(app: Flask) -> None:
    cache.init_app(app)
    redis_url = app.config.get("REDIS_URL")
    app.extensions["kp_stamps"] = (
        RedisStamps(redis_url, app.config["KP_REDIS_PREFIX"])
        if redis_url
        else FileStamps(app.config["KP_STAMP_DIR"])
    )
    _install_session_events()
