"""For `make test`: is the PostgreSQL server of a test URL reachable? Creates its database if missing.

Prints ``host:port`` (for the Makefile's messages); exit status 0 means ready.
"""

from __future__ import annotations

import sys

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url


def main(url: str) -> int:
    parsed = make_url(url)
    host, port = parsed.host or "localhost", parsed.port or 5432
    print(f"{host}:{port}")
    try:
        with psycopg.connect(
            host=host,
            port=port,
            user=parsed.username,
            password=parsed.password,
            dbname="postgres",
            connect_timeout=3,
            autocommit=True,
        ) as connection:
            exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)).fetchone()
            if exists is None:
                connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(parsed.database)))
    except psycopg.Error as exc:
        print(f"PostgreSQL at {host}:{port}: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
