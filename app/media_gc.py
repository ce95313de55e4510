"""Removing uploaded files that no `Media` row refers to (`flask kp media gc`).

A file without a row is left by an upload whose form was refused after the image was
stored, a transaction rolled back, or a worker that died between writing and committing.
Rows are the plugins' business (a Media row no plugin row uses is theirs to clean up);
this only removes files nobody can reach.

A grace period (by the file's modification time) keeps files of uploads still in flight:
the image is written before its row is committed. Symbolic links are never followed nor
removed, so nothing outside KP_MEDIA_ROOT is ever touched.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from .extensions import db
from .models import Media


@dataclass(frozen=True)
class Orphan:
    relpath: str  # forward slashes, relative to the media root
    size_bytes: int


def referenced_relpaths() -> set[str]:
    return set(db.session.execute(select(Media.relpath)).scalars())


def find_orphans(media_root: str | Path, referenced: set[str], older_than_s: float) -> list[Orphan]:
    """Regular files under `media_root` that are not in `referenced` and were last modified
    more than `older_than_s` seconds ago, sorted by path."""
    root = Path(media_root)
    if not root.is_dir() or root.is_symlink():
        return []
    cutoff = time.time() - older_than_s
    found = []
    # os.walk does not descend into symlinked directories (followlinks=False).
    for dirpath, _dirnames, filenames in os.walk(root, followlinks=False):
        for name in filenames:
            path = Path(dirpath, name)
            stat = path.lstat()
            if path.is_symlink() or not path.is_file():
                continue
            relpath = path.relative_to(root).as_posix()
            if relpath in referenced or stat.st_mtime > cutoff:
                continue
            found.append(Orphan(relpath, stat.st_size))
    return sorted(found, key=lambda o: o.relpath)


def collect(media_root: str | Path, *, older_than_hours: float, dry_run: bool) -> list[Orphan]:
    """Remove (or with `dry_run` only list) the orphan files older than the grace period."""
    orphans = find_orphans(media_root, referenced_relpaths(), older_than_hours * 3600)
    if dry_run:
        return orphans
    removed = []
    root = Path(media_root)
    referenced = referenced_relpaths()  # again: a row may have been committed meanwhile
    for orphan in orphans:
        if orphan.relpath in referenced:
            continue
        path = root.joinpath(*orphan.relpath.split("/"))
        if path.is_symlink() or not path.is_file():
            continue
        path.unlink(missing_ok=True)
        removed.append(orphan)
    return removed
