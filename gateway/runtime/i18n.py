"""Message catalogues (gettext): the texts people read, in each language the gateway speaks.

The compiled catalogues are package data, ``gateway/locale/<lang>/LC_MESSAGES/messages.mo``,
each read once, on first use. Texts are written in English in the code (the msgids); how to
add or change one: docs/translations.md.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

DOMAIN = "messages"
LOCALE_DIR = Path(__file__).parent.parent / "locale"
SUPPORTED = ("ru", "en")
DEFAULT = "ru"
NAMES = {"ru": "Русский", "en": "English"}  # each language in itself, for a switch to it


def language(requested: str | None) -> str:
    """The language to answer in: the one requested if the gateway speaks it, else Russian."""
    return requested if requested is not None and requested in SUPPORTED else DEFAULT


def translations(lang: str | None) -> gettext.NullTranslations:
    """The catalogue of ``lang``; the default language's for one the gateway does not speak."""
    return _catalogue(language(lang))


@cache
def _catalogue(lang: str) -> gettext.NullTranslations:
    # No fallback: a supported language without its .mo is a packaging bug, and answering
    # Russian customers with the English msgids would hide it.
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])


def N_(message: str) -> str:
    """Marks a text kept in a table for ``pybabel extract``; translated where it is used."""
    return message
