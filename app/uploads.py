"""Photos chosen in a form are never lost to a form error.

A browser cannot put a file back into a file input, so a refused POST used to drop every
photo the person chose. `PhotoUploads` keeps them on the server instead: each valid photo
of a POST is re-encoded at once (app.imaging) and stored as a non-public `Media` with a
`PendingUpload` row (its uploader, kelurahan and form). The form shown again carries their
ids in hidden inputs, with a thumbnail and a "remove" checkbox each (macros/photos.html),
so the next POST claims them back; the view that finally saves the item attaches them and
calls `used()`, which deletes the pending rows in the same transaction.

A field of documents (a scanned KTP, a letter from the RT) also takes PDFs when given
`pdf=`, the plugin's checker: it gets the file's bytes and returns the bytes to store (a
rewritten, script-free PDF) or raises ValueError with the message for the field. Such files
are stored as non-public Media of type application/pdf and served by the plugin itself.

    form = ReportForm()
    photos = PhotoUploads(form.photos, "reports.new", max_count=3, subdir="reports")
    valid = form.validate_on_submit()
    if photos.receive(form) and valid:  # call before changing any row: it commits
        for media in photos.media:       # kept photos first, then the new ones
            ...attach media...
        photos.used()
        db.session.commit()

`attach()` does the usual middle part: a thumbnail of each photo, handed with it to the
plugin's function that makes its photo row, then `used()`.

Only the uploader's own pending rows of the same kelurahan and form are claimed; any other
id in the POST is ignored. Pending files are served to their uploader only (the core's
`kp_media_visible`), and `flask kp media gc` removes pending rows older than a day with
their Media rows and files.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import IO

from flask import g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from .extensions import db
from .imaging import ImageRejected
from .input_guard import parse_id
from .media import save_document, save_upload
from .models import Media, PendingUpload, utcnow
from .storage import Delivery, storage
from .tenancy import all_kelurahan

log = logging.getLogger(__name__)

KEEP = timedelta(hours=24)
PER_USER = 30  # pending photos one account may hold in a kelurahan; the oldest go first
MAX_NAME = 60  # a file name shown in an error message is cut to this


class PhotoUploads:
    """The photos of one file field (`FileField` or `MultipleFileField`) of a form, kept
    across refused POSTs. `form_key` names the form (add the item's id when editing one:
    "umkm.product.12"); `max_count` is how many photos the form may still add (a logo: 1);
    `too_many(room)` gives the message when more were chosen than there is room for. The
    field gets `.pending` (the kept rows, for the template) and `.max_count`."""

    def __init__(
        self,
        field,
        form_key: str,
        *,
        max_count: int,
        subdir: str = "",
        max_side: int | None = None,
        too_many: Callable[[int], object] | None = None,
        pdf: Callable[[bytes], bytes] | None = None,
        max_pdf_bytes: int = 5 * 1024 * 1024,
    ):
        self.field = field
        self.pdf = pdf
        self.max_pdf_bytes = max_pdf_bytes
        self.form_key = form_key[:80]
        self.max_count = max(0, max_count)
        self.subdir = subdir
        self.max_side = max_side
        self.too_many = too_many
        self.pending: list[PendingUpload] = []
        field.pending = self.pending
        field.max_count = self.max_count
        field.takes_pdf = pdf is not None

    # -- names of the inputs macros/photos.html renders ----------------------------------------

    @property
    def keep_name(self) -> str:
        return f"{self.field.name}-pending"

    @property
    def remove_name(self) -> str:
        return f"{self.field.name}-remove"

    # -- the POST ------------------------------------------------------------------------------

    @property
    def media(self) -> list[Media]:
        """The photos to attach, in the order chosen: kept ones, then this POST's."""
        return [row.media for row in self.pending]

    def new_files(self) -> list:
        data = self.field.data
        files = data if isinstance(data, list) else [data]
        return [f for f in files if getattr(f, "filename", "")]

    def receive(self, form) -> bool:
        """On a POST of a signed-in person that passed the CSRF check: drop the photos they
        removed, claim the kept ones, store this POST's valid photos as pending (within
        `max_count`), and commit. False, with errors on the field, when a photo was refused
        or there were too many. Call it before the view changes any row."""
        if not form.is_submitted() or not current_user.is_authenticated:
            return True
        user_id = current_user.id
        claimed = self._claimed(user_id)
        csrf = getattr(form, "csrf_token", None)
        if csrf is not None and csrf.errors:
            self.pending[:] = claimed  # shown again; nothing stored or removed for this POST
            return False
        removed_ids = {parse_id(v) for v in request.form.getlist(self.remove_name)}
        dropped = [row for row in claimed if row.id in removed_ids]
        kept = [row for row in claimed if row.id not in removed_ids]
        files = self.new_files()
        replaced: list[PendingUpload] = []
        if self.max_count == 1 and files:
            replaced, kept = kept, []  # a single photo (a logo): a new one replaces it
        ok = True
        room = self.max_count - len(kept)
        if len(files) > max(room, 0):
            self._error(self._too_many_message(room))
            files, ok = files[: max(room, 0)], False
        stored: list[Media] = []
        for upload in files:
            try:
                if self.pdf is not None and _is_pdf(upload):
                    media = self._save_pdf(upload)
                else:
                    media = save_upload(
                        upload,
                        kelurahan=g.kelurahan,
                        subdir=self.subdir,
                        **({"max_side": self.max_side} if self.max_side else {}),
                    )
            except ImageRejected as exc:
                name = (upload.filename or "").rsplit("/", 1)[-1][:MAX_NAME]
                self._error(_l("%(name)s: %(reason)s", name=name, reason=exc.message))
                ok = False
                continue
            media.public = False  # nothing shows it yet
            stored.append(media)
            row = PendingUpload(media=media, user_id=user_id, form_key=self.form_key)
            db.session.add(row)
            kept.append(row)
        if stored:
            dropped += replaced
        else:
            kept = replaced + kept  # the new one was refused: keep the one we had
        dropped += self._over_cap(user_id, keep={id(row) for row in kept})
        gone = [row.media.relpath for row in dropped]
        for row in dropped:
            db.session.delete(row)
            db.session.delete(row.media)
        if stored or dropped:
            new_paths = [media.relpath for media in stored]
            try:
                db.session.commit()
            except Exception:
                db.session.rollback()
                _remove_files(new_paths)
                raise
            _remove_files(gone)
        self.pending[:] = kept
        return ok

    def _save_pdf(self, upload) -> Media:
        data = upload.stream.read(self.max_pdf_bytes + 1)
        try:
            cleaned = self.pdf(data)
        except ValueError as exc:
            raise ImageRejected(getattr(exc, "message", None) or str(exc)) from exc
        return save_document(
            cleaned,
            content_type="application/pdf",
            suffix="pdf",
            kelurahan=g.kelurahan,
            subdir=self.subdir,
        )

    def used(self) -> None:
        """The photos now belong to the saved item: forget them as pending, in the view's
        transaction (the view commits)."""
        for row in self.pending:
            db.session.delete(row)

    def attach(
        self,
        add: Callable[[Media, Media, int], None],
        *,
        start: int,
        thumb_side: int,
        stored: list[Media],
    ) -> bool:
        """Give each photo (the kept ones, then this POST's) a thumbnail at most
        `thumb_side` px wide and call `add(full, thumb, position)`, positions counting from
        `start` (the item's photos so far). The thumbnails are appended to `stored`, for the
        view to delete should its commit fail. False, with the field's error, when the
        server refused one (busy with other photos); otherwise the photos stop being
        pending (`used()`), in the view's transaction."""
        try:
            for offset, full in enumerate(self.media):
                with open_media(full) as original:
                    thumb = save_upload(
                        original, kelurahan=g.kelurahan, subdir=self.subdir, max_side=thumb_side
                    )
                stored.append(thumb)
                add(full, thumb, start + offset)
        except ImageRejected as exc:
            self._error(exc.message)
            return False
        self.used()
        return True

    def _claimed(self, user_id: int) -> list[PendingUpload]:
        ids = [parse_id(v) for v in request.form.getlist(self.keep_name)]
        ids = list(dict.fromkeys(i for i in ids if i is not None))[:50]
        if not ids:
            return []
        # The session is scoped to the current kelurahan: another kelurahan's row is not found.
        rows = db.session.execute(
            select(PendingUpload).where(
                PendingUpload.id.in_(ids),
                PendingUpload.user_id == user_id,
                PendingUpload.form_key == self.form_key,
            )
        ).scalars()
        by_id = {row.id: row for row in rows}
        return [by_id[i] for i in ids if i in by_id]

    def _over_cap(self, user_id: int, keep: set[int]) -> list[PendingUpload]:
        """The account's oldest pending rows beyond PER_USER (never those of this form)."""
        rows = list(
            db.session.execute(
                select(PendingUpload)
                .where(PendingUpload.user_id == user_id)
                .order_by(PendingUpload.created_at.desc(), PendingUpload.id.desc())
            ).scalars()
        )
        others = [row for row in rows if id(row) not in keep]
        room = max(PER_USER - len(keep), 0)
        return others[room:]

    def _too_many_message(self, room: int):
        if self.too_many is not None:
            return self.too_many(room)
        if self.max_count == 0:
            return _l("Tidak bisa menambah foto lagi.")
        return _l("Paling banyak %(n)s foto. Foto selebihnya tidak disimpan.", n=self.max_count)

    def _error(self, message) -> None:
        self.field.errors = [*self.field.errors, message]


def _is_pdf(upload) -> bool:
    """Sent as a PDF, named one, or starting like one: the PDF checker decides the rest."""
    head = upload.stream.read(5)
    upload.stream.seek(0)
    name = (upload.filename or "").lower()
    return head == b"%PDF-" or upload.mimetype == "application/pdf" or name.endswith(".pdf")


# -- serving, reading and cleaning up --------------------------------------------------------


def private_file(media: Media, download_name: str):
    """Send a non-public upload to someone the plugin already checked may see it: never
    stored by the browser or a proxy, never guessed as another type, never run as a page."""
    from flask import abort

    delivery = Delivery(media.content_type, public=False, download_name=download_name)
    try:
        response = storage().serve(media.relpath, delivery)
    except FileNotFoundError:
        abort(404)  # its row outlived the file (a restore without media, a disk cleaned)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def pending_visible(media: Media, user) -> bool | None:
    """For `kp_media_visible`: a pending photo is seen by its uploader only; None for a
    file that is not pending."""
    uploader = db.session.execute(
        select(PendingUpload.user_id).where(PendingUpload.media_id == media.id)
    ).scalar_one_or_none()
    if uploader is None:
        return None
    return user is not None and uploader == user.id


@contextlib.contextmanager
def open_media(media: Media) -> Iterator[IO[bytes]]:
    """The stored file of `media`, opened for reading (to make a thumbnail of a kept photo)."""
    with storage().open(media.relpath) as f:
        yield f


def _remove_files(relpaths) -> None:
    for relpath in relpaths:
        try:
            storage().delete(relpath)
        except Exception:  # cleanup must not hide what brought us here
            log.warning("could not remove a pending upload's file", exc_info=True)


def prune(older_than: timedelta = KEEP, *, dry_run: bool = False) -> list[str]:
    """Delete pending uploads older than `older_than` with their Media rows, commit, then
    their files; returns the relpaths removed (or that would be, with `dry_run`)."""
    with all_kelurahan():
        rows = list(
            db.session.execute(
                select(PendingUpload).where(PendingUpload.created_at < utcnow() - older_than)
            ).scalars()
        )
        gone = [row.media.relpath for row in rows]
        if dry_run:
            return gone
        for row in rows:
            db.session.delete(row)
            db.session.delete(row.media)
        db.session.commit()
    _remove_files(gone)
    return gone
