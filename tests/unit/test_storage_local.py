"""The folder backend: behind nginx the app answers with the internal location only, and
nothing outside the folder is ever listed, read or removed."""

from __future__ import annotations

import os

import pytest

from app.storage import Delivery, LocalStorage


def test_behind_nginx_the_folder_is_sent_by_nginx(tmp_path):
    store = LocalStorage(tmp_path, accel="/_media/")
    store.save("reports/2026/12/a.jpg", b"\xff\xd8foto", "image/jpeg")
    answer = store.serve("reports/2026/12/a.jpg", Delivery("image/jpeg", public=True))
    assert answer.headers["X-Accel-Redirect"] == "/_media/reports/2026/12/a.jpg"
    assert answer.headers["Cache-Control"] == "public, max-age=2592000"
    assert answer.get_data() == b""
    private = store.serve("reports/2026/12/a.jpg", Delivery("image/jpeg", public=False))
    assert private.headers["Cache-Control"] == "private, no-store"
    with pytest.raises(FileNotFoundError):
        store.serve("reports/2026/12/tidak-ada.jpg", Delivery("image/jpeg", public=True))


def test_links_and_temp_files_are_not_files_of_the_store(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("rahasia")
    store = LocalStorage(tmp_path / "media")
    store.save("a/b.jpg", b"ok", "image/jpeg")
    (tmp_path / "media" / "a" / "link.jpg").symlink_to(outside)
    (tmp_path / "media" / "a" / ".half.tmp").write_bytes(b"half")
    assert [f.relpath for f in store.files()] == ["a/b.jpg"]
    assert not store.exists("a/link.jpg")
    store.delete("a/link.jpg")
    assert outside.exists() and os.path.islink(tmp_path / "media" / "a" / "link.jpg")
