"""Anonymising personal data (DESIGN §3 "Privacy"), for the retention purge.

Registrations and series registrations keep their personal data in one shape
(``models.PersonalData``), so one function serves both. What stays is what the
figures need: the event, mode, status and times. The audit trail about the record
loses the names it holds too (an attendee actor's label, personal detail keys);
the entries themselves stay, so the history still tells what happened when.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from eventapp.models import ActorKind, AuditEntry, Handover, PersonalData, Registration, SeriesRegistration
from eventapp.services.audit import PERSONAL_DETAIL_KEYS

#: What a name reads after anonymisation.
ANONYMISED = ""


def anonymise(session: Session, record: Registration | SeriesRegistration | Handover, *, now: datetime) -> bool:
    """Clear the personal data of one registration, series registration or handover offer.

    A registration takes the offers to pass it on with it (they name the colleague).

    Returns False when it was anonymised before (the purge may run again). The
    person (email address) is left alone: it may hold other, live registrations; the
    purge decides about it once nothing refers to it any more.
    """
    if not isinstance(record, PersonalData):
        raise TypeError(f"{type(record).__name__} holds no personal data")
    if record.anonymised_at is not None:
        return False
    record.given_name = ANONYMISED
    record.family_name = ANONYMISED
    record.organization = ANONYMISED
    record.answers = {}
    record.anonymised_at = now
    if isinstance(record, Registration):
        for offer in session.scalars(select(Handover).where(Handover.registration_id == record.id)):
            anonymise(session, offer, now=now)
    for entry in session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == record.__tablename__, AuditEntry.object_id == record.id)
    ):
        if entry.actor_kind is ActorKind.ATTENDEE:
            entry.actor_label = ANONYMISED
        if PERSONAL_DETAIL_KEYS & set(entry.detail or {}):
            entry.detail = {key: value for key, value in entry.detail.items() if key not in PERSONAL_DETAIL_KEYS}
    session.flush()
    return True
