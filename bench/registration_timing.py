"""Does the registration POST's timing tell whether an address is registered? (issue 6, Part 3 §8)

Sends the same JSON registration to ``/api/v1/events/<slug>/registrations`` over HTTP,
alternating an address that already has an active registration for the event ("known")
with a fresh one each time ("new"), and prints the response times of both. Both answer
202 by design; here we look at the clock.

    python bench/registration_timing.py http://127.0.0.1:5099 smart-cities-konferenz --rounds 200

Run the server with a registration rate limit high enough for the rounds, e.g.
``RATELIMIT_REGISTRATION="100000 per minute"`` (the default 30/min stops the probe).
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import time
import uuid
from urllib.parse import urlsplit


def post(conn: http.client.HTTPConnection, path: str, email: str, mode: str) -> tuple[int, float]:
    body = json.dumps(
        {
            "given_name": "Timing",
            "family_name": "Probe",
            "email": email,
            "mode": mode,
            "privacy_consent": True,
        }
    )
    started = time.perf_counter()
    conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    return response.status, (time.perf_counter() - started) * 1000


def summary(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    p90 = ordered[int(len(ordered) * 0.9) - 1]
    return (
        f"{name:6} n={len(values):4}  median {statistics.median(values):6.1f} ms  "
        f"mean {statistics.fmean(values):6.1f} ms  p90 {p90:6.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("slug")
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--mode", default="on_site")
    args = parser.parse_args()
    parts = urlsplit(args.base_url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
    path = f"{parts.path.rstrip('/')}/api/v1/events/{args.slug}/registrations"
    run = uuid.uuid4().hex[:8]
    known = f"known-{run}@example.org"
    status, _ = post(conn, path, known, args.mode)
    assert status == 202, status
    for _ in range(5):  # warm up both paths
        post(conn, path, known, args.mode)
        post(conn, path, f"warm-{uuid.uuid4().hex[:10]}@example.org", args.mode)
    times: dict[str, list[float]] = {"known": [], "new": []}
    for i in range(args.rounds):
        order = ("known", "new") if i % 2 else ("new", "known")
        for kind in order:
            email = known if kind == "known" else f"new-{run}-{i}@example.org"
            status, elapsed = post(conn, path, email, args.mode)
            assert status == 202, (kind, status)
            times[kind].append(elapsed)
    for kind in ("known", "new"):
        print(summary(kind, times[kind]))
    gap = statistics.median(times["new"]) - statistics.median(times["known"])
    print(f"median gap (new - known): {gap:+.1f} ms")


if __name__ == "__main__":
    main()
