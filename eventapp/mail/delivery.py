"""Delivery: what the worker runs — claim due messages, render and send each, record the outcome.

Every step commits (after the claim, after each message), so a crash or an SMTP
outage never loses mail. The clock is the caller's (the worker's): every moment
recorded here comes from it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy.orm import Session

from eventapp.mail.render import build_message, obsolete_reason
from eventapp.mail.transport import Transport, describe, is_outage, is_permanent, transport_from_config
from eventapp.models import OutboxMessage, OutboxStatus
from eventapp.services import outbox

log = logging.getLogger("eventapp.mail")


@dataclass
class DeliveryReport:
    """What one pass did, by outbox message id."""

    sent: list[int] = field(default_factory=list)
    retried: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)
    #: Not sent because they no longer applied (a confirm mail after the registration ended).
    dropped: list[int] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return len(self.sent) + len(self.retried) + len(self.failed) + len(self.released) + len(self.dropped)


def deliver_outbox(
    session: Session,
    *,
    now: Callable[[], datetime] | datetime,
    transport: Transport | None = None,
    limit: int = 20,
    retry_horizon: timedelta | None = None,
) -> DeliveryReport:
    """Deliver up to ``limit`` due messages, committing after each (needs an app context).

    ``now`` is the worker's clock (or a fixed moment). The claim is committed before
    anything is sent, and no transaction stays open while talking to the server (on
    SQLite every transaction holds the write lock). A message that cannot be rendered
    is marked failed and the pass goes on; a permanent rejection marks it failed; a
    temporary one schedules a retry until ``retry_horizon`` (default ``MAIL_RETRY_HOURS``)
    has passed since the first; an unreachable server ends the pass and puts the untried
    rest back. A message that no longer applies is dropped unsent.
    """
    config = current_app.config
    clock: Callable[[], datetime] = now if callable(now) else (lambda: now)  # type: ignore[assignment,return-value]
    horizon = retry_horizon if retry_horizon is not None else timedelta(hours=float(config["MAIL_RETRY_HOURS"]))
    own_transport = transport is None
    transport = transport or transport_from_config(config)
    report = DeliveryReport()
    try:
        claimed = outbox.claim_due(session, now=clock(), limit=limit)
        ids = [message.id for message in claimed]
        session.commit()
        for index, message_id_ in enumerate(ids):
            message = session.get(OutboxMessage, message_id_)
            if message is None:  # deleted meanwhile (e.g. personal data purged)
                continue
            outcome, next_at = _deliver_one(session, transport, message, clock=clock, horizon=horizon)
            if outcome == "outage":
                # The server is unreachable: the rest of the batch waits as long as this message does.
                report.retried.append(message_id_)
                _release(session, ids[index + 1 :], until=next_at or clock(), report=report)
                break
            getattr(report, outcome).append(message_id_)
    finally:
        if own_transport:
            transport.close()
    return report


def _deliver_one(
    session: Session, transport: Transport, message: OutboxMessage, *, clock: Callable[[], datetime], horizon: timedelta
) -> tuple[str, datetime | None]:
    """Render and send one claimed message; returns the outcome and, for retries, when the next try is due."""
    label = f"outbox #{message.id} ({message.kind})"
    try:
        obsolete = obsolete_reason(session, message, now=clock())
        email = None if obsolete else build_message(session, message, now=clock())
    except Exception as error:  # one broken message must not stop the others
        session.rollback()
        message = session.get_one(OutboxMessage, message.id)
        outbox.mark_failed(message, f"Rendering failed: {describe(error)}", now=clock(), attempted=False)
        session.commit()
        log.error("mail %s failed: cannot render: %s", label, describe(error))
        return "failed", None
    if email is None:
        outbox.mark_dropped(message, obsolete or "")
        session.commit()
        log.info("mail %s dropped: %s", label, obsolete)
        return "dropped", None
    # End the read transaction before talking to the server (SQLite: it holds the write lock).
    session.commit()
    try:
        transport.send(email)
    except Exception as error:
        reason = describe(error)
        message = session.get_one(OutboxMessage, message.id)
        if is_permanent(error):
            outbox.mark_failed(message, reason, now=clock())
            session.commit()
            log.warning("mail %s failed permanently: %s", label, reason)
            return "failed", None
        outage = is_outage(error)
        outbox.mark_retry(message, reason, now=clock(), horizon=None if outage else horizon)
        # Read before commit: touching expired attributes afterwards would open a new transaction.
        gave_up, attempts, next_at = message.status is OutboxStatus.FAILED, message.attempts, message.next_attempt_at
        session.commit()
        if gave_up:
            log.warning("mail %s failed after %d attempts over %s: %s", label, attempts, horizon, reason)
            return "failed", None
        log.info("mail %s deferred (attempt %d, next try %s): %s", label, attempts, f"{next_at:%H:%M:%S} UTC", reason)
        return ("outage" if outage else "retried"), next_at
    message = session.get_one(OutboxMessage, message.id)
    outbox.mark_sent(message, now=clock())
    session.commit()
    log.info("mail %s sent", label)
    return "sent", None


def _release(session: Session, ids: list[int], *, until: datetime, report: DeliveryReport) -> None:
    for message_id_ in ids:
        message = session.get(OutboxMessage, message_id_)
        if message is not None:
            outbox.release(message, next_attempt_at=until)
            report.released.append(message_id_)
    session.commit()
