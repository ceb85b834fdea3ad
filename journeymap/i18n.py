"""Languages of the words people read: English, Swedish, Danish, Finnish and Norwegian
Bokmål (docs/web.md, "Languages").

The role card, the map legend, the plain-language sentences of the command line and
the web pages are written in English in the code, wrapped in :func:`gettext`, and
translated by gettext catalogs (``journeymap/locale/<lang>/LC_MESSAGES/journeymap.po``,
compiled to ``.mo`` next to it; ``make i18n`` extracts and compiles them with Babel).

The language in force is a :class:`contextvars.ContextVar`: :func:`use_language` sets
it for a block (the CLI's ``--lang``, one web request, one card), so concurrent
requests in different languages never share it.  Outside such a block everything is
English, as before.  Looking a message up uses the standard library's
:mod:`gettext` only; Babel (locale number symbols) is imported the first time a
number is formatted in another language than English, never at ``import journeymap``.

Examples
--------
>>> with use_language("sv"):
...     gettext("Not for pay or bonus")
'Inte för lön eller bonus'
>>> negotiate("fi-FI,fi;q=0.9,en;q=0.8"), negotiate("de, nn;q=0.5"), negotiate(None)
('fi', 'nb', 'en')
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

from .exceptions import JourneymapError

__all__ = ["DEFAULT_LANGUAGE", "DOMAIN", "LANGUAGES", "LANGUAGE_NAMES", "LOCALE_DIR", "N_",
           "check_language", "chosen_language", "current_language", "decimal_symbols",
           "gettext", "negotiate", "ngettext", "translations", "use_language"]

#: The languages every page, card, legend and plain-language sentence exists in.
LANGUAGES: tuple[str, ...] = ("en", "sv", "da", "fi", "nb")
#: The language of the code's own messages and of everything outside :func:`use_language`.
DEFAULT_LANGUAGE = "en"
#: Each language's name in itself (for the language switch).
LANGUAGE_NAMES: Mapping[str, str] = {"en": "English", "sv": "Svenska", "da": "Dansk",
                                     "fi": "Suomi", "nb": "Norsk bokmål"}
#: Where the catalogs live: ``<LOCALE_DIR>/<lang>/LC_MESSAGES/<DOMAIN>.mo``.
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: The gettext domain of journeymap's catalogs.
DOMAIN = "journeymap"

# Codes a browser or a person may send for one of the languages above.
_ALIASES: Mapping[str, str] = {"no": "nb", "nn": "nb", "se": "sv", "dk": "da"}

# None outside use_language: English words, and a map's labels in the map's own language
_current: ContextVar[str | None] = ContextVar("journeymap_language", default=None)


def check_language(lang: str) -> str:
    """``lang`` as one of :data:`LANGUAGES` (``nb-NO`` → ``nb``, ``no``/``nn`` → ``nb``).

    Raises
    ------
    JourneymapError
        Not a language journeymap speaks; the message lists those it does.
    """
    code = _code(lang)
    if code is None:
        raise JourneymapError(f"unknown language {lang!r}; valid languages: "
                              f"{', '.join(LANGUAGES)}.")
    return code


def _code(tag: str) -> str | None:
    base = tag.strip().replace("_", "-").split("-")[0].lower()
    base = _ALIASES.get(base, base)
    return base if base in LANGUAGES else None


def negotiate(accept_language: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The best of :data:`LANGUAGES` for an HTTP ``Accept-Language`` header value.

    Tags are taken by their quality (``q``, default 1; ties in the order given); a
    region is ignored (``sv-FI`` is Swedish) and Norwegian (``no``, ``nn``) is read as
    Bokmål.  ``default`` when nothing matches or the header is absent or malformed.
    """
    if not accept_language:
        return default
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept_language.split(",")[:50]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        code = _code(tag)
        if code is not None and 0 < quality <= 1:
            ranked.append((-quality, i, code))
    return min(ranked)[2] if ranked else default


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The compiled catalog of ``lang`` (English: the messages as written in the code)."""
    code = check_language(lang)
    if code == DEFAULT_LANGUAGE:
        return _gettext.NullTranslations()
    return _gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[code])


def current_language() -> str:
    """The language in force (:data:`DEFAULT_LANGUAGE` outside :func:`use_language`)."""
    return _current.get() or DEFAULT_LANGUAGE


def chosen_language() -> str | None:
    """The language set by :func:`use_language`, or ``None`` outside it (then a map's
    labels are shown in the map's own language)."""
    return _current.get()


@contextmanager
def use_language(lang: str | None) -> Iterator[str]:
    """Speak ``lang`` inside the block (``None``: keep the language in force).

    Raises
    ------
    JourneymapError
        ``lang`` is not one of :data:`LANGUAGES`.
    """
    code = current_language() if lang is None else check_language(lang)
    token = _current.set(code)
    try:
        yield code
    finally:
        _current.reset(token)


def gettext(message: str) -> str:
    """``message`` in the language in force."""
    return translations(current_language()).gettext(message)


def N_(message: str) -> str:  # noqa: N802 (the name gettext tools look for)
    """Mark ``message`` for translation without translating it (a constant translated
    where it is shown, with :func:`gettext`)."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural of a message for ``n``, in the language in force."""
    return translations(current_language()).ngettext(singular, plural, n)


def decimal_symbols(lang: str | None = None) -> tuple[str, str]:
    """The decimal mark and the thousands separator of ``lang`` (default: in force).

    English keeps ``.`` and ``,``; the others come from Babel's locale data (CLDR):
    ``,`` and a no-break space for Swedish, Finnish and Bokmål, ``,`` and ``.`` for
    Danish.
    """
    code = current_language() if lang is None else check_language(lang)
    return _symbols(code)


@cache
def _symbols(code: str) -> tuple[str, str]:
    if code == DEFAULT_LANGUAGE:
        return ".", ","
    from babel.numbers import get_decimal_symbol, get_group_symbol

    return get_decimal_symbol(code), get_group_symbol(code)
