"""Check-in API throughput (issue 9 Part 5): concurrent scans against gunicorn on loopback,
beside a bare endpoint doing one database UPDATE in the same run.

    python bench/checkin_bench.py                                   # temporary SQLite file
    python bench/checkin_bench.py --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_checkin
    python bench/checkin_bench.py --workers 2 --clients 16 --burst 200 --rounds 8

What is measured, per round and interleaved (``bench/harness.py``'s ``measure``): a *burst* of
``--burst`` POSTs sent by ``--clients`` concurrent keep-alive connections, for

- ``update`` (the baseline): ``POST /_bench/update`` — a plain view of the same app under the
  same gunicorn that runs one ``UPDATE registration SET updated_at = … WHERE id = …`` and
  commits: the ceiling any write endpoint of this stack can reach;
- ``first scans``: ``POST /api/v1/checkin`` with a device token and a ticket nobody scanned
  yet (distinct tickets, pre-signed): verify the signature, find the registration, insert
  the Attendance and the audit entry;
- ``repeat scans``: the same tickets again: ``already_checked_in``, nothing written.

The ratio burst(case) / burst(update) says how close check-in comes to that ceiling. Measured
on the 2-core development machine (PostgreSQL 16, 2 workers × 4 threads, 16 clients, bursts of
200): update ≈ 1,180/s, first scans ≈ 320/s (3.7×), repeat scans ≈ 470/s (2.5×). A first scan
is two look-ups (device with its event; registration with its door record), a savepoint, the
Attendance and audit inserts and a commit, plus an Ed25519 verification; a repeat scan the two
look-ups. The ceilings (4.5× and 3.5×) keep that shape from getting worse.
Rate limiting is off in the served app (one device token would otherwise hit its budget).
The database's tables are dropped and created: never point it at one you need.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402

from eventapp import create_app  # noqa: E402
from eventapp.extensions import db  # noqa: E402
from eventapp.keys import current_keyring  # noqa: E402
from eventapp.models import Event, EventAttendance, EventStatus, Organization, Person, Registration, utcnow  # noqa: E402
from eventapp.services import checkin_devices  # noqa: E402
from eventapp.services.audit import CLI  # noqa: E402
from eventapp.services.tickets import encode_token  # noqa: E402

HOST = "127.0.0.1"


def serve_app():  # type: ignore[no-untyped-def]
    """The app gunicorn serves (``bench.checkin_bench:serve_app()``): eventapp plus the bare UPDATE view."""
    from flask import jsonify

    from eventapp.extensions import csrf

    app = create_app("testing", RATELIMIT_ENABLED=False)

    def bare_update():  # type: ignore[no-untyped-def]
        from flask import request

        db.session.execute(
            text("UPDATE registration SET updated_at = :now WHERE id = :id"),
            {"now": utcnow().replace(tzinfo=None), "id": int(request.args.get("id", "1"))},
        )
        db.session.commit()
        return jsonify(ok=True)

    app.add_url_rule("/_bench/update", "bench_update", csrf.exempt(bare_update), methods=["POST"])
    return app


def cases(ctx: object) -> list:
    """No in-process cases for ``bench/run.py``: check-in is measured under concurrent load
    against gunicorn, which this module's :func:`main` starts (``python bench/checkin_bench.py``)."""
    return []


def prepare(database: str, key_file: str, registrations: int) -> tuple[str, list[str]]:
    """Tables, one on-site event with ``registrations`` confirmed tickets; returns (device token, codes)."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database, TICKET_SIGNING_KEY_FILE=key_file)
    with app.app_context():
        db.drop_all()
        db.create_all()
        session = db.session
        now = utcnow()
        organization = Organization(slug="bench", name="Bench", contact_email="bench@example.org")
        session.add(organization)
        session.flush()
        event = Event(
            organization_id=organization.id,
            slug="bench-eroeffnung",
            title="Bench",
            summary="",
            format="konferenz",
            attendance=EventAttendance.ON_SITE,
            starts_at=now,
            ends_at=now + timedelta(hours=6),
            venue="Halle",
            capacity_on_site=None,
            status=EventStatus.PUBLISHED,
        )
        session.add(event)
        session.flush()
        session.execute(
            insert(Person),
            [{"email": f"p{i}@example.org", "language": "de", "created_at": now} for i in range(registrations)],
        )
        person_ids = [row[0] for row in session.execute(text("SELECT id FROM person ORDER BY id"))]
        session.execute(
            insert(Registration),
            [
                {
                    "event_id": event.id,
                    "person_id": person_id,
                    "given_name": f"Person{i}",
                    "family_name": "Bench",
                    "organization": "",
                    "mode": "on_site",
                    "status": "confirmed",
                    "email_confirmed_at": now,
                    "confirmed_at": now,
                    "ticket_id": f"bench{i:08d}",
                    "ticket_serial": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for i, person_id in enumerate(person_ids)
            ],
        )
        keyring = current_keyring()
        codes = [
            encode_token(keyring, event_id=event.id, ticket_id=f"bench{i:08d}", serial=1) for i in range(registrations)
        ]
        _device, token = checkin_devices.create_device(session, event, "Bench", now=now, actor=CLI)
        session.commit()
    return token, codes


class Load:
    """``clients`` keep-alive connections posting bursts in parallel."""

    def __init__(self, port: int, clients: int) -> None:
        self.port = port
        self.pool = ThreadPoolExecutor(clients)
        self.clients = clients
        self.connections = [http.client.HTTPConnection(HOST, port, timeout=30) for _ in range(clients)]

    def _post(self, index: int, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        connection = self.connections[index % self.clients]
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        except (http.client.HTTPException, OSError):
            connection.close()
            self.connections[index % self.clients] = http.client.HTTPConnection(HOST, self.port, timeout=30)
            raise

    def burst(self, requests: list[tuple[str, bytes, dict[str, str]]]) -> list[tuple[int, bytes]]:
        """Send every request, ``clients`` at a time (each connection serially)."""
        slices = [requests[i :: self.clients] for i in range(self.clients)]

        def run(index: int) -> list[tuple[int, bytes]]:
            return [self._post(index, *request) for request in slices[index]]

        answers: list[tuple[int, bytes]] = []
        for part in self.pool.map(run, range(self.clients)):
            answers += part
        return answers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent connections (default 16)")
    parser.add_argument("--burst", type=int, default=200, help="requests per burst (default 200)")
    parser.add_argument("--rounds", type=int, default=8, help="bursts per case (default 8)")
    parser.add_argument("--port", type=int, default=5397)
    parser.add_argument("--first-ceiling", type=float, default=4.5, help="highest ratio of first scans to the UPDATE")
    parser.add_argument("--repeat-ceiling", type=float, default=3.5, help="highest ratio of repeats to the UPDATE")
    args = parser.parse_args(argv)
    from bench.harness import Baseline, Case, measure, report  # the shared harness (bench/run.py's)

    with tempfile.TemporaryDirectory() as tmp:
        database = args.database or f"sqlite:///{tmp}/bench.sqlite"
        key_file = f"{tmp}/key.pem"
        tickets = args.burst * (args.rounds + 1)
        started = time.perf_counter()
        token, codes = prepare(database, key_file, tickets)
        print(f"{database.split(':')[0]}: {tickets:,} tickets prepared in {time.perf_counter() - started:.1f} s")
        env = {
            **os.environ,
            "EVENTAPP_CONFIG": "testing",
            "DATABASE_URL": database,
            "TICKET_SIGNING_KEY_FILE": key_file,
            "RATELIMIT_ENABLED": "false",
        }
        command = [
            sys.executable, "-m", "gunicorn", "--bind", f"{HOST}:{args.port}", "--workers", str(args.workers),
            "--threads", str(args.threads), "--log-level", "warning", "bench.checkin_bench:serve_app()",
        ]  # fmt: skip
        server = subprocess.Popen(command, cwd=ROOT, env=env)
        try:
            _wait_for(args.port)
            load = Load(args.port, args.clients)
            json_headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
            fresh = iter(range(len(codes)))
            scanned: list[str] = []
            statuses: dict[str, dict[str, int]] = {}

            def tally(name: str, answers: list[tuple[int, bytes]]) -> None:
                counts = statuses.setdefault(name, {})
                for status, body in answers:
                    key = json.loads(body).get("result", str(status)) if status == 200 else str(status)
                    counts[key] = counts.get(key, 0) + 1

            def first_scans() -> None:
                batch = [codes[next(fresh)] for _ in range(args.burst)]
                scanned[:] = batch
                tally("first", load.burst([("/api/v1/checkin", _body(code), json_headers) for code in batch]))

            def repeat_scans() -> None:
                tally("repeat", load.burst([("/api/v1/checkin", _body(code), json_headers) for code in scanned]))

            def update() -> None:
                requests = [(f"/_bench/update?id={i % 1000 + 1}", b"", {}) for i in range(args.burst)]
                tally("update", load.burst(requests))

            baselines = [Baseline("update", update, "bare view: one UPDATE and a commit per request")]
            cases = [
                Case("first scans", first_scans, "update", args.first_ceiling),
                Case("repeat scans", repeat_scans, "update", args.repeat_ceiling),
            ]
            # measure() rotates the order each round; a repeat burst re-sends the latest first burst,
            # whose tickets are in whichever comes first in this round.
            results = measure(baselines, cases, rounds=args.rounds)
        finally:
            server.terminate()
            server.wait(10)
    print()
    print(report(results))
    per_second = {r.name: args.burst / (r.median_ms / 1000) for r in results}
    print()
    for name, rate in per_second.items():
        print(f"{name:14} {rate:8.0f} requests/s  (burst of {args.burst}, {args.clients} clients)")
    print("answers:", json.dumps(statuses, sort_keys=True))
    return 1 if any(result.over for result in results) else 0


def _body(code: str) -> bytes:
    return json.dumps({"code": code}).encode()


def _wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/api/v1/openapi.json")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not come up")


if __name__ == "__main__":
    sys.exit(main())
