"""Single-use, expiring account links and who may invite whom (issue 7 Part 1)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from eventapp.models import OutboxMessage, Role
from eventapp.services import account_links, accounts
from eventapp.services.account_links import AccountLinkExpired, LinkInvalid
from eventapp.services.audit import CLI

SECRET = "s3cret"
HOUR = timedelta(hours=1)


def check(session, token, now, purpose=account_links.RESET, max_age=HOUR):
    return account_links.user_for_token(session, token, purpose=purpose, secret=SECRET, now=now, max_age=max_age)


def test_a_token_is_valid_until_it_expires_and_only_for_its_purpose(session, make, now):
    user = make.user(role="admin")
    token = account_links.make_token(user, purpose=account_links.RESET, secret=SECRET, now=now)
    assert check(session, token, now + HOUR) is user
    with pytest.raises(AccountLinkExpired):
        check(session, token, now + HOUR + timedelta(seconds=1))
    with pytest.raises(LinkInvalid):
        check(session, token, now, purpose=account_links.INVITATION)
    with pytest.raises(LinkInvalid):
        account_links.user_for_token(session, token, purpose=account_links.RESET, secret="other", now=now, max_age=HOUR)


def test_setting_the_password_uses_the_link_up(session, make, now):
    user = make.user(role="admin")
    token = account_links.make_token(user, purpose=account_links.RESET, secret=SECRET, now=now)
    account_links.set_password_from_link(
        session, token, "ein-neues-passwort", purpose=account_links.RESET, now=now, secret=SECRET, max_age=HOUR
    )
    with pytest.raises(LinkInvalid):
        check(session, token, now)


def test_a_password_change_elsewhere_or_deactivation_voids_open_links(session, make, now):
    user = make.user(role="admin")
    token = account_links.make_token(user, purpose=account_links.RESET, secret=SECRET, now=now)
    accounts.deactivate(session, user, now=now, actor=CLI)
    with pytest.raises(LinkInvalid):
        check(session, token, now)


def test_reset_mail_only_for_active_accounts(session, make, now):
    make.user(email="da@example.org", role="admin")
    kwargs = {"now": now, "secret": SECRET, "link": lambda t: f"https://x/{t}", "max_age": HOUR}
    assert account_links.request_password_reset(session, "DA@example.org", **kwargs)
    assert not account_links.request_password_reset(session, "weg@example.org", **kwargs)
    assert not account_links.request_password_reset(session, "da@example.org", **kwargs)  # one per few minutes
    (message,) = session.query(OutboxMessage).all()
    assert message.kind == "password_reset" and message.context["url"].startswith("https://x/")


@pytest.mark.parametrize(
    ("inviter", "role", "org", "allowed"),
    [
        ("admin", Role.ADMIN, None, True),
        ("admin", Role.ORGANIZER, "other", True),
        ("organizer", Role.ORGANIZER, "own", True),
        ("organizer", Role.STAFF, "own", True),
        ("organizer", Role.STAFF, "other", False),
        ("organizer", Role.ADMIN, "own", False),
        ("organizer", Role.STAFF, None, False),
        ("staff", Role.STAFF, "own", False),
    ],
)
def test_who_may_invite_whom(session, make, inviter, role, org, allowed):
    own, other = make.organization(), make.organization()
    user = make.user(role=inviter, organizations=[] if inviter == "admin" else [own])
    members = {"own": [own], "other": [other], None: []}[org]
    assert account_links.may_invite(user, role, members) is allowed
