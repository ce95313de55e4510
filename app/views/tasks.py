"""Staff's "Tugas saya": every plugin's queue in one place, their landing page after
signing in. Each queue says how many items wait, how old the oldest is, and where to go."""

from __future__ import annotations

from babel.dates import format_timedelta
from flask import Blueprint, abort, g, render_template
from flask_babel import get_locale
from flask_login import current_user

from ..auth import login_required
from ..models import utcnow
from ..permissions import role_holds_any
from ..plugins import host

bp = Blueprint("tasks", __name__, url_prefix="/k/<kelurahan_slug>/tugas")


def age_text(oldest, now) -> str:
    """'3 hari', '5 jam': how long the oldest item has waited, in the reader's language."""
    if oldest is None:
        return ""
    return format_timedelta(now - oldest, threshold=1.0, locale=get_locale() or "id")


@bp.get("/")
@login_required
def index():
    # Staff, and residents an admin granted a plugin permission (a queue of their own).
    if not role_holds_any(current_user, g.kelurahan):
        abort(403)
    tasks = host().collect(
        "kp_staff_tasks",
        g.kelurahan,
        kelurahan=g.kelurahan,
        user=current_user._get_current_object(),
    )
    # Queues with work first, the longest-waiting first among them; empty ones last.
    tasks.sort(key=lambda t: (t.count == 0, t.oldest is None, t.oldest or 0, t.order))
    now = utcnow()
    return render_template(
        "tasks/index.html",
        tasks=tasks,
        ages={t.id: age_text(t.oldest if t.count else None, now) for t in tasks},
        waiting=sum(t.count for t in tasks),
    )
