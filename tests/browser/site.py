"""The public site as a person meets it, and the list of its pages for the whole-site checks.

:func:`build_site` loads the demo programme (``flask demo-data``) and then registers people the
way they do — through the forms, confirming by POST — so every state a page can show exists:
a pending and a confirmed registration, one on the waiting list, a pending and an active series
registration. :data:`PAGES` names every public page by a URL builder over that :class:`Site`;
a new page joins the accessibility, CSP and third-party checks by one line here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from eventapp.extensions import db
from eventapp.models import (
    AgendaItem,
    Event,
    EventAttendance,
    Handover,
    Person,
    Question,
    Registration,
    Series,
    SeriesRegistration,
    utcnow,
)
from tests.factories import Factories
from tests.helpers import form_values, post_form

CONFERENCE = "smart-cities-konferenz"  # hybrid, with questions (demo programme)
ONLINE_EVENT = "smart-cities-austausch"  # online only
PAST_EVENT = "erste-smart-cities-konferenz"  # in the archive
SERIES = "pausenhof"


@dataclass(frozen=True)
class Site:
    """Slugs and manage tokens of the prepared site."""

    full_event: str
    series_date: str
    pending: str
    confirmed: str
    online: str
    waitlisted: str
    series_pending: str
    series_active: str
    #: The link mailed to a colleague the online registration is being passed on to.
    handover: str = ""
    #: Account links of the organizer (password reset) and of an invited colleague.
    reset_token: str = ""
    invitation_token: str = ""
    #: Ids for the admin pages: the invited staff member and their organization.
    staff_user: int = 0
    organization: int = 0
    #: The conference's id, for the organizer's event pages.
    conference: int = 0
    #: The confirmed conference registration's id (the organizer's registration page).
    confirmed_id: int = 0
    #: Someone checked in at the past conference (certificate of attendance), its code, the event's id.
    attended: str = ""
    certificate_code: str = ""
    past_event: int = 0
    #: Join links: the online registration's (before the window) and the on-site one's (not usable).
    join: str = ""
    join_on_site: str = ""
    #: The Pausenhof series' id and its first date's, for the organizer's series pages.
    pausenhof: int = 0
    pausenhof_date: int = 0
    #: An agenda item and a question of the conference.
    agenda_item: int = 0
    question: int = 0
    #: A message to the conference's registrants (organizer's message pages).
    message: int = 0


def _register(client, url: str, **fields: str) -> None:
    response = post_form(client, url, form_values(**fields))
    assert response.status_code == 303, (url, response.status_code, response.get_data(as_text=True)[:2000])


def _token(app: Flask, model: type[Registration] | type[SeriesRegistration], email: str) -> str:
    with app.app_context():
        token = db.session.scalar(select(model.manage_token).join(Person).where(Person.email == email))
        db.session.remove()
    assert token, email
    return token


def build_site(app: Flask) -> Site:
    """Demo programme plus one person in each state, made through the public forms."""
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        make = Factories(db.session)
        full = make.event(
            slug="workshop-ausgebucht",
            title="Workshop: Daten im Rathaus",
            format="workshop",
            attendance=EventAttendance.ON_SITE,
            capacity_on_site=1,
            starts_at=(utcnow() + timedelta(days=20)).replace(hour=9, minute=0, second=0, microsecond=0),
        )
        make.registration(full)
        db.session.commit()
        db.session.remove()

    with app.app_context():
        from eventapp.services import account_links, accounts
        from eventapp.services.audit import CLI

        agency = accounts.organizations_by_slug(db.session, ["suedwestfalen-agentur"])
        organizer = accounts.create_user(
            db.session,
            email=ORGANIZER_EMAIL,
            role="organizer",
            password=ORGANIZER_PASSWORD,
            organizations=agency,
            now=utcnow(),
            actor=CLI,
        )
        invited = accounts.create_user(
            db.session,
            email="eingeladen@suedwestfalen-agentur.de",
            role="staff",
            organizations=agency,
            now=utcnow(),
            actor=CLI,
        )
        accounts.create_user(
            db.session,
            email=ADMIN_EMAIL,
            role="admin",
            password=ORGANIZER_PASSWORD,
            now=utcnow(),
            actor=CLI,
        )
        secret = app.config["SECRET_KEY"]
        tokens = {
            "reset_token": account_links.make_token(
                organizer, purpose=account_links.RESET, secret=secret, now=utcnow()
            ),
            "invitation_token": account_links.make_token(
                invited, purpose=account_links.INVITATION, secret=secret, now=utcnow()
            ),
        }
        # The agency's logo and the conference's check-in staff show on the pages that list them.
        from eventapp.services import admin, logos
        from tests.services.test_logos import png

        logos.set_logo(db.session, agency[0], png((240, 80)), now=utcnow(), actor=CLI)
        conference = db.session.scalar(select(Event).where(Event.slug == CONFERENCE))
        admin.assign_staff(db.session, conference, invited, now=utcnow(), actor=CLI)
        accounts.create_user(
            db.session,
            email="einlass@suedwestfalen-agentur.de",
            role="staff",
            organizations=agency,
            now=utcnow(),
            actor=CLI,
        )
        # Someone who came to the past conference: their certificate, its check, the organizer's button.
        from eventapp.models import Attendance, AttendanceSource, Mode
        from eventapp.services import certificates

        past = db.session.scalar(select(Event).where(Event.slug == PAST_EVENT))
        attended = Factories(db.session).registration(past, given_name="Jürgen", family_name="Größmann")
        db.session.add(
            Attendance(registration=attended, event_id=past.id, mode=Mode.ON_SITE, source=AttendanceSource.QR)
        )
        db.session.commit()
        conference_id = db.session.scalar(select(Event.id).where(Event.slug == CONFERENCE))
        tokens.update(staff_user=invited.id, organization=agency[0].id, conference=conference_id)
        tokens.update(
            attended=attended.manage_token,
            certificate_code=certificates.verification_code(attended, secret=app.config["SECRET_KEY"]),
            past_event=past.id,
        )
        pausenhof = db.session.scalar(select(Series.id).where(Series.slug == SERIES))
        first_date = db.session.scalar(
            select(Event.id).where(Event.series_id == pausenhof).order_by(Event.starts_at).limit(1)
        )
        tokens.update(pausenhof=pausenhof, pausenhof_date=first_date)
        tokens.update(
            agenda_item=db.session.scalar(select(AgendaItem.id).where(AgendaItem.event_id == conference_id).limit(1)),
            question=db.session.scalar(select(Question.id).where(Question.event_id == conference_id).limit(1)),
        )
        db.session.remove()

    client = app.test_client()
    conference = f"/events/{CONFERENCE}/register"
    _register(client, conference, email="pending@example.org", mode="on_site")
    _register(client, conference, email="confirmed@example.org", mode="on_site")
    _register(client, f"/events/{ONLINE_EVENT}/register", email="online@example.org", mode="online")
    _register(client, "/events/workshop-ausgebucht/register", email="waiting@example.org", mode="on_site")
    _register(client, f"/series/{SERIES}/register", email="series-pending@example.org", mode="online")
    _register(client, f"/series/{SERIES}/register", email="series-active@example.org", mode="online")

    site = Site(
        full_event="workshop-ausgebucht",
        series_date="",
        pending=_token(app, Registration, "pending@example.org"),
        confirmed=_token(app, Registration, "confirmed@example.org"),
        online=_token(app, Registration, "online@example.org"),
        waitlisted=_token(app, Registration, "waiting@example.org"),
        series_pending=_token(app, SeriesRegistration, "series-pending@example.org"),
        series_active=_token(app, SeriesRegistration, "series-active@example.org"),
    )
    for url in (
        f"/r/{site.confirmed}/confirm",
        f"/r/{site.online}/confirm",
        f"/r/{site.waitlisted}/confirm",
        f"/s/{site.series_active}/confirm",
    ):
        response = post_form(client, url)
        assert response.status_code in (302, 303), (url, response.status_code)
    with app.app_context():
        date = db.session.scalar(
            select(Event.slug)
            .join(Registration, Registration.event_id == Event.id)
            .join(SeriesRegistration, Registration.series_registration_id == SeriesRegistration.id)
            .where(SeriesRegistration.manage_token == site.series_active)
            .order_by(Event.starts_at)
            .limit(1)
        )
        db.session.remove()
    assert date, "the series registration has no dates"
    colleague = {"given_name": "Max", "family_name": "Muster", "email": "colleague@example.org", "organization": ""}
    response = post_form(client, f"/r/{site.online}/handover", colleague)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    with app.app_context():
        handover = db.session.scalar(select(Handover.token))
        db.session.remove()
    assert handover, "no handover offer"
    with app.app_context():
        confirmed_id = db.session.scalar(
            select(Registration.id).join(Person).where(Person.email == "confirmed@example.org")
        )
        db.session.remove()
    tokens["confirmed_id"] = confirmed_id
    with app.app_context():
        joins = {
            reg.manage_token: reg.join_token
            for reg in db.session.scalars(
                select(Registration).where(Registration.manage_token.in_([site.online, site.confirmed]))
            )
        }
        db.session.remove()
    assert joins.get(site.online) and joins.get(site.confirmed), "confirmed seats come with a join link"
    tokens.update(join=joins[site.online], join_on_site=joins[site.confirmed])
    with app.app_context():
        from eventapp.services import messages
        from eventapp.services.audit import CLI
        from eventapp.services.roster import RosterFilter

        conference = db.session.get(Event, tokens["conference"])
        message = messages.send_message(
            db.session,
            conference,
            subject="Raumänderung",
            body="Wir treffen uns im Saal 2.",
            audience=RosterFilter(),
            now=utcnow(),
            actor=CLI,
        )
        tokens["message"] = message.id
        db.session.commit()
        db.session.remove()
    return Site(**{**site.__dict__, "series_date": date, "handover": handover, **tokens})


#: Every public page: name → URL builder. Later pages join here (accessibility statement …).
#: The join page inside its window sends a wider form-action (the meeting's origin), so the
#: browser test of joining (test_browser_join.py) checks that state.
PAGES: dict[str, Callable[[Site], str]] = {
    "start": lambda s: "/",
    "start filtered": lambda s: "/?format=konferenz",
    "archive": lambda s: "/archive",
    "event hybrid": lambda s: f"/events/{CONFERENCE}",
    "event online": lambda s: f"/events/{ONLINE_EVENT}",
    "event booked up": lambda s: f"/events/{s.full_event}",
    "event past": lambda s: f"/events/{PAST_EVENT}",
    "form hybrid with questions": lambda s: f"/events/{CONFERENCE}/register",
    "form booked up": lambda s: f"/events/{s.full_event}/register",
    "check your inbox": lambda s: f"/events/{CONFERENCE}/registered",
    "confirm": lambda s: f"/r/{s.pending}/confirm",
    "manage pending": lambda s: f"/r/{s.pending}",
    "manage confirmed": lambda s: f"/r/{s.confirmed}",
    "manage online": lambda s: f"/r/{s.online}",
    "manage waiting list": lambda s: f"/r/{s.waitlisted}",
    "switch mode": lambda s: f"/r/{s.confirmed}/switch",
    "new ticket": lambda s: f"/r/{s.confirmed}/reissue",
    "cancel": lambda s: f"/r/{s.confirmed}/cancel",
    "correct details": lambda s: f"/r/{s.confirmed}/details",
    "pass on": lambda s: f"/r/{s.confirmed}/handover",
    "take a registration over": lambda s: f"/h/{s.handover}",
    "manage attended (certificate)": lambda s: f"/r/{s.attended}",
    "certificate not available yet": lambda s: f"/r/{s.confirmed}/certificate.pdf",
    "certificate verified": lambda s: f"/certificates/{s.certificate_code}",
    "certificate not verified": lambda s: "/certificates/1-AAAAAAAAAAAAAAAAAAAA",
    "series": lambda s: f"/series/{SERIES}",
    "series form": lambda s: f"/series/{SERIES}/register",
    "series check your inbox": lambda s: f"/series/{SERIES}/registered",
    "series confirm": lambda s: f"/s/{s.series_pending}/confirm",
    "series manage pending": lambda s: f"/s/{s.series_pending}",
    "series manage": lambda s: f"/s/{s.series_active}",
    "series decline a date": lambda s: f"/s/{s.series_active}/decline/{s.series_date}",
    "series leave": lambda s: f"/s/{s.series_active}/cancel",
    "privacy": lambda s: "/privacy",
    "imprint": lambda s: "/imprint",
    "find your registration": lambda s: "/find-registration",
    "find your registration: sent": lambda s: "/find-registration/sent",
    "error 404": lambda s: "/no-such-page",
    "error 404 event": lambda s: "/events/no-such-event",
    "error 404 token": lambda s: "/r/no-such-token",
    "error 400 filter": lambda s: "/?format=no-such-format",
    "login": lambda s: "/login",
    "forgot password": lambda s: "/password/forgot",
    "reset password": lambda s: f"/password/reset/{s.reset_token}",
    "accept invitation": lambda s: f"/invitation/{s.invitation_token}",
    "account link not valid": lambda s: "/password/reset/not-a-token",
    "join before the window": lambda s: f"/j/{s.join}",
    "join link of an on-site seat": lambda s: f"/j/{s.join_on_site}",
    "join link not valid": lambda s: "/j/no-such-token",
    "check-in page without sign-in": lambda s: f"/checkin/{CONFERENCE}",
}

#: The organizer (demo data's Südwestfalen Agentur) who signs in for :data:`SIGNED_IN_PAGES`.
ORGANIZER_EMAIL = "orga@suedwestfalen-agentur.de"
ORGANIZER_PASSWORD = "ein-langes-demo-passwort"

#: The admin who signs in for :data:`ADMIN_PAGES` (same password).
ADMIN_EMAIL = "admin@suedwestfalen-agentur.de"

#: Pages of the organizer area, checked like :data:`PAGES` by a signed-in organizer.
SIGNED_IN_PAGES: dict[str, Callable[[Site], str]] = {
    "organizer event list": lambda s: "/manage/",
    "organizer past events": lambda s: "/manage/?past=1",
    "invite a colleague": lambda s: "/manage/invite",
    "organizer new event": lambda s: "/manage/events/new",
    "organizer event": lambda s: f"/manage/events/{s.conference}",
    "organizer edit event": lambda s: f"/manage/events/{s.conference}/edit",
    "organizer cancel event": lambda s: f"/manage/events/{s.conference}/cancel",
    "organizer event questions": lambda s: f"/manage/events/{s.conference}/questions",
    "organizer registrations": lambda s: f"/manage/events/{s.conference}/registrations",
    "organizer registrations filtered": lambda s: (
        f"/manage/events/{s.conference}/registrations?q=example&status=active"
    ),
    "organizer registration": lambda s: f"/manage/events/{s.conference}/registrations/{s.confirmed_id}",
    "organizer add a person": lambda s: f"/manage/events/{s.conference}/registrations/new",
    "organizer past event (certificates)": lambda s: f"/manage/events/{s.past_event}",
    "organizer event agenda": lambda s: f"/manage/events/{s.conference}/agenda",
    "organizer edit agenda item": lambda s: f"/manage/events/{s.conference}/agenda/{s.agenda_item}",
    "organizer edit question": lambda s: f"/manage/events/{s.conference}/questions/{s.question}",
    "organizer series list": lambda s: "/manage/series",
    "organizer new series": lambda s: "/manage/series/new",
    "organizer series": lambda s: f"/manage/series/{s.pausenhof}",
    "organizer series date": lambda s: f"/manage/series/{s.pausenhof}/dates/{s.pausenhof_date}",
    "organizer series leave out a date": lambda s: f"/manage/series/{s.pausenhof}/dates/{s.pausenhof_date}/skip",
    "check-in page": lambda s: f"/checkin/{CONFERENCE}",
    "organizer messages": lambda s: f"/manage/events/{s.conference}/messages",
    "organizer write a message": lambda s: f"/manage/events/{s.conference}/messages/new",
    "organizer message": lambda s: f"/manage/events/{s.conference}/messages/{s.message}",
    "organizer export and print": lambda s: f"/manage/events/{s.conference}/export",
    "organizer sign-in list": lambda s: f"/manage/events/{s.conference}/sign-in-list",
    "organizer name badges": lambda s: f"/manage/events/{s.conference}/badges?status=confirmed&status=pending",
    "organizer event dashboard": lambda s: f"/manage/events/{s.conference}/dashboard",
    "organizer programme report": lambda s: "/manage/reports",
    "organizer programme report, wrong period": lambda s: "/manage/reports?start=2026-04-01&end=2026-03-01",
}


#: Pages of the admin area, checked like :data:`PAGES` by a signed-in admin (ids are the demo rows').
ADMIN_PAGES: dict[str, Callable[[Site], str]] = {
    "admin users": lambda s: "/admin/users",
    "admin invite a user": lambda s: "/admin/users/new",
    "admin edit a staff user": lambda s: f"/admin/users/{s.staff_user}",
    "admin organizations": lambda s: "/admin/organizations",
    "admin new organization": lambda s: "/admin/organizations/new",
    "admin edit organization": lambda s: f"/admin/organizations/{s.organization}",
}
