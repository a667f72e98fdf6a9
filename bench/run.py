"""`make bench`: generate the data, run every bench case against its same-run baseline, print
one table, and exit non-zero when a case's ratio is over its ceiling.

    python bench/run.py                                # 20,000 registrations, temporary SQLite
    python bench/run.py --database postgresql+psycopg://postgres@127.0.0.1:5432/bench
    python bench/run.py --registrations 50 --rounds 2 --no-check   # smoke run (tests/test_bench.py)

Cases come from the modules ``bench/*_bench.py`` that define ``cases(ctx)`` (see
bench/harness.py). Baselines of every run:

- ``rows``: one pass over the bench event's registration rows (their count and latest change):
  what any per-event figure that looks past the index costs at least once;
- ``json``: a bare Flask endpoint of the same app returning small JSON, through the same
  signed-in test client (request handling, session, security headers — no query of ours).

The database's tables are dropped and created: never point it at one you need.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask import jsonify  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bench.generate import fill  # noqa: E402
from bench.harness import Baseline, Case, Context, measure, report  # noqa: E402
from eventapp import create_app  # noqa: E402
from eventapp.extensions import db  # noqa: E402
from eventapp.models import Registration  # noqa: E402

BENCH_USER = "bench-admin@example.org"
BENCH_PASSWORD = "bench-passwort-lang-genug"  # noqa: S105 - a throw-away bench database


def case_modules() -> list[str]:
    return sorted(f"bench.{path.stem}" for path in (ROOT / "bench").glob("*_bench.py"))


def signed_in_client(app):  # type: ignore[no-untyped-def]
    """A test client signed in as an admin, through the login form like a browser."""
    from eventapp.models import utcnow
    from eventapp.services import accounts
    from eventapp.services.audit import CLI

    with app.app_context():
        accounts.create_user(
            db.session,
            email=BENCH_USER,
            role="admin",
            password=BENCH_PASSWORD,
            organizations=[],
            now=utcnow(),
            actor=CLI,
        )
        db.session.commit()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert token, "login page without CSRF token"
    response = client.post(
        "/login", data={"email": BENCH_USER, "password": BENCH_PASSWORD, "csrf_token": token.group(1)}
    )
    assert response.status_code == 303, f"login failed: {response.status_code}"
    return client


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--registrations", type=int, default=20_000, help="per event (default 20,000)")
    parser.add_argument("--rounds", type=int, default=30, help="timed calls per case (default 30)")
    parser.add_argument("--only", help="run only the cases whose name contains this text")
    parser.add_argument(
        "--no-check", dest="check", action="store_false", help="report only; never fail on a ceiling (smoke runs)"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{tmp}/bench.sqlite"
        app = create_app(
            "testing",
            SQLALCHEMY_DATABASE_URI=url,
            TICKET_SIGNING_KEY_FILE=f"{tmp}/key.pem",
            MAIL_OUTBOX_DIR=f"{tmp}/mail",
            RATELIMIT_ENABLED=False,
        )
        app.add_url_rule("/_bench/json", "bench_json", lambda: jsonify(ok=True))
        with app.app_context():
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            ids = fill(db.session, registrations=args.registrations)
            print(
                f"{db.engine.dialect.name}: 2 events × {args.registrations:,} registrations generated "
                f"in {time.perf_counter() - started:.1f} s"
            )
        client = signed_in_client(app)
        with app.app_context():
            ctx = Context(app=app, session=db.session, client=client, ids=ids)
            baselines = [
                Baseline(
                    "rows",
                    lambda: db.session.execute(
                        select(func.count(), func.max(Registration.updated_at)).where(
                            Registration.event_id == ids["event"]
                        )
                    ).one(),
                    "one pass over the event's registration rows",
                ),
                Baseline("json", lambda: client.get("/_bench/json"), "bare JSON endpoint via the test client"),
            ]
            cases: list[Case] = []
            for name in case_modules():
                module = importlib.import_module(name)
                if hasattr(module, "cases"):  # others are standalone (e.g. checkin_bench.py, under gunicorn)
                    cases += module.cases(ctx)
            if args.only:
                cases = [case for case in cases if args.only in case.name]
            results = measure(baselines, cases, rounds=args.rounds, after=db.session.rollback)
            print()
            print(report(results))
            over = [result.name for result in results if result.over]
            db.session.rollback()
            db.drop_all()
    if over and args.check:
        print(f"\nOVER THE CEILING: {', '.join(over)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
