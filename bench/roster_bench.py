"""Does the organizer's registration list stay quick with 20,000 registrations? (issue 7, Part 4)

Generates one event with ``--rows`` registrations (plus another event of the same size, so
that the list must pick its event's rows out of a larger table), then times the pages an
organizer opens — the first page, the last page, a search, a filtered page and the figures
above the list — through the same service calls the page makes (``services.roster``). Each
is reported as its median time and as a ratio against a trivial query of the same run (a
primary-key look-up), so the numbers compare across machines. The query plans show which
index serves the list.

    python bench/roster_bench.py                                   # a temporary SQLite file
    python bench/roster_bench.py --database postgresql+psycopg://postgres@127.0.0.1:5432/bench

The database is emptied and filled: never point it at one you need.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, text  # noqa: E402

from bench import generate  # noqa: E402
from bench.harness import Case, Context  # noqa: E402
from eventapp import create_app  # noqa: E402
from eventapp.extensions import db  # noqa: E402
from eventapp.models import (  # noqa: E402
    Event,
    Mode,
    Registration,
    RegistrationStatus,
)
from eventapp.services.roster import RosterFilter, page_ids_select, roster_page, roster_summary  # noqa: E402


def timed(call: Callable[[], object], repeat: int) -> float:
    """Median wall time in milliseconds over ``repeat`` runs (after one warm-up)."""
    call()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    return statistics.median(times)


def plan(statement) -> str:
    """The database's plan for ``statement`` (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL)."""
    bind = db.session.get_bind()
    compiled = statement.compile(bind, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if bind.dialect.name == "sqlite" else "EXPLAIN "
    rows = db.session.execute(text(prefix + str(compiled))).all()
    return "\n".join("    " + " ".join(str(part) for part in row) for row in rows)


def list_calls(session, event: Event, rows: int) -> dict[str, Callable[[], object]]:  # type: ignore[no-untyped-def]
    """What the list page asks of ``services.roster`` for an event of ``rows`` registrations, by name."""
    last = -(-rows // 50)
    return {
        "first page (50 rows + count)": lambda: roster_page(session, event, RosterFilter(), page=1),
        f"last page ({last})": lambda: roster_page(session, event, RosterFilter(), page=last),
        "search 'müller1' (names, email, org)": lambda: roster_page(
            session, event, RosterFilter(search="müller1"), page=1
        ),
        "search 'sauerland' (organization)": lambda: roster_page(
            session, event, RosterFilter(search="sauerland"), page=1
        ),
        "filter waitlisted, on site, not checked in": lambda: roster_page(
            session,
            event,
            RosterFilter(statuses=(RegistrationStatus.WAITLISTED,), mode=Mode.ON_SITE, checked_in=False),
            page=1,
        ),
        "figures above the list": lambda: roster_summary(session, event),
    }


def cases(ctx: Context) -> list[Case]:
    """The list's cases for ``make bench`` (bench/run.py), on its data, against one pass over the
    event's rows; plus the list page itself through the signed-in client (issue 11's target)."""
    event = ctx.session.get(Event, ctx.ids["event"])
    rows = ctx.ids["registrations"]
    # A search reads every row of the event (a substring match uses no index): more headroom.
    result = [
        Case(f"roster: {name}", call, baseline="rows", ceiling=25.0 if name.startswith("search") else 6.0)
        for name, call in list_calls(ctx.session, event, rows).items()
    ]

    def page() -> object:
        response = ctx.client.get(f"/manage/events/{event.id}/registrations")
        assert response.status_code == 200, response.status_code
        return response

    result.append(Case("registration list page (HTML)", page, baseline="rows", ceiling=15.0, target_ms=150))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--rows", type=int, default=20_000, help="registrations per event (default 20,000)")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/roster-bench.sqlite"
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, TICKET_SIGNING_KEY_FILE=f"{tmp}/key.pem")
        with app.app_context():
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            event_id = generate.fill(db.session, registrations=args.rows)["event"]
            print(
                f"{db.engine.dialect.name}: 2 events × {args.rows} registrations"
                f" in {time.perf_counter() - started:.1f} s"
            )
            event = db.session.get(Event, event_id)
            last = -(-args.rows // 50)
            calls: dict[str, Callable[[], object]] = {
                "baseline: registration by primary key": lambda: db.session.scalar(
                    select(Registration.family_name).where(Registration.id == 4242)
                ),
                **list_calls(db.session, event, args.rows),
            }
            results = {name: timed(call, args.repeat) for name, call in calls.items()}
            base = results["baseline: registration by primary key"]
            print(f"\n{'case':48} {'median':>10} {'× baseline':>12}")
            for name, ms in results.items():
                print(f"{name:48} {ms:8.2f} ms {ms / base:11.0f}×")
            print("\nplan of the last page's ids (the rows are then read by id):")
            print(plan(page_ids_select(event, RosterFilter()).limit(50).offset((last - 1) * 50)))
            print("plan of a search:")
            print(plan(page_ids_select(event, RosterFilter(search="müller1")).limit(50)))
            db.session.rollback()
            db.drop_all()


if __name__ == "__main__":
    main()
