"""Password reset and invitations by mail (issue 7 Part 1), over a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from eventapp.mail import deliver_outbox
from eventapp.models import AuditEntry, OutboxMessage, User, utcnow
from eventapp.services import account_links
from tests.helpers import post_form, text
from tests.web.test_auth_views import login

NEW_PASSWORD = "ein-ganz-neues-passwort"


@pytest.fixture
def menden(data):
    with data() as (session, make):
        org = make.organization(slug="menden", name="Stadt Menden")
        make.organization(slug="olpe", name="Stadt Olpe")
        make.user(email="orga@menden.de", role="organizer", organizations=[org], name="Maria Menden")
        make.user(email="admin@agentur.de", role="admin")


def deliver(data) -> None:
    with data() as (session, _make):
        assert deliver_outbox(session, now=utcnow()).failed == []


def link_in(mail, path: str) -> str:
    body = mail.get_body(preferencelist=("plain",)).get_content()
    match = re.search(rf"http://localhost(/{path}/[\w.\-]+)", body)
    assert match, body
    return match.group(1)


def forgot(client, email: str):
    return post_form(client, "/password/forgot", {"email": email})


def set_password(client, url: str, password: str = NEW_PASSWORD, **extra: str):
    return post_form(client, url, {"password": password, "confirm": password, **extra})


# --- password reset ----------------------------------------------------------------------------------


def test_a_reset_link_arrives_by_mail_sets_the_password_once_and_signs_in(client, app, data, menden, smtp_server):
    other_device = app.test_client()
    login(other_device, "orga@menden.de", remember=True)

    answer = forgot(client, "ORGA@menden.de")
    assert answer.status_code == 200
    assert "Bitte prüfen Sie Ihr E-Mail-Postfach" in text(answer)
    deliver(data)
    (mail,) = smtp_server.messages_to("orga@menden.de")
    assert mail["Subject"] == "Neues Passwort wählen"
    url = link_in(mail, "password/reset")
    assert "2 Stunden" in mail.get_body(preferencelist=("plain",)).get_content()

    opened = client.get(url)  # opening (a mail gateway's prefetch) changes nothing
    assert opened.status_code == 200 and "orga@menden.de" in text(opened)
    done = set_password(client, url)
    assert done.status_code == 303 and done.headers["Location"] == "/manage/"
    assert client.get("/manage/").status_code == 200  # signed in
    assert other_device.get("/manage/").status_code == 303  # other sessions ended

    again = set_password(app.test_client(), url, "noch-ein-anderes-passwort")
    assert again.status_code == 404
    assert "Dieser Link ist nicht gültig" in text(again)
    fresh = app.test_client()
    assert login(fresh, "orga@menden.de").status_code == 400
    assert login(fresh, "orga@menden.de", NEW_PASSWORD).status_code == 303


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, data, menden, smtp_server):
    known, unknown = forgot(client, "orga@menden.de"), forgot(client, "niemand@menden.de")
    assert known.status_code == unknown.status_code == 200

    def without_token(response) -> str:
        return re.sub(r'content="[^"]+"(?=>\s*<meta name="color-scheme")', "", text(response))

    assert without_token(known) == without_token(unknown)
    deliver(data)
    assert [m["To"] for m in smtp_server.messages] == ["orga@menden.de"]


def test_repeated_requests_send_one_mail_every_few_minutes(client, data, menden):
    for _ in range(3):
        assert forgot(client, "orga@menden.de").status_code == 200
    with data() as (session, _make):
        assert len(session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "password_reset")).all()) == 1


def test_reset_requests_are_rate_limited_per_client(app, client, menden, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_PASSWORD_RESET", "2 per minute")
    assert forgot(client, "a@menden.de").status_code == 200
    assert forgot(client, "b@menden.de").status_code == 200
    blocked = forgot(client, "c@menden.de")
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers


def _token(data, email: str, purpose: str, *, age: timedelta = timedelta(0)) -> str:
    with data() as (session, _make):
        user = session.scalar(select(User).where(User.email == email))
        return account_links.make_token(user, purpose=purpose, secret="testing-secret", now=utcnow() - age)


def test_an_expired_reset_link_says_so_and_offers_a_new_one(client, data, menden):
    token = _token(data, "orga@menden.de", account_links.RESET, age=timedelta(hours=2, minutes=1))
    page = client.get(f"/password/reset/{token}")
    assert page.status_code == 410
    assert "Dieser Link ist abgelaufen" in text(page) and "/password/forgot" in text(page)
    assert set_password(client, f"/password/reset/{token}", token_from="/login").status_code == 410


@pytest.mark.parametrize("mangle", ["forged", "other-purpose", "truncated"])
def test_a_forged_or_foreign_token_is_not_valid(client, data, menden, mangle):
    if mangle == "forged":
        from itsdangerous import URLSafeSerializer

        token = URLSafeSerializer("guessed-secret", salt="eventapp.account.password-reset").dumps(
            {"u": 1, "f": "x", "t": int(utcnow().timestamp())}
        )
    elif mangle == "other-purpose":
        token = _token(data, "orga@menden.de", account_links.INVITATION)
    else:
        token = _token(data, "orga@menden.de", account_links.RESET)[:-3]
    page = client.get(f"/password/reset/{token}")
    assert page.status_code == 404
    assert "Dieser Link ist nicht gültig" in text(page)


def test_a_deactivated_user_cannot_use_a_reset_link(client, data, menden):
    from eventapp.services import accounts
    from eventapp.services.audit import CLI

    token = _token(data, "orga@menden.de", account_links.RESET)
    with data() as (session, _make):
        user = session.scalar(select(User).where(User.email == "orga@menden.de"))
        accounts.deactivate(session, user, now=utcnow(), actor=CLI)
    assert client.get(f"/password/reset/{token}").status_code == 404


def test_a_short_or_mismatched_new_password_is_refused(client, data, menden):
    url = f"/password/reset/{_token(data, 'orga@menden.de', account_links.RESET)}"
    short = set_password(client, url, "kurz")
    assert short.status_code == 400 and "mindestens 10 Zeichen" in text(short)
    differ = post_form(client, url, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert differ.status_code == 400 and "Die Passwörter stimmen nicht überein" in text(differ)
    assert login(client, "orga@menden.de").status_code == 303  # the old password still works


# --- invitations ---------------------------------------------------------------------------------------


def invite(client, **values: str):
    return post_form(client, "/manage/invite?lang=de", values)


def test_an_organizer_invites_a_colleague_who_sets_a_password_and_signs_in(app, client, data, menden, smtp_server):
    login(client, "orga@menden.de")
    with data() as (session, _make):
        menden_id = session.scalar(select(User).where(User.email == "orga@menden.de")).organizations[0].id
    response = invite(client, email="Neu@Menden.de", name="Nora Neu", role="staff", organization=str(menden_id))
    assert response.status_code == 303
    deliver(data)
    (mail,) = smtp_server.messages_to("neu@menden.de")
    assert mail["Subject"] == "Ihre Einladung in den Veranstalterbereich"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Maria Menden" in body and "Stadt Menden" in body and "7 Tage" in body
    url = link_in(mail, "invitation")

    invitee = app.test_client()
    assert login(invitee, "neu@menden.de", "").status_code == 400  # no password yet
    page = invitee.get(url)
    assert page.status_code == 200 and "neu@menden.de" in text(page)
    done = set_password(invitee, url, name="Nora Neumann")
    assert done.status_code == 303
    assert invitee.get("/manage/").status_code == 200
    assert set_password(app.test_client(), url).status_code == 404  # used up
    with data() as (session, _make):
        user = session.scalar(select(User).where(User.email == "neu@menden.de"))
        assert (user.role, user.name, [o.slug for o in user.organizations]) == ("staff", "Nora Neumann", ["menden"])
        actions = [
            e.action
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.object_id == user.id, AuditEntry.object_type == "user_account")
            )
        ]
        assert actions == ["user.created", "user.password_set"]
        created = session.scalar(
            select(AuditEntry).where(AuditEntry.action == "user.created", AuditEntry.object_id == user.id)
        )
        assert created.actor_label == "Maria Menden"


def test_an_organizer_cannot_invite_into_another_organization_or_an_admin(client, data, menden):
    login(client, "orga@menden.de")
    with data() as (session, _make):
        from eventapp.models import Organization

        olpe = session.scalar(select(Organization).where(Organization.slug == "olpe")).id
        menden_id = session.scalar(select(Organization).where(Organization.slug == "menden")).id
    assert invite(client, email="x@olpe.de", role="organizer", organization=str(olpe)).status_code == 400
    assert invite(client, email="x@olpe.de", role="admin", organization=str(menden_id)).status_code == 400
    with data() as (session, _make):
        assert session.scalar(select(User).where(User.email == "x@olpe.de")) is None


def test_an_invitation_to_an_existing_account_is_refused(client, data, menden):
    login(client, "admin@agentur.de")
    with data() as (session, _make):
        from eventapp.models import Organization

        menden_id = session.scalar(select(Organization).where(Organization.slug == "menden")).id
    response = invite(client, email="orga@menden.de", role="organizer", organization=str(menden_id))
    assert response.status_code == 400
    assert "Diese Adresse hat bereits ein Konto" in text(response)


def test_an_expired_invitation_says_whom_to_ask(client, data, menden):
    with data() as (session, make):
        from eventapp.models import Organization
        from eventapp.services import accounts
        from eventapp.services.audit import CLI

        org = session.scalar(select(Organization).where(Organization.slug == "menden"))
        accounts.create_user(
            session, email="spaet@menden.de", role="staff", organizations=[org], now=utcnow(), actor=CLI
        )
    token = _token(data, "spaet@menden.de", account_links.INVITATION, age=timedelta(days=7, minutes=1))
    page = client.get(f"/invitation/{token}")
    assert page.status_code == 410
    assert "Dieser Link ist abgelaufen" in text(page) and "neue Einladung" in text(page)


@pytest.mark.parametrize("mangle", ["forged", "reset link", "truncated", "used"])
def test_a_forged_foreign_or_used_invitation_is_not_valid(client, data, menden, mangle):
    with data() as (session, make):
        from eventapp.models import Organization
        from eventapp.services import accounts
        from eventapp.services.audit import CLI

        org = session.scalar(select(Organization).where(Organization.slug == "menden"))
        accounts.create_user(session, email="neu@menden.de", role="staff", organizations=[org], now=utcnow(), actor=CLI)
    token = _token(data, "neu@menden.de", account_links.INVITATION)
    if mangle == "forged":
        from itsdangerous import URLSafeSerializer

        token = URLSafeSerializer("guessed-secret", salt="eventapp.account.invitation").dumps(
            {"u": 2, "f": "x", "t": int(utcnow().timestamp())}
        )
    elif mangle == "reset link":
        token = _token(data, "neu@menden.de", account_links.RESET)
    elif mangle == "truncated":
        token = token[:-3]
    else:
        assert set_password(client, f"/invitation/{token}").status_code == 303
        client = client.application.test_client()
    page = client.get(f"/invitation/{token}")
    assert page.status_code == 404
    assert "Dieser Link ist nicht gültig" in text(page)
    assert set_password(client, f"/invitation/{token}", token_from="/login").status_code == 404


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"email": "keine-adresse"}, "Bitte geben Sie eine gültige E-Mail-Adresse ein."),
        ({"email": ""}, "Bitte geben Sie eine E-Mail-Adresse ein."),
        ({"role": "kaiser"}, "Keine gültige Auswahl."),
        ({"organization": "abc"}, "Dieses Feld wird benötigt."),
    ],
    ids=["bad email", "no email", "unknown role", "organization not a number"],
)
def test_the_invitation_form_refuses_bad_input_in_german_and_invites_nobody(client, data, menden, values, message):
    login(client, "orga@menden.de")
    with data() as (session, _make):
        from eventapp.models import Organization

        menden_id = session.scalar(select(Organization.id).where(Organization.slug == "menden"))
    response = invite(client, **{"email": "neu@menden.de", "role": "staff", "organization": str(menden_id), **values})
    assert response.status_code == 400
    assert message in text(response)
    with data() as (session, _make):
        assert session.scalar(select(User).where(User.email == "neu@menden.de")) is None
        assert session.scalars(select(OutboxMessage)).all() == []
