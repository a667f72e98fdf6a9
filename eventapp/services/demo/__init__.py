"""The demo programme (DESIGN §6), drawn from the project's source documents.

Its data (:mod:`.programme`: organizations, events, the Pausenhof series; the spec
shapes in :mod:`.specs`, the date rules in :mod:`.days`) is kept apart from its
loader (:mod:`.loader`), which creates what is missing and re-dates what it created
earlier. The loader's hand-written Pausenhof date loop is a stand-in for the
organizer-side rhythm generator that will replace it.
"""

from __future__ import annotations

from eventapp.services.demo.days import easter_sunday, is_day_off
from eventapp.services.demo.loader import DemoResult, build_programme

__all__ = ["DemoResult", "build_programme", "easter_sunday", "is_day_off"]
