"""The app's gettext catalog for services, which do not import Flask.

Calendar text is built in a service in the registrant's language; it uses the same
compiled catalog (eventapp/translations) as the pages, so one catalog holds every word.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"


@lru_cache(maxsize=8)
def _catalog(locale: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS_DIR), [locale])


def gettext_for(locale: str | None) -> Callable[[str], str]:
    """``gettext`` of ``locale`` (German when none is given); English msgids are the fallback."""
    return _catalog((locale or "de")[:2]).gettext


def ngettext_for(locale: str | None) -> Callable[[str, str, int], str]:
    """``ngettext`` of ``locale``, like :func:`gettext_for` (singular or plural by the number)."""
    return _catalog((locale or "de")[:2]).ngettext
