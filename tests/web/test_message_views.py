"""Messages to registrants in the organizer area (issue 7 Part 5): write → preview with the count →
send; refused for an empty group or an empty form (in the user's language); delivered by the
worker against a real SMTP server, with a permanent rejection shown as failed with its reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eventapp.models import AuditEntry, EventMessage, Mode, OutboxMessage, RegistrationStatus, utcnow
from tests.helpers import csrf_token, text
from tests.web.test_auth_views import login


@pytest.fixture
def world(data):
    soon = utcnow() + timedelta(days=14)
    with data() as (session, make):
        menden = make.organization(slug="menden", name="Stadt Menden")
        olpe = make.organization(slug="olpe", name="Stadt Olpe")
        event = make.event(organization=menden, title="Konferenz Menden", starts_at=soon, contact_email="k@menden.de")
        other = make.event(organization=olpe, title="Olper Abend", starts_at=soon)
        for name, mode in (("anna", Mode.ONLINE), ("bernd", Mode.ONLINE), ("clara", Mode.ON_SITE)):
            make.registration(event, person=make.person(email=f"{name}@example.org"), given_name=name, mode=mode)
        make.registration(
            event,
            person=make.person(email="emil@example.org"),
            mode=Mode.ONLINE,
            status=RegistrationStatus.PENDING,
            email_confirmed_at=None,
        )
        make.registration(other, person=make.person(email="olpe@example.org"))
        make.user(email="orga@menden.de", role="organizer", organizations=[menden])
        make.user(email="orga@olpe.de", role="organizer", organizations=[olpe])
        return {"event": event.id, "other": other.id}


def post(client, url: str, values: dict | None = None, **headers):
    return client.post(url, data={"csrf_token": csrf_token(client, "/manage/"), **(values or {})}, headers=headers)


MESSAGE = {"subject": "Raumänderung", "body": "Wir treffen uns im Saal 2."}


def counts(data):
    with data() as (session, _make):
        return (
            session.scalar(select(func.count(EventMessage.id))),
            session.scalar(select(func.count(OutboxMessage.id))),
        )


def test_write_preview_send_reaches_the_chosen_group(client, world, data):
    login(client, "orga@menden.de")
    url = f"/manage/events/{world['event']}/messages/new?status=confirmed&mode=online"
    page = client.get(url)
    assert page.status_code == 200
    assert "2 people in this group can receive the message." in text(page) or "2 Personen" in text(page)
    group = MESSAGE

    preview = post(client, url, group)

    assert preview.status_code == 200
    assert "Send to 2 recipients" in text(preview) or "An 2 Empfänger senden" in text(preview)
    assert counts(data) == (0, 0), "the preview stores nothing"

    sent = post(client, url, {**group, "confirmed": "1"})

    assert sent.status_code == 303
    with data() as (session, _make):
        message = session.scalar(select(EventMessage))
        assert sent.headers["Location"] == f"/manage/events/{world['event']}/messages/{message.id}"
        addresses = sorted(session.scalars(select(OutboxMessage.to_address)))
        assert addresses == ["anna@example.org", "bernd@example.org"]
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "event.message_sent"))
        assert entry.detail["recipients"] == 2
    page = client.get(sent.headers["Location"])
    assert page.status_code == 200 and "Raumänderung" in text(page)


def test_change_on_the_preview_shows_the_form_filled_in(client, world):
    login(client, "orga@menden.de")
    response = post(client, f"/manage/events/{world['event']}/messages/new", {**MESSAGE, "edit": "1"})
    assert response.status_code == 200
    assert 'value="Raumänderung"' in response.get_data(as_text=True)


@pytest.mark.parametrize("confirmed", ["", "1"])
@pytest.mark.parametrize("group", ["status=pending", "status=cancelled", "email_confirmed=no", "q=niemand"])
def test_a_group_without_anyone_to_reach_is_refused_and_nothing_is_stored(client, world, data, confirmed, group):
    login(client, "orga@menden.de")
    values = {**MESSAGE, "confirmed": confirmed}  # pending: emil, whose address is not confirmed

    url = f"/manage/events/{world['event']}/messages/new?{group}"
    response = post(client, url, values, **{"Accept-Language": "en"})

    assert response.status_code == 400
    assert "Nobody in this group can receive the message" in text(response)
    assert counts(data) == (0, 0)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", ["Please enter a subject.", "Please write the message."]), ("de", ["Bitte geben Sie einen Betreff ein."])],
)
def test_an_empty_form_is_answered_with_errors_in_the_users_language(client, world, data, lang, expected):
    login(client, "orga@menden.de")
    response = post(client, f"/manage/events/{world['event']}/messages/new?lang={lang}", {"subject": " ", "body": ""})
    assert response.status_code == 400
    for message in expected:
        assert message in text(response)
    assert counts(data) == (0, 0)


@pytest.mark.parametrize("group", ["status=gone", "mode=hologram", "checked_in=maybe"])
def test_a_group_the_filter_does_not_know_is_refused(client, world, data, group):
    login(client, "orga@menden.de")
    url = f"/manage/events/{world['event']}/messages/new?{group}"
    assert client.get(url).status_code == 400
    response = post(client, url, {**MESSAGE, "confirmed": "1"})
    assert response.status_code == 400
    assert counts(data) == (0, 0)


def test_another_organizations_organizer_gets_403_and_nothing_is_sent(client, world, data):
    login(client, "orga@olpe.de")
    url = f"/manage/events/{world['event']}/messages/new"
    assert client.get(url).status_code == 403
    assert post(client, url, {**MESSAGE, "confirmed": "1"}).status_code == 403
    assert client.get(f"/manage/events/{world['event']}/messages").status_code == 403
    assert counts(data) == (0, 0)


def test_a_message_of_another_event_is_not_found_under_this_one(app, client, world, data):
    olpe = app.test_client()
    login(olpe, "orga@olpe.de")
    assert post(olpe, f"/manage/events/{world['other']}/messages/new", {**MESSAGE, "confirmed": "1"}).status_code == 303
    with data() as (session, _make):
        message_id = session.scalar(select(EventMessage.id))
    login(client, "orga@menden.de")
    assert client.get(f"/manage/events/{world['event']}/messages/{message_id}").status_code == 404


def test_progress_after_the_worker_shows_the_permanent_rejection_with_its_reason(
    client, world, data, smtp_server, runner
):
    login(client, "orga@menden.de")
    sent = post(client, f"/manage/events/{world['event']}/messages/new", {**MESSAGE, "confirmed": "1"})
    location = sent.headers["Location"]
    before = client.get(location + "?lang=en")
    assert "Reload this page" in text(before)
    smtp_server.reject("clara@example.org")

    result = runner.invoke(args=["worker", "--once"])

    assert result.exit_code == 0, result.output
    assert sorted(m["To"] for m in smtp_server.messages) == ["anna@example.org", "bernd@example.org"]
    page = text(client.get(location + "?lang=en"))
    assert "Reload this page" not in page
    for label, number in (("Delivered", 2), ("Queued", 0), ("Failed", 1)):
        assert f"<dt>{label}</dt><dd>{number}</dd>" in page
    assert "Not delivered" in page
    assert "clara@example.org" in page and "550 5.1.1 Mailbox unavailable" in page
    overview = text(client.get(f"/manage/events/{world['event']}/messages?lang=en"))
    assert "Raumänderung" in overview
