"""`flask --app wsgi kp facilities remind`: reminders of neighbourhood schedules, run from
cron (hourly is enough). Each occurrence starting within 24 hours is claimed once in the
database, so running it again, or on two hosts at once, sends nothing twice."""

from __future__ import annotations

import click
from flask.cli import AppGroup

facilities_cli = AppGroup("facilities", help="Facilities and RW schedules (plugin facilities).")


@click.command("remind")
def remind_command() -> None:
    """Tell subscribed residents of the schedules starting within the next 24 hours."""
    from .schedules import send_reminders

    sent = send_reminders()
    click.echo(f"{sent} reminder(s) sent.")


facilities_cli.add_command(remind_command)
