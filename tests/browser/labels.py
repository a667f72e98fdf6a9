"""Labels of the registration pages, in German (the default) or, until the catalog has them, the English msgids."""

from __future__ import annotations

import re

GIVEN_NAME = re.compile(r"^(Vorname|Given name)")
FAMILY_NAME = re.compile(r"^(Nachname|Family name)")
EMAIL = re.compile(r"^(E-Mail-Adresse|Email address)")
ORGANIZATION = re.compile(r"^(Organisation|Organization)")
ON_SITE = re.compile(r"^(Vor Ort|On site)$")
PRIVACY = re.compile(r"(Datenschutz|privacy notice)")
REGISTER = re.compile(r"^(Jetzt anmelden|Register now)$")
CONFIRM = re.compile(r"^(Anmeldung bestätigen|Confirm registration)$")
