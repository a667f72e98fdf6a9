"""Helpers the web tests share: reading pages, the CSRF token, posting forms, counting queries.

Web tests prepare and inspect data in short ``data()`` blocks (the ``data`` fixture in
conftest.py) and never hold an app context during requests, as in production.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from tests.factories import Factories

#: The ``data`` fixture: ``with data() as (session, make):`` opens a short app context that commits.
DB = Callable[[], AbstractContextManager[tuple[Session, Factories]]]

#: A person filling in the registration form (event or series); tests add ``email`` and ``mode``.
PERSON = {
    "given_name": "Erika",
    "family_name": "Mustermann",
    "organization": "Stadt Olpe",
    "privacy_consent": "y",
}


def text(response: TestResponse) -> str:
    """The page as a person reads it (entities such as ``&#34;`` decoded)."""
    return html.unescape(response.get_data(as_text=True))


def without_links(body: str) -> str:
    """A mail body without its URLs: random tokens in links must not make word checks flaky."""
    return re.sub(r"\S+://\S+", "", body)


def csrf_token(client: FlaskClient, url: str) -> str:
    """The CSRF token a person's browser would get from the page at ``url``."""
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert match, "page has no CSRF token"
    return match.group(1)


def form_values(**fields: Any) -> dict[str, Any]:
    """The registration form filled in by :data:`PERSON` and ``fields``; a field given as None is left out."""
    values = {**PERSON, **fields}
    return {key: value for key, value in values.items() if value is not None}


def post_form(
    client: FlaskClient, url: str, values: Mapping[str, Any] | None = None, *, token_from: str | None = None
) -> TestResponse:
    """POST ``values`` to ``url`` as a browser does after opening a page: with the CSRF token of
    the page at ``token_from`` (``url`` itself by default), unless ``values`` bring their own."""
    data = dict(values or {})
    data.setdefault("csrf_token", csrf_token(client, token_from or url))
    return client.post(url, data=data)


@contextmanager
def recorded_selects(engine: Engine) -> Iterator[list[str]]:
    """The SELECT statements run on ``engine`` meanwhile (to show that a page or feed needs few queries)."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    sa_event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)


def run_concurrently(app: Any, jobs: list[Callable[[Session], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Run each job in its own thread and session at the same moment (a barrier), committing each;
    returns the jobs' results and the exceptions raised (in finishing order)."""
    import threading

    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker

    from eventapp.database import configure_engine

    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], pool_size=len(jobs), max_overflow=0)
    configure_engine(engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(job: Callable[[Session], Any]) -> None:
        try:
            with factory() as own:
                barrier.wait()
                results.append(job(own))
                own.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    return results, errors
