"""`flask kp media gc`: files no Media row refers to are removed after a grace period;
nothing else is touched, and nothing outside KP_MEDIA_ROOT ever is."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from app.extensions import db as _db
from app.models import Media

DAY = 24 * 3600


def kp(app, *args):
    return app.test_cli_runner().invoke(args=["kp", *args])


def put(root: Path, relpath: str, age_s: float = 0, data: bytes = b"\xff\xd8jpeg") -> Path:
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


@pytest.fixture
def media_tree(app, tmp_path):
    """A media root with: a stored file with its row, an old orphan, a fresh orphan, and
    symlinks (to a file and to a directory) leading outside the root."""
    root = Path(app.config["KP_MEDIA_ROOT"])
    outside = tmp_path / "outside"
    files = {
        "kept": put(root, "reports/2026/01/kept.jpg", age_s=30 * DAY),
        "old": put(root, "reports/2026/01/old.jpg", age_s=2 * DAY),
        "fresh": put(root, "reports/2026/01/fresh.jpg", age_s=3600),
        "target": put(outside, "secret.txt", age_s=30 * DAY),
        "target_in_dir": put(outside, "dir/also-secret.jpg", age_s=30 * DAY),
    }
    link = root / "reports" / "link.jpg"
    link.symlink_to(files["target"])
    os.utime(link, (time.time() - 30 * DAY,) * 2, follow_symlinks=False)
    (root / "umkm").symlink_to(outside / "dir", target_is_directory=True)
    files["link"] = link
    _db.session.add(
        Media(
            relpath="reports/2026/01/kept.jpg",
            width=10,
            height=10,
            content_type="image/jpeg",
            size_bytes=6,
        )
    )
    _db.session.commit()
    return files


def test_dry_run_lists_the_old_orphan_and_removes_nothing(app, media_tree):
    result = kp(app, "media", "gc", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "would remove reports/2026/01/old.jpg" in result.output
    assert "1 orphan file(s)" in result.output
    assert all(path.exists() or path.is_symlink() for path in media_tree.values())


def test_gc_removes_only_old_files_without_a_row(app, media_tree):
    result = kp(app, "media", "gc")
    assert result.exit_code == 0, result.output
    assert "removed reports/2026/01/old.jpg" in result.output
    assert not media_tree["old"].exists()
    assert media_tree["kept"].exists(), "a file with a Media row stays"
    assert media_tree["fresh"].exists(), "an upload still in flight stays (grace period)"
    assert media_tree["link"].is_symlink(), "links are neither followed nor removed"
    assert media_tree["target"].exists() and media_tree["target_in_dir"].exists()
    for name in ("kept", "fresh", "link", "secret", "also-secret"):
        assert name not in result.output


def test_the_grace_period_is_an_option_in_hours(app, media_tree):
    result = kp(app, "media", "gc", "--older-than", "0.5", "--dry-run")
    assert result.exit_code != 0  # less than an hour would catch uploads in flight
    result = kp(app, "media", "gc", "--older-than", "1")
    assert result.exit_code == 0, result.output
    assert not media_tree["old"].exists() and not media_tree["fresh"].exists()
    assert media_tree["kept"].exists() and media_tree["target"].exists()
    result = kp(app, "media", "gc", "--older-than", "1")
    assert "0 orphan file(s)" in result.output


def test_a_missing_media_root_is_nothing_to_do(app):
    result = kp(app, "media", "gc")
    assert result.exit_code == 0, result.output
    assert "0 orphan file(s)" in result.output
