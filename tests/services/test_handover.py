"""Attendees correct their details and pass a registration on (Vertretung)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from eventapp import mail
from eventapp.mail.render import RenderError, build_message, obsolete_reason
from eventapp.models import (
    ActorKind,
    CancelReason,
    Handover,
    OutboxMessage,
    Registration,
    RegistrationStatus,
    SeriesRegistration,
    SeriesRegistrationStatus,
)
from eventapp.services import audit, handover, outbox, privacy, registration
from eventapp.services.audit import Actor
from eventapp.services.errors import AlreadyRegistered, InvalidState, LinkExpired, NotFound, ValidationError


def _mails(session) -> list[tuple[str, str, str | None]]:
    return [
        (m.kind, m.to_address, (m.context or {}).get("reason"))
        for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
    ]


def _setup(make, now, **overrides):
    event = make.event(starts_at=now + timedelta(days=10), ends_at=now + timedelta(days=10, hours=2))
    diet = make.question(event, key="diet", label="Ernährung", sensitive=True)
    topic = make.question(event, key="topic", label="Thema")
    values = {
        "ticket_id": f"t-{event.id}",
        "ticket_serial": 1,
        "answers": {"diet": "vegan", "topic": "KI"},
        "sensitive_consent_at": now,
    }
    values.update(overrides)
    reg = make.registration(event, **values)
    return event, reg, diet, topic


def _details(reg, **changes) -> handover.DetailsInput:
    values = {
        "given_name": reg.given_name,
        "family_name": reg.family_name,
        "organization": reg.organization,
        "answers": dict(reg.answers),
        "sensitive_consent": reg.sensitive_consent_at is not None,
    }
    values.update(changes)
    return handover.DetailsInput(**values)


def _offer(session, reg, now, email="max.muster@example.org", **kwargs) -> Handover:
    data = handover.HandoverInput(given_name="Max", family_name="Muster", email=email, organization="Stadt Olpe")
    return handover.offer_handover(
        session, reg, data, now=now, actor=Actor.attendee(reg), accept_url=lambda t: f"https://x.test/h/{t}", **kwargs
    )


# --- correcting details -----------------------------------------------------------------------------


def test_corrected_name_is_saved_audited_and_the_ticket_resent(session, make, now):
    _event, reg, _diet, _topic = _setup(make, now)
    changed = handover.update_details(
        session, reg, _details(reg, given_name="Erica", organization="Stadt Menden"), now=now, actor=Actor.attendee(reg)
    )
    assert changed == ["given_name", "organization"]
    assert (reg.given_name, reg.organization) == ("Erica", "Stadt Menden")
    assert _mails(session) == [("ticket", reg.person.email, "details_changed")]
    (entry,) = audit.history(session, reg)
    assert entry.action == "registration.details_changed"
    assert entry.actor_kind is ActorKind.ATTENDEE
    # Which fields, not their values: the history keeps nothing the person corrected away.
    assert entry.detail == {"fields": ["given_name", "organization"]}


def test_changed_answers_need_no_new_ticket(session, make, now):
    _event, reg, _diet, _topic = _setup(make, now)
    changed = handover.update_details(
        session, reg, _details(reg, answers={"diet": "vegan", "topic": "Mobilität"}), now=now, actor=Actor.attendee(reg)
    )
    assert changed == ["answers"]
    assert reg.answers == {"diet": "vegan", "topic": "Mobilität"}
    assert _mails(session) == []


def test_removing_the_sensitive_answer_withdraws_its_consent(session, make, now):
    _event, reg, _diet, _topic = _setup(make, now)
    handover.update_details(
        session,
        reg,
        _details(reg, answers={"topic": "KI"}, sensitive_consent=False),
        now=now,
        actor=Actor.attendee(reg),
    )
    assert reg.answers == {"topic": "KI"}
    assert reg.sensitive_consent_at is None


def test_nothing_changed_writes_nothing(session, make, now):
    _event, reg, _diet, _topic = _setup(make, now)
    assert handover.update_details(session, reg, _details(reg), now=now, actor=Actor.attendee(reg)) == []
    assert audit.history(session, reg) == []
    assert _mails(session) == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"given_name": "  "}, "given_name"),
        ({"family_name": "x" * 101}, "family_name"),
        ({"answers": {"diet": "vegan"}, "sensitive_consent": False}, "sensitive_consent"),
        ({"answers": {"unknown": "x"}}, "answers.unknown"),
    ],
)
def test_details_are_validated_like_a_registration(session, make, now, changes, field):
    _event, reg, _diet, _topic = _setup(make, now)
    with pytest.raises(ValidationError) as caught:
        handover.update_details(session, reg, _details(reg, **changes), now=now, actor=Actor.attendee(reg))
    assert field in caught.value.fields


def test_a_cancelled_registration_cannot_be_corrected(session, make, now):
    _event, reg, _diet, _topic = _setup(make, now, status=RegistrationStatus.CANCELLED)
    with pytest.raises(InvalidState):
        handover.update_details(session, reg, _details(reg, given_name="Neu"), now=now, actor=Actor.attendee(reg))


# --- passing a registration on ----------------------------------------------------------------------


def test_an_offer_changes_nothing_but_mails_the_new_address(session, make, now):
    _event, reg, _diet, _topic = _setup(make, now)
    token, serial, person_id = reg.manage_token, reg.ticket_serial, reg.person_id
    offer = _offer(session, reg, now)
    assert (reg.manage_token, reg.ticket_serial, reg.person_id) == (token, serial, person_id)
    assert offer.is_open and offer.full_name == "Max Muster"
    assert offer.expires_at == now + timedelta(hours=24)
    (mail,) = session.scalars(select(OutboxMessage)).all()
    assert (mail.kind, mail.to_address, mail.registration_id) == ("handover_offer", "max.muster@example.org", None)
    assert mail.context["accept_url"] == f"https://x.test/h/{offer.token}"
    assert [e.action for e in audit.history(session, reg)] == ["registration.handover_offered"]


def test_a_new_offer_withdraws_the_earlier_one(session, make, now):
    _event, reg, _diet, _topic = _setup(make, now)
    first = _offer(session, reg, now)
    second = _offer(session, reg, now + timedelta(minutes=1), email="other@example.org")
    session.refresh(first)
    assert first.withdrawn_at == now + timedelta(minutes=1)
    assert handover.open_handover(session, reg) is second
    with pytest.raises(LinkExpired):
        handover.accept_handover(session, first, now=now + timedelta(minutes=2))


def test_the_offer_lapses_at_the_event_start_at_the_latest(session, make, now):
    _event, reg, _diet, _topic = _setup(make, now)
    reg.event.starts_at = now + timedelta(hours=3)
    offer = _offer(session, reg, now)
    assert offer.expires_at == now + timedelta(hours=3)
    with pytest.raises(LinkExpired):
        handover.accept_handover(session, offer, now=now + timedelta(hours=3))


def test_own_address_and_unconfirmed_registrations_are_refused(session, make, now):
    _event, reg, _diet, _topic = _setup(make, now)
    with pytest.raises(ValidationError) as caught:
        _offer(session, reg, now, email=reg.person.email.upper())
    assert caught.value.fields == {"email": "same_address"}
    _event, pending, _d, _t = _setup(make, now, status=RegistrationStatus.PENDING, email_confirmed_at=None)
    with pytest.raises(InvalidState):
        _offer(session, pending, now)


def test_accepting_moves_the_registration_to_the_new_person(session, make, now, app):
    _event, reg, _diet, _topic = _setup(make, now)
    old_token, old_email, old_person = reg.manage_token, reg.person.email, reg.person_id
    offer = _offer(session, reg, now)
    later = now + timedelta(hours=1)
    handover.accept_handover(session, offer, now=later, consent_version="v2")
    assert reg.person.email == "max.muster@example.org" and reg.person_id != old_person
    assert (reg.given_name, reg.family_name, reg.organization) == ("Max", "Muster", "Stadt Olpe")
    assert reg.manage_token != old_token
    assert reg.ticket_serial == 2  # the old QR code is revoked
    assert reg.status is RegistrationStatus.CONFIRMED and reg.email_confirmed_at == later
    # Sensitive answers were about the previous person; the others stay with the registration.
    assert reg.answers == {"topic": "KI"} and reg.sensitive_consent_at is None
    assert (reg.privacy_consent_version, reg.privacy_consent_at) == ("v2", later)
    assert reg.person.verified_at == later
    with pytest.raises(NotFound):
        registration.registration_by_token(session, old_token)
    assert _mails(session)[1:] == [
        ("ticket", "max.muster@example.org", "handed_over"),
        ("handed_over", old_email, None),
    ]
    entry = audit.history(session, reg)[-1]
    assert entry.action == "registration.handed_over"
    assert (entry.actor_kind, entry.actor_id, entry.actor_label) == (ActorKind.ATTENDEE, reg.person_id, "Max Muster")
    assert entry.detail == {"from_person": old_person, "to_person": reg.person_id, "ticket_serial": 2}
    # A second press changes nothing.
    handover.accept_handover(session, offer, now=later + timedelta(minutes=1))
    assert reg.ticket_serial == 2 and len(_mails(session)) == 3


def test_mail_queued_for_the_previous_person_is_not_delivered_with_the_new_links(session, make, now, app):
    _event, reg, _diet, _topic = _setup(make, now)
    stale = outbox.mail_registrant(session, reg, "ticket", now=now, reason="reissued")
    handover.accept_handover(session, _offer(session, reg, now), now=now)
    session.flush()
    assert (
        obsolete_reason(session, stale, now=now) == "Not sent: the registration has been passed on to another address."
    )
    with pytest.raises(RenderError):  # and should it ever reach rendering, it fails rather than leak
        build_message(session, stale, now=now)


def test_a_waiting_registration_is_passed_on_with_its_place(session, make, now):
    _event, reg, _diet, _topic = _setup(
        make, now, status=RegistrationStatus.WAITLISTED, ticket_id=None, ticket_serial=0
    )
    handover.accept_handover(session, _offer(session, reg, now), now=now)
    assert reg.status is RegistrationStatus.WAITLISTED and reg.ticket_serial == 0
    assert [kind for kind, _to, _reason in _mails(session)] == ["handover_offer", "waitlisted", "handed_over"]


def test_the_new_person_may_not_hold_a_registration_already(session, make, now):
    event, reg, _diet, _topic = _setup(make, now)
    offer = _offer(session, reg, now)
    make.registration(event, person=offer.person)
    with pytest.raises(AlreadyRegistered):
        handover.accept_handover(session, offer, now=now)


def test_an_ended_registration_cannot_be_taken_over(session, make, now):
    _event, reg, _diet, _topic = _setup(make, now)
    offer = _offer(session, reg, now)
    registration.cancel(session, reg, now=now, actor=Actor.attendee(reg))
    with pytest.raises(InvalidState):
        handover.accept_handover(session, offer, now=now)


def test_a_series_date_passed_on_counts_as_declined_for_the_previous_person(session, make, now):
    series = make.series()
    event, reg, _diet, _topic = _setup(make, now)
    event.series_id = series.id
    sreg = SeriesRegistration(
        series=series,
        person=reg.person,
        given_name="Erika",
        family_name="Mustermann",
        mode=reg.mode,
        status=SeriesRegistrationStatus.ACTIVE,
        email_confirmed_at=now,
    )
    session.add(sreg)
    session.flush()
    reg.series_registration_id = sreg.id
    old_person = reg.person_id
    handover.accept_handover(session, _offer(session, reg, now), now=now)
    marker = session.scalar(
        select(Registration).where(Registration.event_id == event.id, Registration.person_id == old_person)
    )
    assert (marker.status, marker.cancel_reason, marker.series_registration_id) == (
        RegistrationStatus.CANCELLED,
        CancelReason.DECLINED,
        sreg.id,
    )
    assert reg.series_registration_id is None


def test_anonymising_a_registration_covers_its_handover_offers(session, make, now):
    _event, reg, _diet, _topic = _setup(make, now)
    offer = _offer(session, reg, now)
    privacy.anonymise(session, reg, now=now)
    assert (offer.given_name, offer.family_name, offer.organization) == ("", "", "")
    assert offer.anonymised_at == now


def test_unknown_handover_tokens_are_not_found(session):
    for token in ("", "nope", "x" * 100):
        with pytest.raises(NotFound):
            handover.handover_by_token(session, token)


# --- the mails, delivered through a real SMTP server ----------------------------------------------


@pytest.mark.parametrize(
    ("locale", "offer_subject", "ticket_subject", "gone_subject"),
    [
        (
            "de",
            "Erika Mustermann übergibt Ihnen eine Anmeldung",
            "An Sie übergeben – Ihr Ticket",
            "Ihre Anmeldung wurde übergeben",
        ),
        (
            "en",
            "Erika Mustermann passes a registration on to you",
            "Passed on to you – your ticket",
            "Your registration has been passed on",
        ),
    ],
)
def test_handover_mails_are_delivered_in_the_language_they_were_written_in(
    session, make, now, smtp_server, locale, offer_subject, ticket_subject, gone_subject
):
    _event, reg, _diet, _topic = _setup(make, now, locale=locale)
    data = handover.HandoverInput(
        given_name="Max", family_name="Muster", email="max@example.org", organization="Olpe", locale=locale
    )
    offer = handover.offer_handover(
        session, reg, data, now=now, actor=Actor.attendee(reg), accept_url=lambda t: f"https://x.test/h/{t}"
    )
    session.commit()
    mail.deliver_outbox(session, now=now)
    (offered,) = smtp_server.messages
    assert offered["To"] == "max@example.org"
    assert offer_subject in offered["Subject"]
    body = offered.get_body(preferencelist=("plain",)).get_content()
    assert f"https://x.test/h/{offer.token}" in body
    assert reg.manage_token not in body  # the old person's link never goes to the new address
    assert "Max Muster" in body

    old_email = reg.person.email
    handover.accept_handover(session, offer, now=now + timedelta(minutes=5))
    session.commit()
    mail.deliver_outbox(session, now=now + timedelta(minutes=5))
    ticket, gone = smtp_server.messages[1:]
    assert ticket["To"] == "max@example.org" and ticket_subject in ticket["Subject"]
    assert [part.get_filename() for part in ticket.walk() if part.get_filename()] == ["ticket.png", "invite.ics"]
    assert reg.manage_token in ticket.get_body(preferencelist=("plain",)).get_content()
    assert gone["To"] == old_email
    assert gone_subject in gone["Subject"]
    gone_body = gone.get_body(preferencelist=("plain",)).get_content()
    assert "Max Muster" in gone_body and reg.manage_token not in gone_body


def test_a_corrected_name_resends_the_ticket_with_that_name(session, make, now, smtp_server):
    _event, reg, _diet, _topic = _setup(make, now)
    handover.update_details(session, reg, _details(reg, given_name="Erica"), now=now, actor=Actor.attendee(reg))
    session.commit()
    mail.deliver_outbox(session, now=now)
    (ticket,) = smtp_server.messages
    body = ticket.get_body(preferencelist=("plain",)).get_content()
    assert "Erica Mustermann" in body
    assert "Ihre Angaben für" in body
    ics = next(part for part in ticket.walk() if part.get_filename() == "invite.ics").get_content()
    ics = ics.decode() if isinstance(ics, bytes) else ics
    assert "Erica Mustermann" in ics.replace("\r\n ", "")
