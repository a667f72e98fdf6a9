"""The German catalog (the default language) translates every message the app can show."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "eventapp" / "translations" / "de" / "LC_MESSAGES" / "messages.po"


def test_every_message_has_a_german_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_l",
            "--ignore-dirs",
            ".* __pycache__",
            "-o",
            str(pot),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as handle:
        template = read_po(handle)
    with CATALOG.open("rb") as handle:
        german = read_po(handle, locale="de")
    missing = []
    for message in template:
        if not message.id:
            continue
        translated = german.get(message.id, message.context)
        if (
            translated is None
            or translated.fuzzy
            or not (all(translated.string) if isinstance(translated.string, tuple) else translated.string)
        ):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    assert missing == []


def test_the_language_is_chosen_anew_for_each_request_in_one_app_context(app, client):
    with app.app_context():  # as test fixtures and long-lived clients hold one
        assert '<html lang="en">' in client.get("/privacy?lang=en").get_data(as_text=True)
        client.delete_cookie("lang")
        assert '<html lang="de">' in client.get("/privacy").get_data(as_text=True)


def test_german_is_the_default_and_english_is_one_click_away(client):
    german = client.get("/privacy")
    assert german.status_code == 200
    assert '<html lang="de">' in german.get_data(as_text=True)
    english = client.get("/privacy?lang=en")
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "lang=en" in english.headers.get("Set-Cookie", "")
    # The cookie remembers the choice.
    assert '<html lang="en">' in client.get("/privacy").get_data(as_text=True)
