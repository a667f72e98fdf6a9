"""Requests for lost manage links: written by the page, answered by the worker."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from eventapp.models.base import Base, utcnow


class LinkRequest(Base):
    """Someone asked for the manage links of an address ("Anmeldung wiederfinden").

    The page only writes this row – the same work whether or not the address is known –
    and the worker looks the address up and mails its links. Rows are deleted once they
    no longer limit the next request, so no address is kept longer than that.
    """

    __tablename__ = "link_request"
    __table_args__ = (Index("ix_link_request_email_created", "email", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Normalised like Person.email.
    email: Mapped[str] = mapped_column(String(254))
    #: Language of the page the request came from; the mail is written in it.
    locale: Mapped[str] = mapped_column(String(5), default="de")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the worker answered it (None: not yet).
    done_at: Mapped[datetime | None]
