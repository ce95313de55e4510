"""`flask --app wsgi kp ...`: seed, users, plugins."""

from __future__ import annotations

import logging

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from . import seed as seeding
from . import tenancy
from .extensions import db
from .models import Kelurahan, Role, RoleAssignment, User
from .passwords import hash_password, password_problem
from .plugins import host

log = logging.getLogger(__name__)


@click.group()
def kp():
    """Kelurahan Pintar administration."""


def group_for(plugin_commands) -> click.Group:
    """This app's `kp` group: the core's commands and its plugins' (each app its own, so
    plugins of one app never show up in another)."""
    group = click.Group("kp", help=kp.help, commands=dict(kp.commands))
    for command in plugin_commands:
        group.add_command(command)
    return group


@kp.command("seed")
@click.option("--demo", is_flag=True, help="Also create demo accounts, groups and content.")
@with_appcontext
def seed_command(demo: bool):
    """Load the 27 kelurahan of Kota Pekalongan (and the demo set with --demo)."""
    count = seeding.seed_kelurahan()
    click.echo(f"{count} kelurahan loaded.")
    if demo:
        accounts = seeding.seed_demo()
        click.echo("Demo accounts (Kelurahan Kauman):")
        for role, email, password in accounts:
            click.echo(f"  {role:<11} {email:<40} {password}")


@kp.group("user")
def user_group():
    """Manage accounts."""


def _kelurahan(slug: str) -> Kelurahan:
    row = db.session.execute(select(Kelurahan).where(Kelurahan.slug == slug)).scalar_one_or_none()
    if row is None:
        raise click.BadParameter(f"no kelurahan with slug {slug!r}", param_hint="--kelurahan")
    return row


@user_group.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True)
@click.option("--name", required=True)
@click.option(
    "--role", type=click.Choice(["warga", "petugas", "admin", "admin_kota"]), default="warga"
)
@click.option("--kelurahan", "slug", help="Home kelurahan (required except for admin_kota).")
@with_appcontext
def user_create(email: str, password: str, name: str, role: str, slug: str | None):
    """Create an account, or give an existing one the role."""
    from .forms import normalize_email

    try:
        email = normalize_email(email)
    except Exception as exc:
        raise click.BadParameter(str(exc), param_hint="--email") from None
    if role != "admin_kota" and not slug:
        raise click.UsageError("--kelurahan is required for warga, petugas and admin")
    home = (
        _kelurahan(slug)
        if slug
        else db.session.execute(select(Kelurahan).order_by(Kelurahan.code)).scalars().first()
    )
    if home is None:
        raise click.UsageError("no kelurahan yet: run `flask kp seed` first")
    user = db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if user is None:
        problem = password_problem(password, context=[email, name])
        if problem:
            raise click.BadParameter(str(problem), param_hint="--password")
        user = User(
            email=email,
            display_name=name,
            password_hash=hash_password(password),
            home_kelurahan=home,
        )
        db.session.add(user)
    if role == "admin_kota":
        user.is_city_admin = True
    else:
        assignment = user.role_in(home)
        if assignment is None:
            user.roles.append(RoleAssignment(kelurahan=home, role=role))
        else:
            assignment.role = Role(role).value
    db.session.commit()
    click.echo(f"{email}: {role}" + (f" in {home.slug}" if role != "admin_kota" else ""))


@kp.group("plugins", invoke_without_command=True)
@click.pass_context
@with_appcontext
def plugins_group(ctx):
    """List installed plugins and where they are enabled."""
    if ctx.invoked_subcommand is not None:
        return
    kp_host = host()
    rows = db.session.execute(select(Kelurahan).order_by(Kelurahan.name)).scalars().all()
    for manifest in sorted(kp_host.manifests.values(), key=lambda m: (m.dimension, m.id)):
        where = [k.slug for k in rows if kp_host.is_enabled(k, manifest.id)]
        click.echo(
            f"{manifest.id:<16} {manifest.dimension:<12} v{manifest.version:<8} "
            f"{str(manifest.name)}: " + (", ".join(where) if where else "(not enabled anywhere)")
        )


def _switch(plugin_id: str, slug: str | None, every: bool, enabled: bool) -> None:
    kp_host = host()
    if plugin_id not in kp_host.manifests:
        raise click.BadParameter(f"no plugin {plugin_id!r}; see `flask kp plugins`")
    if bool(slug) == every:
        raise click.UsageError("give exactly one of --kelurahan SLUG or --all")
    targets = (
        db.session.execute(select(Kelurahan).order_by(Kelurahan.name)).scalars().all()
        if every
        else [_kelurahan(slug)]
    )
    for kelurahan in targets:
        error = kp_host.set_enabled(kelurahan, plugin_id, enabled)
        if error:
            db.session.rollback()
            raise click.ClickException(f"{kelurahan.slug}: {error}")
    db.session.commit()
    for kelurahan in targets:
        kp_host.emit_switch(kelurahan, plugin_id, enabled)
    state = "enabled" if enabled else "disabled"
    click.echo(f"{plugin_id} {state} in {', '.join(k.slug for k in targets)}")


@plugins_group.command("enable")
@click.argument("plugin_id")
@click.option("--kelurahan", "slug")
@click.option("--all", "every", is_flag=True)
@with_appcontext
def plugins_enable(plugin_id, slug, every):
    """Switch a plugin on for one kelurahan or all."""
    _switch(plugin_id, slug, every, True)


@plugins_group.command("disable")
@click.argument("plugin_id")
@click.option("--kelurahan", "slug")
@click.option("--all", "every", is_flag=True)
@with_appcontext
def plugins_disable(plugin_id, slug, every):
    """Switch a plugin off for one kelurahan or all."""
    _switch(plugin_id, slug, every, False)


@kp.group("outbox")
def outbox_group():
    """Messages kept in the outbox."""


@outbox_group.command("retry")
@click.option(
    "--max-attempts",
    default=5,
    show_default=True,
    help="Give up on a message after this many attempts.",
)
@with_appcontext
def outbox_retry(max_attempts: int):
    """Send again every message whose delivery failed (run it from cron)."""
    from .mail import retry_failed

    delivered, failing, skipped = retry_failed(max_attempts)
    click.echo(f"{delivered} delivered, {failing} still failing, {skipped} not retried")
    if skipped:
        click.echo(
            "not retried: over --max-attempts, or a one-time link kept masked "
            "(the user asks for a new one)"
        )


@kp.group("media")
def media_group():
    """Uploaded files (KP_MEDIA_ROOT, or the S3 bucket with KP_STORAGE=s3)."""


@media_group.command("gc")
@click.option(
    "--older-than",
    "hours",
    type=click.FloatRange(min=1),
    default=24,
    show_default=True,
    help="Only files last modified more than this many hours ago (uploads in flight stay).",
)
@click.option("--dry-run", is_flag=True, help="List what would be removed; remove nothing.")
@with_appcontext
def media_gc(hours: float, dry_run: bool):
    """Remove files that no Media row refers to, and photos kept for refused forms more
    than a day ago with their rows (run it from cron)."""
    from .media_gc import collect
    from .storage import storage
    from .uploads import prune

    verb = "would remove" if dry_run else "removed"
    pending = prune(dry_run=dry_run)
    click.echo(f"{len(pending)} pending upload(s) older than a day {verb}")
    orphans = collect(storage(), older_than_hours=hours, dry_run=dry_run)
    for orphan in orphans:
        click.echo(f"{verb} {orphan.relpath} ({orphan.size_bytes} bytes)")
    total = sum(o.size_bytes for o in orphans)
    click.echo(f"{len(orphans)} orphan file(s), {total} bytes {verb}")


@media_group.command("migrate")
@click.option(
    "--to",
    "target",
    type=click.Choice(["s3", "local"]),
    required=True,
    help="Where the files go: the S3 bucket (KP_S3_*) or the folder (KP_MEDIA_ROOT).",
)
@with_appcontext
def media_migrate(target: str):
    """Copy every stored file to the other storage, checking each copy, so the city can
    switch KP_STORAGE afterwards. Files already there with the same size are skipped;
    nothing is removed from the source (remove it once the site runs on the target)."""
    from flask import current_app

    from .storage import build

    config = dict(current_app.config)
    source = build({**config, "KP_STORAGE": "local" if target == "s3" else "s3"})
    if target == "s3" and not config.get("KP_S3_BUCKET"):
        raise click.UsageError("set KP_S3_BUCKET (and KP_S3_ENDPOINT_URL for a non-AWS store)")
    destination = build({**config, "KP_STORAGE": target})
    there = {f.relpath: f.size_bytes for f in destination.files()}
    copied = skipped = 0
    for stored in source.files():
        if there.get(stored.relpath) == stored.size_bytes:
            skipped += 1
            continue
        with source.open(stored.relpath) as f:
            data = f.read()
        destination.save(stored.relpath, data, _content_type(stored.relpath))
        with destination.open(stored.relpath) as f:
            if f.read() != data:
                raise click.ClickException(f"copy of {stored.relpath} differs; stopped")
        copied += 1
    click.echo(f"{copied} file(s) copied to {target}, {skipped} already there")


def _content_type(relpath: str) -> str:
    import mimetypes

    return mimetypes.guess_type(relpath)[0] or "application/octet-stream"


@kp.group("jobs")
def jobs_group():
    """What cron runs."""


# The core's regular work, in order: deliveries first, then the day's figures.
CORE_JOBS = (("outbox", "retry"), ("media", "gc"), ("metrics", "snapshot"))


@jobs_group.command("run")
@click.pass_context
@with_appcontext
def jobs_run(ctx: click.Context):
    """Run every scheduled job once: the outbox retry, media gc, the metrics snapshot and
    each installed plugin's scheduled commands (Manifest.scheduled). Every job is safe to
    run again or on two hosts at once; one failing does not stop the others (exit 1)."""
    kp_group = ctx.parent.parent.command
    jobs = list(CORE_JOBS)
    for manifest in host().manifests.values():
        jobs.extend((manifest.id, name) for name in manifest.scheduled)
    failed = []
    for path in jobs:
        name = " ".join(path)
        command = kp_group
        for part in path:
            command = command.get_command(ctx, part) if command is not None else None
        if command is None:
            click.echo(f"[{name}] missing", err=True)
            failed.append(name)
            continue
        click.echo(f"[{name}]")
        try:
            command.main(args=[], prog_name=f"flask kp {name}", standalone_mode=False, obj=ctx.obj)
        except Exception as exc:  # one job's failure is reported, the others still run
            log.exception("scheduled job %s failed", name)
            click.echo(f"[{name}] failed: {exc.__class__.__name__}: {exc}", err=True)
            failed.append(name)
    if failed:
        raise click.ClickException(f"{len(failed)} job(s) failed: {', '.join(failed)}")
    click.echo(f"{len(jobs)} job(s) done")


@kp.group("metrics")
def metrics_group():
    """The dashboards' figures."""


@metrics_group.command("snapshot")
@click.option(
    "--month",
    metavar="YYYY-MM",
    help="Recompute a past month: only its figures counted over the period (since its "
    "first day, until the next month's). State figures (open reports now, facilities in "
    "good condition now) cannot be known for the past: a past month's run never writes "
    "them and keeps those its own runs stored then.",
)
@with_appcontext
def metrics_snapshot(month: str | None):
    """Keep this month's figures of every kelurahan, so trends survive later changes to the
    data (run it daily from cron; the month's last run is its record)."""
    from flask import current_app

    from .metrics import month_of, parse_month, snapshot

    wanted = None
    if month is not None:
        wanted = parse_month(month)
        if wanted is None:
            raise click.BadParameter(
                "expected a month as YYYY-MM, e.g. 2026-11", param_hint="--month"
            )
        if wanted > month_of():
            raise click.BadParameter(f"{month} has not started yet", param_hint="--month")
    # Plugins build links in their hooks: give them a request context on the public URL.
    with current_app.test_request_context(), tenancy.all_kelurahan():
        stored = snapshot(month=wanted)
    if wanted is None or wanted == month_of():
        click.echo(f"{stored} figure(s) kept for this month")
    else:
        click.echo(f"{stored} figure(s) over the period kept for {wanted:%Y-%m}")


@kp.group("submissions")
def submissions_group():
    """Idempotency tokens of create forms."""


@submissions_group.command("prune")
@with_appcontext
def submissions_prune():
    """Forget form tokens older than a day (nobody retries a form later); run it daily."""
    from .idempotency import prune

    removed = prune()
    db.session.commit()
    click.echo(f"{removed} old form tokens removed")


@kp.group("places")
def places_group():
    """The offline gazetteer: streets, RT/RW areas and public places of a kelurahan."""


@places_group.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--kelurahan", "which", required=True, help="The kelurahan's code (33.75.02.1004) or slug."
)
@click.option(
    "--kind",
    "default_kind",
    type=click.Choice(["jalan", "rt_rw", "tempat"]),
    help="Kind of the rows whose kind column is empty or missing (a list of streets).",
)
@click.option("--skip-bad", is_flag=True, help="Import the good rows even if some are refused.")
@click.option("--dry-run", is_flag=True, help="Check the file and report; change nothing.")
@with_appcontext
def places_import(csv_file: str, which: str, default_kind, skip_bad: bool, dry_run: bool):
    """Add the rows of CSV_FILE (columns name,kind,lat,lng) to a kelurahan's places.

    Rows already listed are skipped (a listed entry without a point takes the file's).
    A file with refused rows imports nothing unless --skip-bad is given."""
    from pathlib import Path

    from . import gazetteer

    kelurahan = db.session.execute(
        select(Kelurahan).where((Kelurahan.code == which) | (Kelurahan.slug == which))
    ).scalar_one_or_none()
    if kelurahan is None:
        raise click.BadParameter(
            f"no kelurahan with code or slug {which!r}", param_hint="--kelurahan"
        )
    try:
        text = Path(csv_file).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException("the file is not UTF-8 text; save it as CSV UTF-8") from None
    plan = gazetteer.plan_import(text, kelurahan.id, default_kind)
    for line, message in plan.problems:
        click.echo(f"line {line}: {message}", err=True)
    click.echo(
        f"{kelurahan.name}: {len(plan.new)} new, {len(plan.located)} listed without a point "
        f"to locate, {plan.already_listed} already listed, {len(plan.problems)} refused"
    )
    if plan.problems and not skip_bad:
        raise click.ClickException("nothing imported: correct the refused rows or use --skip-bad")
    if dry_run:
        click.echo("dry run: nothing changed")
        return
    gazetteer.apply_import(plan, kelurahan, Path(csv_file).name)
    db.session.commit()
    click.echo(f"imported: {len(plan.new)} added, {len(plan.located)} located")


# -- API keys ----------------------------------------------------------------------------------


@kp.group("api-key")
def api_key_group():
    """API keys of a kelurahan (/api/v1, Open311): only a hash is stored; a key is shown once."""


def _key_kelurahan(slug: str) -> Kelurahan:
    row = host().kelurahan_by_slug((slug or "").strip().lower())
    if row is None:
        raise click.BadParameter(f"no kelurahan with slug {slug!r}", param_hint="--kelurahan")
    return row


@api_key_group.command("issue")
@click.option("--kelurahan", "slug", required=True, help="Slug of the kelurahan, e.g. kauman.")
@click.option("--label", default="", help="Who or what the key is for, e.g. the app's name.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    help="What the key may do, e.g. reports.write (repeat for more; see `kp api-key scopes`).",
)
@with_appcontext
def api_key_issue(slug: str, label: str, scopes: tuple[str, ...]):
    """Issue a key and print it (once: it cannot be shown again)."""
    from . import apikeys

    kelurahan = _key_kelurahan(slug)
    try:
        key, plaintext = apikeys.issue_key(kelurahan, label or "CLI", scopes)
    except apikeys.ScopeError as exc:
        raise click.BadParameter(str(exc), param_hint="--scope") from None
    db.session.commit()
    click.echo(plaintext)
    click.echo(
        f"Key {key.prefix} ({key.label}) for {kelurahan.slug}, scopes: {key.scopes}. "
        "Store it now: it is not stored and cannot be shown again.",
        err=True,
    )


@api_key_group.command("revoke")
@click.argument("prefix")
@click.option("--kelurahan", "slug", required=True, help="Slug of the kelurahan, e.g. kauman.")
@with_appcontext
def api_key_revoke(prefix: str, slug: str):
    """Revoke the key whose first 8 characters are PREFIX."""
    from . import apikeys

    kelurahan = _key_kelurahan(slug)
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
    """The kelurahan's keys: prefix, status, created, scopes, label (never the key)."""
    from . import apikeys
    from .formatting import wib

    kelurahan = _key_kelurahan(slug)
    keys = apikeys.keys_of(kelurahan)
    if not keys:
        click.echo(f"No API keys in {kelurahan.slug}.")
        return
    for key in keys:
        status = "active" if key.is_active else f"revoked {wib(key.revoked_at, locale='en')}"
        click.echo(
            f"{key.prefix}  {status:<28} {wib(key.created_at, locale='en')}  "
            f"{key.scopes or '-'}  {key.label}"
        )


@api_key_group.command("scopes")
@click.option("--kelurahan", "slug", help="Only the scopes a key of this kelurahan may carry.")
@with_appcontext
def api_key_scopes(slug: str | None):
    """The scopes plugins declare (those of plugins switched on in --kelurahan)."""
    from . import apikeys

    scopes = apikeys.scopes_for(_key_kelurahan(slug)) if slug else apikeys.known_scopes()
    for scope in scopes:
        click.echo(f"{scope.key}  {scope.label}")


# -- backup and restore ------------------------------------------------------------------------


@kp.command("backup")
@click.argument("dest", type=click.Path(file_okay=True, dir_okay=True))
@with_appcontext
def backup_command(dest: str):
    """Write the database and every uploaded file to one .tar.gz archive at DEST (or a
    timestamped file inside DEST when it is a directory); print the archive's path."""
    from .backup import BackupError, create_backup

    try:
        result = create_backup(dest)
    except BackupError as exc:
        raise click.ClickException(f"backup failed: {exc}") from None
    click.echo(result.summary(), err=True)
    click.echo(str(result.path))


@kp.command("restore")
@click.argument("archive", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace the contents of a database that has data.")
@with_appcontext
def restore_command(archive: str, force: bool):
    """Restore ARCHIVE (made by `kp backup`) into DATABASE_URL and the media storage, then
    check every table's row count and every file's SHA-256 against its manifest."""
    from .backup import BackupError, restore_backup

    try:
        result = restore_backup(archive, force=force, echo=click.echo)
    except BackupError as exc:
        raise click.ClickException(f"restore refused: {exc}") from None
    for problem in result.problems:
        click.echo(f"MISMATCH {problem}", err=True)
    click.echo(
        f"Restored {result.tables} tables ({result.rows} rows) and {result.files} media files "
        f"({result.size} bytes)."
    )
    for note in result.notes:
        click.echo(f"Note: {note}")
    if result.problems:
        raise click.ClickException(f"{len(result.problems)} mismatch(es) with the archive")
