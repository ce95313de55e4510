"""Removing uploaded files that no `Media` row refers to (`flask kp media gc`).

A file without a row is left by an upload whose form was refused after the image was
stored, a transaction rolled back, or a worker that died between writing and committing.
Rows are the plugins' business (a Media row no plugin row uses is theirs to clean up);
this only removes files nobody can reach.

A grace period (by the file's modification time) keeps files of uploads still in flight:
the image is written before its row is committed. The files are those the storage lists
(app.storage): in the folder, symbolic links are never followed nor removed, so nothing
outside KP_MEDIA_ROOT is ever touched.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select

from .extensions import db
from .models import Media
from .storage import Storage


@dataclass(frozen=True)
class Orphan:
    relpath: str  # forward slashes, relative to the media root
    size_bytes: int


def referenced_relpaths() -> set[str]:
    return set(db.session.execute(select(Media.relpath)).scalars())


def find_orphans(store: Storage, referenced: set[str], older_than_s: float) -> list[Orphan]:
    """Stored files that are not in `referenced` and were last modified more than
    `older_than_s` seconds ago, sorted by path."""
    cutoff = time.time() - older_than_s
    return [
        Orphan(f.relpath, f.size_bytes)
        for f in store.files()
        if f.relpath not in referenced and f.modified <= cutoff
    ]


def collect(store: Storage, *, older_than_hours: float, dry_run: bool) -> list[Orphan]:
    """Remove (or with `dry_run` only list) the orphan files older than the grace period."""
    orphans = find_orphans(store, referenced_relpaths(), older_than_hours * 3600)
    if dry_run:
        return orphans
    removed = []
    referenced = referenced_relpaths()  # again: a row may have been committed meanwhile
    for orphan in orphans:
        if orphan.relpath in referenced:
            continue
        store.delete(orphan.relpath)
        removed.append(orphan)
    return removed
