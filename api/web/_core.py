"""Sessions, CSRF checks, templates and HTML error pages of the web pages.

``WebUserDep`` is the signed-in workspace (a page without a valid session redirects
to the sign-in page; an htmx request gets ``HX-Redirect``); whether a request is
signed in is asked of :mod:`api.services.sessions`.  ``CsrfDep`` checks the
session's CSRF token on every state-changing request.  Errors under ``/app`` (a
:class:`~api.problems.Problem` raised by the services the pages share with the
``/v1`` routes, a 404, a bad form) are answered as an HTML page with the same
sentence as the API's ``detail``; every other path keeps its problem+json answers.
Pages speak the request's language (:mod:`api.web.language`): the templates' ``_`` and
``ngettext`` are journeymap's gettext, which reads the language of the request.
:func:`plain` turns a service's model into the JSON-like dict the templates read.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from journeymap import i18n
from journeymap.exceptions import JourneymapError
from journeymap.formatting import count, fixed, money, percent, signed
from journeymap.i18n import gettext as _

from ..auth import CurrentWorkspace
from ..problems import Problem, problem_for_library_error
from ..services import sessions as web_sessions
from .language import LanguageMiddleware, language_links
from .numbers import CI95, keep_percent
from .session import CSRF_FIELD, CSRF_HEADER, WebSession
from .session import cookie_args as session_cookie_args

__all__ = ["CsrfDep", "SignInRequiredError", "WebUser", "WebUserDep", "cookie_args",
           "install_web", "local_path", "page", "plain", "signed", "templates"]

HERE = Path(__file__).resolve().parent.parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
PREFIX = "/app"

templates = Jinja2Templates(directory=str(TEMPLATES))

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self' "
                               "'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
                               "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}




def _per_render(fmt: Callable[..., str]) -> Callable[..., str]:
    """``fmt`` as a filter Jinja never evaluates at compile time: numbers follow the
    language of each request, so ``{{ 0|fixed(1) }}`` must not be folded to one text."""

    @pass_context
    def run(_context: Any, value: Any, *args: Any) -> str:
        return fmt(value, *args)

    return run


templates.env.filters["signed"] = _per_render(signed)
templates.env.filters["fixed"] = _per_render(fixed)
templates.env.filters["count"] = _per_render(count)
templates.env.filters["money"] = _per_render(money)
templates.env.filters["percent"] = _per_render(percent)
# "95 %" never breaks between "95" and "%" (api.web.numbers): library text through a filter,
# the templates' own "95 %" as a global, and every translated string through gettext below
templates.env.filters["nobreak"] = keep_percent
templates.env.globals["ci95"] = CI95
templates.env.add_extension("jinja2.ext.i18n")
# journeymap's gettext reads the language of the request (a context variable set by
# LanguageMiddleware), so one environment serves concurrent requests in any language.
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    lambda message: keep_percent(i18n.gettext(message)),
    lambda singular, plural, n: keep_percent(i18n.ngettext(singular, plural, n)),
    newstyle=True)


def _status_names() -> dict[str, str]:
    return {"queued": _("queued"), "running": _("running"), "done": _("done"),
            "failed": _("failed"), "cancelled": _("cancelled")}


def _kind_names() -> dict[str, str]:
    return {"outcome": _("outcome"), "touchpoint": _("touchpoint"), "factor": _("factor"),
            "role": _("role")}


class SignInRequiredError(Exception):
    """No valid session: the page redirects to the sign-in form."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or "")
        self.message = message


class CsrfRejectedError(Exception):
    """A state-changing request without the session's CSRF token."""


@dataclass(frozen=True)
class WebUser:
    """The signed-in workspace and its session."""

    workspace: CurrentWorkspace
    session: WebSession


async def get_web_user(request: Request) -> WebUser:
    try:
        signed_in = await web_sessions.current(request)
    except LookupError as exc:
        raise SignInRequiredError(str(exc)) from None
    if signed_in is None:
        raise SignInRequiredError()
    return WebUser(workspace=signed_in.workspace, session=signed_in.session)


WebUserDep = Annotated[WebUser, Depends(get_web_user)]


async def check_csrf(request: Request, user: WebUserDep) -> WebUser:
    token: Any = request.headers.get(CSRF_HEADER)
    if token is None:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            token = (await request.form()).get(CSRF_FIELD)
    if not isinstance(token, str) or not hmac.compare_digest(token.encode(),
                                                             user.session.csrf.encode()):
        raise CsrfRejectedError()
    return user


CsrfDep = Annotated[WebUser, Depends(check_csrf)]


def plain(model: BaseModel) -> dict[str, Any]:
    """A service's model as the templates read it: JSON types (ids and times as text)."""
    return model.model_dump(mode="json", by_alias=True)


def cookie_args(request: Request) -> dict[str, Any]:
    """How the pages' cookies are set: HttpOnly, SameSite=Strict, Secure over HTTPS
    (see :func:`api.web.session.cookie_args`)."""
    return session_cookie_args(request)


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def presenting(request: Request) -> bool:
    flag = request.query_params.get("present")
    if flag is not None:
        return flag == "1"
    return request.cookies.get("jm_present") == "1"


def page(request: Request, name: str, context: Mapping[str, Any] | None = None, *,
         user: WebUser | None = None, status: int = 200,
         headers: Mapping[str, str] | None = None) -> HTMLResponse:
    """A template rendered with what every page needs (workspace, CSRF token, mode)."""
    ctx: dict[str, Any] = {"user": user, "csrf": user.session.csrf if user else None,
                           "present": presenting(request), "path": request.url.path,
                           "query": request.url.query, "lang": i18n.current_language(),
                           "language_links": language_links(request.url.path,
                                                            request.url.query),
                           "status_names": _status_names(), "kind_names": _kind_names()}
    ctx.update(context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status)
    response.headers.update({**SECURITY_HEADERS, **(headers or {})})
    return response


def _wants_html(request: Request) -> bool:
    path = request.url.path
    return (path == PREFIX or path.startswith(PREFIX + "/")) and \
        not path.startswith(PREFIX + "/static/")


def _error_page(request: Request, status: int, title: str, detail: str) -> HTMLResponse:
    name = "_error.html" if is_htmx(request) else "error.html"
    return page(request, name, {"status": status, "title": title, "detail": detail},
                status=status)


Handler = Callable[[Request, Exception], Response | Awaitable[Response]]


def _html_errors(app: FastAPI) -> None:
    """Answer errors under /app as HTML pages; keep problem+json elsewhere."""

    def wrap(kind: Any) -> None:
        previous: Handler | None = app.exception_handlers.get(kind)
        if previous is None:
            return

        async def handler(request: Request, exc: Exception) -> Response:
            if _wants_html(request):
                if isinstance(exc, JourneymapError):
                    exc = problem_for_library_error(exc)
                if isinstance(exc, Problem):
                    return _error_page(request, exc.status, exc.title, exc.detail)
                if isinstance(exc, RequestValidationError):
                    return _error_page(request, 422, _("The form is not valid"),
                                       _("Some fields of the form are missing or not valid; "
                                         "go back and check them."))
                if isinstance(exc, StarletteHTTPException):
                    if exc.status_code == 404:
                        return _error_page(request, 404, _("Not found"),
                                           _("There is nothing at this address."))
                    return _error_page(request, exc.status_code, _("Error"), str(exc.detail))
            assert previous is not None
            result = previous(request, exc)
            if not isinstance(result, Response):
                result = await result
            return result

        app.add_exception_handler(kind, handler)

    for kind in (Problem, StarletteHTTPException, RequestValidationError, JourneymapError):
        wrap(kind)

    async def on_sign_in(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, SignInRequiredError)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET" or is_htmx(request):
            target = request.headers.get("HX-Current-URL", PREFIX)
        location = f"{PREFIX}/sign-in?next={quote(local_path(target), safe='/')}"
        if exc.message:
            location += "&expired=1"
        if is_htmx(request):
            return Response(status_code=200, headers={"HX-Redirect": location})
        return RedirectResponse(location, status_code=303)

    async def on_csrf(request: Request, exc: Exception) -> Response:
        return _error_page(request, 403, _("Form expired"),
                           _("This form was not sent from a page of this session (its "
                             "security token is missing or old). Reload the page and try "
                             "again."))

    app.add_exception_handler(SignInRequiredError, on_sign_in)
    app.add_exception_handler(CsrfRejectedError, on_csrf)


def local_path(target: str) -> str:
    """``target`` as a path under /app (full URLs are cut to their path; others → /app)."""
    if "://" in target:
        target = "/" + target.split("://", 1)[1].partition("/")[2]
    if not (target == PREFIX or target.startswith(PREFIX + "/") or
            target.startswith(PREFIX + "?")) or "//" in target or "\\" in target:
        return PREFIX
    return target


def install_web(app: FastAPI) -> None:
    """Add the web pages, their static files and HTML error pages to ``app``."""
    from .pages import router

    app.mount(PREFIX + "/static", StaticFiles(directory=str(STATIC)), name="web-static")
    app.include_router(router)
    _html_errors(app)
    from ..services.shares import SHARE_PREFIX

    app.add_middleware(LanguageMiddleware, prefix=PREFIX, cookieless=(SHARE_PREFIX,))
