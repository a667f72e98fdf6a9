"""Europe/Berlin is spelled once (models.base), and everything shows that one zone."""

from __future__ import annotations

import re
from pathlib import Path

from flask_babel import get_timezone

from eventapp.models import BERLIN, TZID

PACKAGE = Path(__file__).resolve().parent.parent / "eventapp"


def test_the_zone_is_defined_once():
    spelled = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if re.search(r"ZoneInfo\(|[\"']Europe/Berlin[\"']", path.read_text(encoding="utf-8"))
    ]
    assert spelled == ["models/base.py"]
    assert str(BERLIN) == TZID == "Europe/Berlin"


def test_pages_and_mails_use_it(app):
    assert app.config["BABEL_DEFAULT_TIMEZONE"] == TZID
    with app.test_request_context("/"):
        assert str(get_timezone()) == TZID
