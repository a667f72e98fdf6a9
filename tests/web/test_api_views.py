"""JSON API v1: event list and detail, the registration POST and the OpenAPI document."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from eventapp.blueprints.api.openapi import REF_TEMPLATE
from eventapp.blueprints.api.schemas import RegistrationRequest
from eventapp.models import (
    AgendaItem,
    EventAttendance,
    EventStatus,
    OutboxMessage,
    Person,
    QuestionKind,
    Registration,
    RegistrationStatus,
    utcnow,
)
from eventapp.services.submission import MAX_NAME

OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00$")


def _soon(days: int = 30, hour: int = 9) -> datetime:
    """A moment relative to the real clock (the API uses it), at a fixed UTC hour."""
    day = utcnow() + timedelta(days=days)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


@pytest.fixture
def conference(make, session):
    organization = make.organization(slug="arnsberg", name="Stadt Arnsberg")
    series = make.series(organization=organization, slug="pausenhof")
    event = make.event(
        slug="konferenz",
        title="Smart Cities: Konferenz",
        organization=organization,
        series=series,
        starts_at=_soon(30),
        capacity_on_site=2,
        capacity_online=None,
    )
    session.add(AgendaItem(event=event, position=1, title="Begrüßung", starts_at=_soon(30)))
    make.question(event, key="diet", label="Ernährung", kind=QuestionKind.TEXT, sensitive=True)
    make.question(
        event,
        key="workshop",
        label="Workshop",
        label_translations={"en": "Workshop (en)"},
        kind=QuestionKind.CHOICE,
        choices=[{"value": "a", "label": "Erster", "label_en": "First"}, {"value": "b", "label": "Zweiter"}],
        required=False,
    )
    session.commit()
    return event


def _body(**overrides):
    body = {
        "given_name": "Erika",
        "family_name": "Mustermann",
        "email": "erika@example.org",
        "organization": "Stadt Arnsberg",
        "mode": "on_site",
        "answers": {},
        "privacy_consent": True,
    }
    body.update(overrides)
    return body


def _post(client, slug="konferenz", body=None, **kwargs):
    return client.post(f"/api/v1/events/{slug}/registrations", json=_body() if body is None else body, **kwargs)


def _error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    error = response.get_json()["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error


def _count(session, model):
    session.rollback()
    return session.scalar(select(func.count()).select_from(model))


# --- events -------------------------------------------------------------------------------


def test_event_detail_shape(client, conference):
    response = client.get("/api/v1/events/konferenz")
    assert response.status_code == 200
    data = response.get_json()
    assert data["slug"] == "konferenz"
    assert data["title"] == "Smart Cities: Konferenz"
    assert data["organization"] == {"slug": "arnsberg", "name": "Stadt Arnsberg"}
    assert data["series"] == "pausenhof"
    assert data["attendance"] == "hybrid"
    assert data["status"] == "published"
    assert data["state"] == "open"
    assert data["modes"] == {
        "on_site": {"capacity": 2, "seats_left": 2, "full": False},
        "online": {"capacity": None, "seats_left": None, "full": False},
    }
    assert OFFSET.match(data["starts_at"]) and OFFSET.match(data["ends_at"])
    assert datetime.fromisoformat(data["starts_at"]) == conference.starts_at
    assert data["agenda"][0]["title"] == "Begrüßung"
    assert OFFSET.match(data["agenda"][0]["starts_at"])
    assert data["url"] == "http://localhost/events/konferenz"
    questions = {q["key"]: q for q in data["questions"]}
    assert questions["diet"] == {
        "key": "diet",
        "label": "Ernährung",
        "kind": "text",
        "choices": [],
        "required": False,
        "sensitive": True,
    }
    assert questions["workshop"]["choices"] == [{"value": "a", "label": "Erster"}, {"value": "b", "label": "Zweiter"}]


def test_event_detail_in_english(client, conference):
    data = client.get("/api/v1/events/konferenz?lang=en").get_json()
    workshop = next(q for q in data["questions"] if q["key"] == "workshop")
    assert workshop["label"] == "Workshop (en)"
    assert workshop["choices"] == [{"value": "a", "label": "First"}, {"value": "b", "label": "Zweiter"}]


def test_seats_and_state_follow_registrations(client, make, session, conference):
    make.registration(conference, mode="on_site")
    make.registration(conference, mode="on_site", status=RegistrationStatus.PENDING, expires_at=_soon(1))
    session.commit()
    data = client.get("/api/v1/events/konferenz").get_json()
    assert data["modes"]["on_site"] == {"capacity": 2, "seats_left": 0, "full": True}
    assert data["state"] == "open"  # online still has room


def test_single_mode_event_lists_only_its_mode(client, make, session):
    make.event(slug="vor-ort", attendance=EventAttendance.ON_SITE, capacity_on_site=500, starts_at=_soon(10))
    session.commit()
    assert client.get("/api/v1/events/vor-ort").get_json()["modes"] == {
        "on_site": {"capacity": 500, "seats_left": 500, "full": False}
    }


def test_cancelled_event_detail_is_public(client, make, session):
    make.event(slug="abgesagt", status=EventStatus.CANCELLED, cancel_message="Krankheit", starts_at=_soon(5))
    session.commit()
    data = client.get("/api/v1/events/abgesagt").get_json()
    assert data["status"] == "cancelled"
    assert data["state"] == "cancelled"
    assert data["cancel_message"] == "Krankheit"


@pytest.mark.parametrize("slug", ["entwurf", "unknown", "x" * 500])
def test_draft_and_unknown_events_are_not_found(client, make, session, slug):
    make.event(slug="entwurf", status=EventStatus.DRAFT, starts_at=_soon(5))
    session.commit()
    _error(client.get(f"/api/v1/events/{slug}"), 404, "not_found")


def test_list_shows_public_upcoming_events_soonest_first(client, make, session):
    later = make.event(slug="later", starts_at=_soon(20))
    sooner = make.event(slug="sooner", starts_at=_soon(3))
    running = make.event(slug="running", starts_at=utcnow() - timedelta(hours=1), ends_at=utcnow() + timedelta(hours=2))
    make.event(slug="past", starts_at=_soon(-10))
    make.event(slug="draft", starts_at=_soon(4), status=EventStatus.DRAFT)
    cancelled = make.event(slug="cancelled", starts_at=_soon(4), status=EventStatus.CANCELLED)
    session.commit()
    response = client.get("/api/v1/events")
    assert response.status_code == 200
    data = response.get_json()
    assert [e["slug"] for e in data["events"]] == [running.slug, sooner.slug, cancelled.slug, later.slug]
    assert data["next"] is None
    assert data["events"][1] == client.get("/api/v1/events/sooner").get_json()


def test_list_marks_a_cancelled_event_like_the_public_pages(client, make, session):
    """One definition of public events: the API list shows a cancelled event as the start page
    does (marked, not bookable), so a portal that copied it learns that it is off."""
    make.event(slug="abgesagt", starts_at=_soon(4), status=EventStatus.CANCELLED, cancel_message="Krankheit")
    session.commit()
    (listed,) = client.get("/api/v1/events").get_json()["events"]
    assert listed["status"] == "cancelled"
    assert listed["state"] == "cancelled"
    assert listed["cancel_message"] == "Krankheit"
    assert "abgesagt" in client.get("/").get_data(as_text=True)


def test_list_filters_by_format_and_organization(client, make, session):
    menden = make.organization(slug="menden")
    make.event(slug="a", format="konferenz", organization=menden, starts_at=_soon(3))
    make.event(slug="b", format="austausch", organization=menden, starts_at=_soon(4))
    make.event(slug="c", format="austausch", starts_at=_soon(5))
    session.commit()

    def slugs(query):
        response = client.get(f"/api/v1/events?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return [e["slug"] for e in response.get_json()["events"]]

    assert slugs("format=austausch") == ["b", "c"]
    assert slugs("organization=menden") == ["a", "b"]
    assert slugs("organization=menden&format=austausch") == ["b"]
    assert slugs("format=workshop") == []  # a known format without events is not an error


def test_unknown_organization_filter_is_a_validation_error(client, conference):
    error = _error(client.get("/api/v1/events?organization=atlantis"), 400, "validation_error")
    assert "organization" in error["fields"]


def test_list_window_from_and_to(client, make, session):
    def event(slug, starts_at, minutes):
        make.event(slug=slug, starts_at=starts_at, ends_at=starts_at + timedelta(minutes=minutes))

    event("old", datetime(2025, 3, 10, 9, tzinfo=UTC), 6 * 60)  # until 15:00 UTC
    event("march", datetime(2025, 3, 31, 22, 30, tzinfo=UTC), 60)  # 00:30 on 1 April in Berlin (CEST)
    event("feb", datetime(2025, 2, 28, 22, 30, tzinfo=UTC), 20)  # 23:30–23:50 on 28 February in Berlin (CET)
    session.commit()

    def slugs(query):
        response = client.get(f"/api/v1/events?{query}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return [e["slug"] for e in response.get_json()["events"]]

    # Dates are Berlin days: "to" includes its whole day, "from" starts at its midnight.
    assert slugs("from=2025-03-01&to=2025-03-31") == ["old"]
    assert slugs("from=2025-02-28&to=2025-03-31") == ["feb", "old"]
    assert slugs("from=2025-03-01&to=2025-04-01") == ["old", "march"]
    assert slugs("from=2025-03-10T12:00:00%2B01:00&to=2025-04-30") == ["old", "march"]  # old runs until 15:00 UTC
    assert slugs("from=2025-03-10T16:30&to=2025-04-30") == ["march"]  # naive = Berlin time
    assert slugs("to=2025-04-30") == []  # without "from": upcoming only


@pytest.mark.parametrize(
    "query,field",
    [
        ("from=yesterday", "from"),
        ("to=2025-13-01", "to"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("cursor=bm9wZQ", "cursor"),
        ("cursor=%25%25", "cursor"),
    ],
)
def test_bad_list_parameters(client, conference, query, field):
    error = _error(client.get(f"/api/v1/events?{query}"), 400, "validation_error")
    assert field in error["fields"]


def test_cursor_pagination_walks_every_event_once(client, make, session):
    same_time = _soon(7)
    expected = []
    for day in (2, 3):
        expected.append(make.event(slug=f"e{day}", starts_at=_soon(day)).slug)
    for n in range(3):  # equal start times: the id breaks the tie
        expected.append(make.event(slug=f"same{n}", starts_at=same_time).slug)
    expected.append(make.event(slug="e9", starts_at=_soon(9)).slug)
    session.commit()

    seen, url, pages = [], "/api/v1/events?limit=2", 0
    while url:
        data = client.get(url).get_json()
        assert len(data["events"]) <= 2
        seen += [e["slug"] for e in data["events"]]
        pages += 1
        url = f"/api/v1/events?limit=2&cursor={data['next']}" if data["next"] else None
    assert seen == expected
    assert pages == 3


@pytest.mark.parametrize(
    "method,path",
    [
        ("post", "/api/v1/events"),
        ("delete", "/api/v1/events/konferenz"),
        ("get", "/api/v1/events/konferenz/registrations"),
        ("put", "/api/v1/openapi.json"),
    ],
)
def test_wrong_method(client, conference, method, path):
    _error(getattr(client, method)(path), 405, "method_not_allowed")


def test_unknown_api_path_is_json_404(client):
    _error(client.get("/api/v1/nothing"), 404, "not_found")


# --- registration -------------------------------------------------------------------------


def test_registration_is_accepted_without_csrf_token(client, session, conference):
    assert client.application.config.get("WTF_CSRF_ENABLED", True)
    response = _post(client)
    assert response.status_code == 202
    assert response.get_json() == {"status": "check_inbox"}
    registration = session.scalars(select(Registration)).one()
    assert registration.event_id == conference.id
    assert registration.status is RegistrationStatus.PENDING
    assert registration.person.email == "erika@example.org"
    assert registration.privacy_consent_version == client.application.config["PRIVACY_CONSENT_VERSION"]
    assert session.scalars(select(OutboxMessage.kind)).all() == ["confirm_email"]


def test_repeat_registration_answers_exactly_like_the_first(client, session, conference):
    first = _post(client)
    second = _post(client)
    assert (second.status_code, second.get_data()) == (first.status_code, first.get_data())
    assert _count(session, Registration) == 1


def test_full_mode_still_answers_202(client, session, conference):
    for n in range(3):
        assert _post(client, body=_body(email=f"p{n}@example.org")).status_code == 202
    statuses = session.scalars(select(Registration.status).order_by(Registration.id)).all()
    assert statuses == [RegistrationStatus.PENDING, RegistrationStatus.PENDING, RegistrationStatus.WAITLISTED]


def test_answers_and_locale_reach_the_service(client, session, conference):
    body = _body(answers={"diet": "vegan", "workshop": "a"}, sensitive_consent=True, locale="en")
    assert _post(client, body=body).status_code == 202
    registration = session.scalars(select(Registration)).one()
    assert registration.answers == {"diet": "vegan", "workshop": "a"}
    assert registration.locale == "en"
    assert registration.sensitive_consent_at is not None


def test_locale_defaults_to_the_negotiated_language(client, session, conference):
    assert _post(client, headers={"Accept-Language": "en-GB,en;q=0.8"}).status_code == 202
    assert session.scalars(select(Registration.locale)).one() == "en"


def test_sensitive_answer_needs_consent(client, session, conference):
    error = _error(_post(client, body=_body(answers={"diet": "vegan"})), 400, "validation_error")
    assert "sensitive_consent" in error["fields"]
    assert _count(session, Registration) == 0


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"given_name": 1}, "given_name"),
        ({"family_name": None}, "family_name"),
        ({"email": ["a@example.org"]}, "email"),
        ({"privacy_consent": "true"}, "privacy_consent"),
        ({"privacy_consent": 1}, "privacy_consent"),
        ({"privacy_consent": False}, "privacy_consent"),
        ({"sensitive_consent": "yes"}, "sensitive_consent"),
        ({"mode": "hybrid"}, "mode"),
        ({"waiting_for": 3}, "waiting_for"),
        ({"answers": []}, "answers"),
        ({"answers": {"diet": 5}}, "answers.diet"),
        ({"answers": {"diet": "x" * 1001}}, "answers.diet"),
        ({"locale": "fr"}, "locale"),
        ({"given_name": "x" * (MAX_NAME + 1)}, "given_name"),
        ({"given_name": ""}, "given_name"),
        ({"organization": "x" * 201}, "organization"),
        ({"email": "x" * 250 + "@example.org"}, "email"),
        ({"admin": True}, "admin"),
    ],
)
def test_schema_validation_errors_name_the_field(client, session, conference, changes, field):
    error = _error(_post(client, body=_body(**changes)), 400, "validation_error")
    assert field in error["fields"], error
    assert isinstance(error["fields"][field], str) and error["fields"][field]
    assert _count(session, Registration) == 0
    assert _count(session, Person) == 0


def test_missing_fields_are_listed(client, conference):
    error = _error(_post(client, body={"answers": {}}), 400, "validation_error")
    assert {"given_name", "family_name", "email", "privacy_consent"} <= set(error["fields"])


@pytest.mark.parametrize(
    "changes,field",
    [
        ({"email": "not-an-address"}, "email"),
        ({"mode": None}, "mode"),  # hybrid events need a mode
        ({"answers": {"unknown": "x"}}, "answers.unknown"),
        ({"answers": {"workshop": "z"}}, "answers.workshop"),
        ({"given_name": "   "}, "given_name"),
    ],
)
def test_service_validation_errors_are_400(client, session, conference, changes, field):
    error = _error(_post(client, body=_body(**changes)), 400, "validation_error")
    assert field in error["fields"]
    assert error["fields"][field].endswith(".")  # words, not the service's short codes
    assert _count(session, Registration) == 0


@pytest.mark.parametrize(
    "event_changes,code",
    [
        ({"registration_opens_at": datetime(2099, 1, 1, tzinfo=UTC)}, "registration_not_open"),
        ({"registration_closes_at": datetime(2000, 1, 1, tzinfo=UTC)}, "registration_closed"),
        ({"status": EventStatus.CANCELLED}, "event_cancelled"),
        ({"attendance": EventAttendance.ONLINE}, "mode_not_offered"),
    ],
)
def test_conflicts(client, make, session, event_changes, code):
    make.event(slug="ev", starts_at=_soon(10), **event_changes)
    session.commit()
    error = _error(_post(client, slug="ev"), 409, code)
    assert all(message.endswith(".") for message in error["fields"].values())
    assert _count(session, Registration) == 0
    assert _count(session, OutboxMessage) == 0


@pytest.mark.parametrize("slug", ["unknown", "entwurf"])
def test_registration_for_unknown_or_draft_event(client, make, session, slug):
    make.event(slug="entwurf", status=EventStatus.DRAFT, starts_at=_soon(5))
    session.commit()
    _error(_post(client, slug=slug), 404, "not_found")


def test_body_too_large(client, conference):
    limit = client.application.config["MAX_CONTENT_LENGTH"]
    body = _body(organization="x" * (limit + 10))
    _error(_post(client, body=body), 413, "payload_too_large")


@pytest.mark.parametrize(
    "data,content_type",
    [
        (json.dumps(_body()), "text/plain"),
        ("given_name=Erika", "application/x-www-form-urlencoded"),
        (json.dumps(_body()), None),
    ],
)
def test_body_not_json(client, conference, data, content_type):
    response = client.post("/api/v1/events/konferenz/registrations", data=data, content_type=content_type)
    _error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("data", ["{not json", b"\xff\xfe\x00garbage", ""])
def test_declared_json_that_does_not_parse(client, conference, data):
    response = client.post("/api/v1/events/konferenz/registrations", data=data, content_type="application/json")
    _error(response, 400, "validation_error")
    assert response.get_json()["error"]["fields"] == {"body": "Not valid JSON."}


def test_oversized_chunked_body_is_413(client, conference):
    body = json.dumps(_body(organization="x" * 200_000)).encode()
    response = client.post(
        "/api/v1/events/konferenz/registrations",
        input_stream=io.BytesIO(body),
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )
    _error(response, 413, "payload_too_large")


@pytest.mark.parametrize("payload", [[], ["a"], "text", 42, None, True])
def test_json_that_is_not_an_object(client, conference, payload):
    response = client.post(
        "/api/v1/events/konferenz/registrations", data=json.dumps(payload), content_type="application/json"
    )
    _error(response, 400, "validation_error")


def test_deeply_nested_json_is_refused_cleanly(client, conference):
    response = client.post(
        "/api/v1/events/konferenz/registrations", data="[" * 30_000 + "]" * 30_000, content_type="application/json"
    )
    _error(response, 400, "validation_error")


def test_rate_limit_per_client(client, conference, monkeypatch):
    monkeypatch.setitem(client.application.config, "RATELIMIT_REGISTRATION", "2 per minute")
    assert _post(client).status_code == 202
    assert _post(client).status_code == 202
    response = _post(client)
    _error(response, 429, "rate_limited")
    assert int(response.headers["Retry-After"]) > 0
    # Another client is not affected.
    other = _post(client, body=_body(email="other@example.org"), environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other.status_code == 202
    # Reads are not limited by the registration limit.
    assert client.get("/api/v1/events/konferenz").status_code == 200


# --- OpenAPI ------------------------------------------------------------------------------


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_openapi_document_basics(document):
    assert document["openapi"].startswith("3.1")
    assert document["info"]["title"] and document["info"]["version"]
    assert document["servers"] == [{"url": "http://localhost"}]
    assert {
        "/api/v1/events",
        "/api/v1/events/{slug}",
        "/api/v1/events/{slug}/registrations",
    } <= set(document["paths"])
    post = document["paths"]["/api/v1/events/{slug}/registrations"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RegistrationRequest"
    }
    assert {"202", "400", "404", "409", "413", "415", "429"} <= set(post["responses"])
    assert "Retry-After" in post["responses"]["429"]["headers"]
    names = {p["name"] for p in document["paths"]["/api/v1/events"]["get"]["parameters"]}
    assert names == {"format", "organization", "from", "to", "cursor", "limit"}


def test_openapi_request_schema_is_the_validating_model(document):
    expected = RegistrationRequest.model_json_schema(ref_template=REF_TEMPLATE)
    expected.pop("$defs", None)
    assert document["components"]["schemas"]["RegistrationRequest"] == expected


def test_openapi_refs_all_resolve(document):
    refs = set(re.findall(r'"\$ref": "([^"]+)"', json.dumps(document)))
    assert refs
    for ref in refs:
        assert ref.startswith("#/components/schemas/")
        assert ref.rsplit("/", 1)[1] in document["components"]["schemas"], ref
    for name in ("EventOut", "EventList", "ErrorResponse", "CheckInbox"):
        assert name in document["components"]["schemas"]


def test_every_documented_path_is_a_route(app, document):
    routes = {}
    for rule in app.url_map.iter_rules():
        routes.setdefault(re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule), set()).update(rule.methods or ())
    for path, operations in document["paths"].items():
        assert path in routes, path
        for method in operations:
            assert method.upper() in routes[path], (path, method)


def test_event_response_matches_the_documented_schema(client, conference, document):
    """The documented fields are exactly the fields the API sends."""
    data = client.get("/api/v1/events/konferenz").get_json()
    schema = document["components"]["schemas"]["EventOut"]
    assert set(data) == set(schema["properties"])
    assert set(schema["required"]) == set(schema["properties"])


def test_api_error_messages_are_english_whatever_the_language(client, conference):
    response = client.post(
        "/api/v1/events/konferenz/registrations",
        data="x",
        content_type="text/plain",
        headers={"Accept-Language": "de-DE"},
    )
    _error(response, 415, "unsupported_media_type")
    assert response.get_json()["error"]["message"] == "Please send JSON (Content-Type: application/json)."
