"""The language of the web pages (docs/web.md, "Languages").

Every request under ``/app`` is answered in one of :data:`journeymap.i18n.LANGUAGES`:
``?lang=xx`` on any page (the language switch's links; it is remembered in the
``jm_lang`` cookie), else the ``jm_lang`` cookie, else the browser's
``Accept-Language``, else English.  The pages a share link opens (``/s/…``) read and
set no cookie: there ``?lang=xx``, else ``Accept-Language``, decides.
:class:`LanguageMiddleware` sets the language for the whole request with
:func:`journeymap.i18n.use_language` (a context variable, so concurrent requests in
different languages never see each other's), which the templates' ``_``/``ngettext``,
the role card, the map legend and the number formatting all read.
"""

from __future__ import annotations

from collections.abc import Mapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from journeymap.i18n import LANGUAGE_NAMES, LANGUAGES, negotiate, use_language

__all__ = ["COOKIE", "LanguageMiddleware", "language_links", "request_language"]

#: The cookie that keeps the language chosen with the switch.
COOKIE = "jm_lang"
_YEAR = 365 * 24 * 3600


def _known(value: str | None) -> str | None:
    return value if value in LANGUAGES else None


def request_language(query: str, cookie_header: str | None,
                     accept_language: str | None) -> tuple[str, bool]:
    """The language of a request and whether ``?lang=`` chose it (then it is remembered)."""
    chosen = _known(dict(parse_qsl(query)).get("lang"))
    if chosen is not None:
        return chosen, True
    if cookie_header:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(cookie_header)
        except Exception:  # a malformed Cookie header is not an error: ignore it
            jar = SimpleCookie()
        if COOKIE in jar and _known(jar[COOKIE].value) is not None:
            return jar[COOKIE].value, False
    return negotiate(accept_language), False


def language_links(path: str, query: str) -> list[tuple[str, str, str]]:
    """``(code, name, href)`` for the switch: the same page with ``?lang=code``."""
    params = [(k, v) for k, v in parse_qsl(query) if k != "lang"]
    return [(code, LANGUAGE_NAMES[code], f"{path}?{urlencode([*params, ('lang', code)])}")
            for code in LANGUAGES]


class LanguageMiddleware:
    """Speak the request's language under ``prefix`` (remembering a ``?lang=`` choice in
    a cookie) and under each of ``cookieless`` (no cookie read or set)."""

    def __init__(self, app: ASGIApp, prefix: str = "/app",
                 cookieless: tuple[str, ...] = ()) -> None:
        self.app = app
        self.prefix = prefix
        self.cookieless = cookieless

    @staticmethod
    def _under(path: str, prefix: str) -> bool:
        return path == prefix or path.startswith(prefix + "/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        cookies = self._under(path, self.prefix)
        if scope["type"] != "http" or not (cookies or any(self._under(path, p)
                                                          for p in self.cookieless)):
            await self.app(scope, receive, send)
            return
        headers: Mapping[str, str] = {k.decode("latin-1").lower(): v.decode("latin-1")
                                      for k, v in scope.get("headers", [])}
        lang, chosen = request_language(scope.get("query_string", b"").decode("latin-1"),
                                        headers.get("cookie") if cookies else None,
                                        headers.get("accept-language"))
        chosen = chosen and cookies

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra: list[Any] = [(b"content-language", lang.encode())]
                if chosen:
                    cookie = (f"{COOKIE}={lang}; Max-Age={_YEAR}; Path={self.prefix}; "
                              "SameSite=Lax; HttpOnly")
                    if scope.get("scheme") == "https":
                        cookie += "; Secure"
                    extra.append((b"set-cookie", cookie.encode()))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        with use_language(lang):
            await self.app(scope, receive, send_with_cookie)
