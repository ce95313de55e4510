"""`flask --app wsgi kp reports ...`

`kp reports api-key create|revoke|list` is kept for existing scripts: a thin alias of the
core's `kp api-key issue|revoke|list` for keys that post reports (scope reports.write).
"""

from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from app.kit import Kelurahan, apikeys, db, host, wib

from .models import WRITE_SCOPE

reports_cli = AppGroup("reports", help="Community reports (plugin reports).")


@reports_cli.group("api-key")
def api_key_group():
    """Open311 API keys of a kelurahan (alias of `kp api-key ... --scope reports.write`)."""


def _kelurahan(slug: str) -> Kelurahan:
    """The kelurahan with this slug, where the reports plugin is switched on."""
    row = host().kelurahan_by_slug(slug.strip().lower())
    if row is None:
        raise click.BadParameter(f"no kelurahan with slug {slug!r}", param_hint="--kelurahan")
    if not host().is_enabled(row, "reports"):
        raise click.BadParameter(
            f"the reports plugin is not enabled in {row.slug}; enable it first with "
            f"`flask kp plugins enable reports --kelurahan {row.slug}`",
            param_hint="--kelurahan",
        )
    return row


@api_key_group.command("create")
@click.option("--kelurahan", "slug", required=True, help="Slug of the kelurahan, e.g. kauman.")
@click.option("--label", default="", help="Who or what the key is for, e.g. the app's name.")
@with_appcontext
def api_key_create(slug: str, label: str):
    """Issue a key that posts reports and print it (once: it cannot be shown again)."""
    kelurahan = _kelurahan(slug)
    key, plaintext = apikeys.issue_key(kelurahan, label or "CLI", [WRITE_SCOPE])
    db.session.commit()
    click.echo(plaintext)
    click.echo(
        f"Key {key.prefix} ({key.label}) for jurisdiction_id={kelurahan.slug}. "
        "Store it now: it is not stored and cannot be shown again.",
        err=True,
    )


@api_key_group.command("revoke")
@click.argument("prefix")
@click.option("--kelurahan", "slug", required=True, help="Slug of the kelurahan, e.g. kauman.")
@with_appcontext
def api_key_revoke(prefix: str, slug: str):
    """Revoke the key whose first 8 characters are PREFIX."""
    kelurahan = _kelurahan(slug)
    key = apikeys.find_by_prefix(kelurahan, prefix)
    if key is None:
        raise click.BadParameter(
            f"no API key {prefix!r} in {kelurahan.slug} "
            f"(see `kp api-key list --kelurahan {kelurahan.slug}`)",
            param_hint="PREFIX",
        )
    if not apikeys.revoke_key(key, kelurahan=kelurahan):
        click.echo(f"Key {key.prefix} was already revoked.")
        return
    db.session.commit()
    click.echo(f"Key {key.prefix} ({key.label}) revoked.")


@api_key_group.command("list")
@click.option("--kelurahan", "slug", required=True, help="Slug of the kelurahan, e.g. kauman.")
@with_appcontext
def api_key_list(slug: str):
    """The kelurahan's keys that post reports: prefix, status, created, label."""
    kelurahan = _kelurahan(slug)
    keys = [k for k in apikeys.keys_of(kelurahan) if k.has_scope(WRITE_SCOPE)]
    if not keys:
        click.echo(f"No API keys in {kelurahan.slug}.")
        return
    for key in keys:
        status = "active" if key.is_active else f"revoked {wib(key.revoked_at, locale='en')}"
        click.echo(f"{key.prefix}  {status:<28} {wib(key.created_at, locale='en')}  {key.label}")
