"""Who may see a destination's photos and an event's poster. Until staff publish the item
(and while it is returned or hidden) its files are not public: the core serves them only to
those who may open the item's page (its group's active members and reviewers) and answers
404 to everyone else.

A `before_flush` listener sets the files' public flag whenever a destination, an event or
a photo is new or changed, so no path (review, writers, demo data) can forget it."""

from __future__ import annotations

from contextlib import nullcontext

from sqlalchemy import event, inspect, or_, select
from sqlalchemy.orm import Session

from app.kit import db, hookimpl, scoped_to, set_media_public

from .access import REVIEW
from .models import Destination, DestinationPhoto, Status, TourEvent

FIELDS = ("status", "poster_id", "poster")


def _files(item):
    if isinstance(item, Destination):
        for photo in item.photos:
            yield photo.media
            yield photo.thumb
    else:
        yield item.poster


def _changed(obj) -> bool:
    state = inspect(obj)
    return state.pending or any(
        state.attrs[f].history.has_changes() for f in FIELDS if f in state.attrs
    )


@event.listens_for(Session, "before_flush")
def _sync_before_flush(session, flush_context, instances) -> None:
    touched = list(session.new) + list(session.dirty)
    items = {o for o in touched if isinstance(o, Destination | TourEvent) and _changed(o)}
    items |= {
        o.destination for o in session.new if isinstance(o, DestinationPhoto) and o.destination
    }
    for item in items:
        scope = nullcontext() if item.kelurahan_id is None else scoped_to(item.kelurahan_id)
        with scope:
            set_media_public(_files(item), item.status == Status.PUBLISHED.value)


@hookimpl
def kp_media_visible(media, kelurahan, user):
    """A photo or poster is visible to whoever may open its destination's or event's page."""
    from app.kit import can

    item = db.session.execute(
        select(Destination)
        .join(DestinationPhoto, DestinationPhoto.destination_id == Destination.id)
        .where(or_(DestinationPhoto.media_id == media.id, DestinationPhoto.thumb_id == media.id))
    ).scalar_one_or_none()
    if item is None:
        item = db.session.execute(
            select(TourEvent).where(TourEvent.poster_id == media.id)
        ).scalar_one_or_none()
    if item is None:
        return None
    if item.status == Status.PUBLISHED.value:
        return True
    if user is None:
        return False
    if can(REVIEW, user=user, kelurahan=kelurahan):
        return True
    return item.group is not None and item.group.is_active_member(user)
