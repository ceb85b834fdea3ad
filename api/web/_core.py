"""Sessions, CSRF checks, templates and HTML error pages of the web pages.

``WebUserDep`` is the signed-in workspace (a page without a valid session redirects
to the sign-in page; an htmx request gets ``HX-Redirect``).  ``CsrfDep`` checks the
session's CSRF token on every state-changing request.  Errors under ``/app`` (a
:class:`~api.problems.Problem` raised by the ``/v1`` functions the pages reuse, a
404, a bad form) are answered as an HTML page with the same sentence as the API's
``detail``; every other path keeps its problem+json answers.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from journeymap.exceptions import JourneymapError
from journeymap.formatting import count, fixed, signed

from ..auth import CurrentWorkspace
from ..deps import get_workspace
from ..problems import Problem, problem_for_library_error
from ..settings import Settings
from .session import (
    CSRF_FIELD,
    CSRF_HEADER,
    SESSION_COOKIE,
    WebSession,
    load_secret,
    read_session,
)

__all__ = ["CsrfDep", "SignInRequiredError", "WebUser", "WebUserDep", "install_web",
           "local_path", "page", "secret", "signed", "templates"]

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


templates.env.filters["signed"] = signed
templates.env.filters["fixed"] = fixed
templates.env.filters["count"] = count


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


_secret_lock = threading.Lock()


def secret(request: Request) -> bytes:
    """The session-signing secret of this app (read or made once)."""
    state = request.app.state
    value: bytes | None = getattr(state, "web_secret", None)
    if value is None:
        with _secret_lock:
            value = getattr(state, "web_secret", None)
            if value is None:
                settings: Settings = state.settings
                value = load_secret(settings.session_secret, settings.data_dir)
                state.web_secret = value
    return value


async def get_web_user(request: Request) -> WebUser:
    settings: Settings = request.app.state.settings
    session = read_session(secret(request), request.cookies.get(SESSION_COOKIE),
                           settings.session_max_age_seconds)
    if session is None:
        raise SignInRequiredError()
    credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=session.key)
    try:
        workspace = await get_workspace(request, credentials)
    except Problem:
        raise SignInRequiredError("The key of your session is no longer valid; sign in again."
                             ) from None
    return WebUser(workspace=workspace, session=session)


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
                           "query": request.url.query}
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
                    return _error_page(request, 422, "The form is not valid",
                                       "Some fields of the form are missing or not valid; "
                                       "go back and check them.")
                if isinstance(exc, StarletteHTTPException):
                    if exc.status_code == 404:
                        return _error_page(request, 404, "Not found",
                                           "There is nothing at this address.")
                    return _error_page(request, exc.status_code, "Error", str(exc.detail))
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
        return _error_page(request, 403, "Form expired",
                           "This form was not sent from a page of this session (its security "
                           "token is missing or old). Reload the page and try again.")

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
    from ..routes import web

    app.mount(PREFIX + "/static", StaticFiles(directory=str(STATIC)), name="web-static")
    app.include_router(web.router)
    _html_errors(app)
