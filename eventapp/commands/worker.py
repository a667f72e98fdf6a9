"""``flask --app wsgi worker [--once]``: deliver the outbox and run scheduled jobs.

One pass runs the due jobs (expiry and promotion, series dates, lost links,
reminders; purging is added to :data:`JOBS` by later work), then delivers due mail in batches,
committing after every message. Without ``--once`` the worker sleeps
``WORKER_INTERVAL_SECONDS`` between passes and stops cleanly on SIGTERM or
SIGINT (a second signal aborts at once). ``--once`` does a single pass, for cron.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import FrameType
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from eventapp.extensions import db
from eventapp.mail import DeliveryReport, deliver_outbox, transport_from_config
from eventapp.models import utcnow
from eventapp.services import audit, lost_links, reminders, seats, series

log = logging.getLogger("eventapp.worker")

#: Messages claimed at once; small, so that a claim's lease never outlives a slow batch.
BATCH_SIZE = 20
#: Batches per pass at most, so that jobs still run while a big mailing drains.
MAX_BATCHES_PER_PASS = 50


@dataclass
class Job:
    """A scheduled task: ``run(session, now)`` in its own transaction, at most every ``every``."""

    name: str
    run: Callable[[Session, datetime], Any]
    every: timedelta = timedelta(0)


def _sweep_expired(session: Session, now: datetime) -> int:
    return seats.sweep_expired(session, now=now)


def _sync_series(session: Session, now: datetime) -> int:
    """Series registrants get the dates added (or opened for registration) since the last run."""
    return series.sync_all_series(session, now=now)


def _answer_link_requests(session: Session, now: datetime) -> int:
    """Mail the manage links people asked for on /find-registration."""
    interval = timedelta(minutes=current_app.config["RESEND_INTERVAL_MINUTES"])
    return lost_links.answer_link_requests(session, now=now, interval=interval, actor=audit.SYSTEM)


def _send_reminders(session: Session, now: datetime) -> int:
    """Queue the reminders due now; they go out in the same pass (services.reminders)."""
    return reminders.send_due_reminders(session, now=now)


#: The scheduled jobs, in order. Later issues append (e.g. reminders, purge of personal data).
JOBS: list[Job] = [
    Job("sweep-expired", _sweep_expired),
    Job("sync-series", _sync_series, every=timedelta(minutes=5)),
    Job("lost-links", _answer_link_requests),
    # Every minute is punctual enough for "an hour before" and spares the per-event statements.
    Job("reminders", _send_reminders, every=timedelta(minutes=1)),
]


@dataclass
class PassReport:
    """What one pass did."""

    mail: DeliveryReport = field(default_factory=DeliveryReport)
    jobs: dict[str, Any] = field(default_factory=dict)
    failed_jobs: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        parts = [
            f"mail sent {len(self.mail.sent)}, deferred {len(self.mail.retried)}, failed {len(self.mail.failed)}"
            + (f", dropped {len(self.mail.dropped)}" if self.mail.dropped else ""),
        ]
        parts += [f"{name}: {result}" for name, result in self.jobs.items()]
        parts += [f"{name}: FAILED ({reason})" for name, reason in self.failed_jobs.items()]
        return "; ".join(parts)


class Worker:
    """The loop of ``flask worker``; also usable from tests with an injected clock."""

    def __init__(
        self,
        app: Flask,
        *,
        jobs: list[Job] | None = None,
        clock: Callable[[], datetime] = utcnow,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self.app = app
        self.jobs = list(JOBS if jobs is None else jobs)
        self.clock = clock
        self.batch_size = batch_size
        self.stopping = threading.Event()
        self._last_run: dict[str, datetime] = {}

    def run_jobs(self, session: Session, report: PassReport) -> None:
        for job in self.jobs:
            now = self.clock()
            last = self._last_run.get(job.name)
            if last is not None and now - last < job.every:
                continue
            try:
                report.jobs[job.name] = job.run(session, now)
                session.commit()
            except Exception as error:  # a broken job must not stop mail delivery
                session.rollback()
                report.failed_jobs[job.name] = f"{type(error).__name__}: {error}"
                log.exception("job %s failed", job.name)
            self._last_run[job.name] = now

    def deliver(self, session: Session, report: PassReport) -> None:
        transport = transport_from_config(self.app.config)
        try:
            for _batch in range(MAX_BATCHES_PER_PASS):
                batch = deliver_outbox(session, transport=transport, now=self.clock, limit=self.batch_size)
                for name in ("sent", "retried", "failed", "released", "dropped"):
                    getattr(report.mail, name).extend(getattr(batch, name))
                # A short batch means the queue is drained (or the server is down); stop asking.
                if batch.handled < self.batch_size or batch.released or self.stopping.is_set():
                    break
        finally:
            transport.close()

    def run_once(self) -> PassReport:
        """One pass: jobs first (their mail then goes out in the same pass), then delivery."""
        report = PassReport()
        session = db.session
        try:
            self.run_jobs(session, report)
            if not self.stopping.is_set():
                self.deliver(session, report)
        finally:
            session.remove()
        return report

    def run_forever(self, interval: float) -> None:
        log.info("worker started (every %s s); stop with Ctrl+C or SIGTERM", interval)
        while not self.stopping.is_set():
            report = self.run_once()
            if report.mail.handled or report.failed_jobs or any(report.jobs.values()):
                log.info("pass: %s", report.summary())
            self.stopping.wait(interval)
        log.info("worker stopped")

    def install_signal_handlers(self) -> Callable[[], None]:
        """Stop after the current message on SIGTERM/SIGINT; returns a function restoring the old handlers."""
        if threading.current_thread() is not threading.main_thread():
            return lambda: None

        def handle(signum: int, _frame: FrameType | None) -> None:
            if self.stopping.is_set():
                raise KeyboardInterrupt  # second signal: stop right now
            log.info("received %s; finishing the current message", signal.Signals(signum).name)
            self.stopping.set()

        previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}

        def restore() -> None:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

        return restore


def _configure_logging() -> None:
    """One line per mail on stderr, unless the host (gunicorn, pytest) already set up logging."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    package = logging.getLogger("eventapp")
    if package.level == logging.NOTSET:
        package.setLevel(logging.INFO)


@click.command("worker")
@click.option("--once", is_flag=True, help="Do one pass (deliver due mail, run due jobs) and exit; for cron.")
@with_appcontext
def worker_command(once: bool) -> None:
    """Deliver queued mail and run scheduled jobs (expiry, promotion, reminders)."""
    _configure_logging()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        transport_from_config(app.config).close()  # fail fast on a broken mail configuration
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None
    worker = Worker(app)
    if once:
        report = worker.run_once()
        click.echo(f"worker: {report.summary()}")
        if report.failed_jobs:
            name, reason = next(iter(report.failed_jobs.items()))
            raise click.ClickException(f"job {name} failed: {reason}")
        return
    restore = worker.install_signal_handlers()
    try:
        worker.run_forever(float(app.config.get("WORKER_INTERVAL_SECONDS") or 2))
    finally:
        restore()
