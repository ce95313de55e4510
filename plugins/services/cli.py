"""`flask --app wsgi kp services purge`: the retention rule of UU PDP, run from cron.

Finished requests (done, refused, cancelled) older than the kelurahan's retention period
lose their documents and personal fields. Kept: the letter type, the dates (the service
times do not change), the number, the verification token and the masked name (a QR code
on a letter still answers "asli")."""

from __future__ import annotations

from datetime import timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.kit import (
    audit,
    db,
    host,
    plugin_settings,
    remove_media_files,
    scoped_to,
    utcnow,
)

from . import personal
from .models import FINISHED, Request

services_cli = AppGroup("services", help="Letter services (plugin services).")

BATCH = 200


def _every_kelurahan():
    """Every kelurahan, the plugin on or off there: a switched-off kelurahan's requests are
    kept, so they must still be purged and re-encrypted."""
    return sorted(host().all_kelurahan(), key=lambda k: k.slug)


def purge(kelurahan, *, now=None, dry_run: bool = False) -> int:
    """Purge one kelurahan's expired requests; the number purged (or due, on a dry run)."""
    now = now or utcnow()
    days = int(plugin_settings("services", kelurahan).get("retention_days") or 365)
    cutoff = now - timedelta(days=days)
    done = 0
    with scoped_to(kelurahan.id):
        while True:
            rows = list(
                db.session.execute(
                    select(Request)
                    .where(
                        Request.status.in_([s.value for s in FINISHED]),
                        Request.closed_at < cutoff,
                        Request.purged_at.is_(None),
                    )
                    .order_by(Request.id)
                    .limit(BATCH)
                ).scalars()
            )
            if not rows or dry_run:
                return done + (len(rows) if dry_run else 0)
            gone = []
            for req in rows:
                for doc in list(req.documents):
                    gone.append(doc.media)
                    req.documents.remove(doc)
                    db.session.delete(doc.media)
                req.full_name = req.nik_token = req.nik_hash = None
                req.birth_place = req.birth_date = req.sex = req.address = None
                req.rt = req.rw = req.purpose = None
                req.values = None
                req.letter_body = None
                req.note = ""
                for step in req.steps:  # a fix note may quote a personal detail
                    step.note = ""
                req.purged_at = now
                audit(
                    "services.purged", "services_request", req.id, kelurahan=kelurahan, actor=None
                )
            db.session.commit()
            remove_media_files(gone)
            done += len(rows)


def rotate(kelurahan) -> int:
    """Re-encrypt one kelurahan's NIKs under the newest key of KP_SERVICES_KEYS, and renew
    their lookup hashes (KP_SERVICES_LOOKUP_KEY may have changed too)."""
    done = 0
    with scoped_to(kelurahan.id):
        rows = db.session.execute(
            select(Request).where(Request.nik_token.is_not(None)).order_by(Request.id)
        ).scalars()
        for req in rows:
            req.nik_hash = personal.lookup_hash(personal.decrypt(req.nik_token))
            req.nik_token = personal.rotate(req.nik_token)
            done += 1
        db.session.commit()
    return done


@services_cli.command("rotate-keys")
def rotate_command() -> None:
    """After putting a new key first in KP_SERVICES_KEYS: re-encrypt every stored NIK with
    it. The old key can leave the list once this has run everywhere."""
    total = sum(rotate(kelurahan) for kelurahan in _every_kelurahan())
    click.echo(f"{total} NIK(s) re-encrypted with the newest key.")


@services_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count what would be purged.")
def purge_command(dry_run: bool) -> None:
    """Delete documents and personal fields of finished requests past their retention."""
    total = 0
    for kelurahan in _every_kelurahan():
        n = purge(kelurahan, dry_run=dry_run)
        if n:
            click.echo(f"{kelurahan.slug}: {n} {'due' if dry_run else 'purged'}")
        total += n
    click.echo(f"{total} request(s) {'due for purge' if dry_run else 'purged'}.")
