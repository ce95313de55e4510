"""`flask kp jobs run`, the one cron line of a deployment: the core's jobs and every
installed plugin's scheduled commands, once each; one failing does not stop the others."""

from __future__ import annotations

import pytest


def run_jobs(app):
    return app.test_cli_runner().invoke(args=["kp", "jobs", "run"])


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_every_scheduled_job_runs_once(app):
    result = run_jobs(app)
    assert result.exit_code == 0, result.output
    started = [line for line in result.output.splitlines() if line.startswith("[")]
    assert started == [
        "[outbox retry]",
        "[media gc]",
        "[metrics snapshot]",
        "[facilities remind]",
        "[services purge]",
    ]
    assert "reminder(s) sent" in result.output  # the plugin's own command really ran
    assert "5 job(s) done" in result.output


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_failing_job_is_reported_and_the_others_still_run(app, monkeypatch):
    import plugins.facilities.schedules as schedules

    def broken():
        raise RuntimeError("layanan pesan mati")

    monkeypatch.setattr(schedules, "send_reminders", broken)
    result = run_jobs(app)
    assert result.exit_code == 1
    assert "[facilities remind] failed: RuntimeError: layanan pesan mati" in result.output
    assert "[services purge]" in result.output
    assert "1 job(s) failed: facilities remind" in result.output
