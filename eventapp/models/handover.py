"""Passing a registration on to a colleague (Vertretung) until the new address confirms."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventapp.models.base import Base, utcnow
from eventapp.models.registration import Person, PersonalData, Registration, new_token


class Handover(PersonalData, Base):
    """An offer to hand ``registration`` over to another person.

    Nothing changes until the new address opens the mailed link and presses the button
    (DESIGN §3 "links safe to prefetch"); then the registration becomes theirs. The new
    person's details wait here meanwhile, in the shape every personal record has, so the
    anonymiser covers them too. A newer offer for the same registration withdraws older ones.
    """

    __tablename__ = "handover"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registration.id"), index=True)
    #: Secret of the link mailed to the new address.
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The offer lapses at this time (at most 24 hours, and never after the event starts).
    expires_at: Mapped[datetime]
    #: When the new person took the registration over.
    accepted_at: Mapped[datetime | None]
    #: When a newer offer (or the registration ending) withdrew this one.
    withdrawn_at: Mapped[datetime | None]

    registration: Mapped[Registration] = relationship()
    person: Mapped[Person] = relationship()

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.withdrawn_at is None
