"""``flask create-checkin-token EVENT_SLUG --station NAME`` (DESIGN §5): the token alone on the last line."""

from __future__ import annotations

from datetime import timedelta

from eventapp.models import CheckinDevice, EventStatus, utcnow
from eventapp.services import checkin_devices
from tests.test_commands import one_line_error


def test_the_token_is_printed_alone_on_the_last_line_and_works(runner, data, client):
    with data() as (_session, make):
        make.event(slug="eroeffnung", starts_at=utcnow() + timedelta(days=1))
    result = runner.invoke(args=["create-checkin-token", "eroeffnung", "--station", "Eingang Nord"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("ck_") and " " not in token
    with data() as (session, _make):
        device = session.query(CheckinDevice).one()
        assert device.station == "Eingang Nord" and device.token_hash == checkin_devices.hash_token(token)
    response = client.post("/api/v1/checkin", json={"code": "x"}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.get_json()["result"] == "invalid"


def test_failures_exit_non_zero_with_one_line(runner, data):
    with data() as (_session, make):
        make.event(slug="vorbei", starts_at=utcnow() - timedelta(days=3))
        make.event(slug="abgesagt", status=EventStatus.CANCELLED)
    cases = {
        ("nope", "Nord"): "Unknown event",
        ("vorbei", "Nord"): "over",
        ("abgesagt", "Nord"): "cancelled",
        ("vorbei", "   "): "station",
    }
    for (slug, station), reason in cases.items():
        result = runner.invoke(args=["create-checkin-token", slug, "--station", station])
        assert reason in one_line_error(result), result.output
    result = runner.invoke(args=["create-checkin-token", "vorbei"])
    assert result.exit_code != 0
