"""Signing in and out of the web pages: a thin layer over :mod:`api.web.session`.

The pages never touch cookies' contents or the session store themselves: they ask
here whether a request is signed in (:func:`current`), to start a session for a
workspace key (:func:`sign_in`) and to end one (:func:`sign_out`).  How a session
is kept (today a signed cookie holding the key) is :mod:`api.web.session`'s
business; these functions take the request so that a store kept elsewhere (the
database, the app's state) can be reached without changing the pages.

A workspace key is checked exactly as an ``Authorization: Bearer`` header is
(:func:`api.deps.get_workspace`), so a revoked key ends its sessions too.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from dataclasses import dataclass

from fastapi.security import HTTPAuthorizationCredentials
from starlette.requests import Request

from ..auth import CurrentWorkspace
from ..deps import get_workspace
from ..problems import Problem
from ..settings import Settings
from ..web.session import SESSION_COOKIE, WebSession, load_secret, read_session, write_session

__all__ = ["SignedIn", "current", "form_token", "form_token_matches", "secret", "sign_in",
           "sign_out", "workspace_of_key"]


@dataclass(frozen=True)
class SignedIn:
    """A signed-in request: its workspace and its session."""

    workspace: CurrentWorkspace
    session: WebSession


_secret_lock = threading.Lock()


def secret(request: Request) -> bytes:
    """The session-signing secret of this app (read or made once, then kept on the app)."""
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


async def workspace_of_key(request: Request, key: str) -> CurrentWorkspace | None:
    """The workspace of an API key, or None when the key is not valid."""
    credentials = HTTPAuthorizationCredentials(scheme="Bearer", credentials=key.strip())
    try:
        return await get_workspace(request, credentials)
    except Problem:
        return None


def form_token() -> str:
    """A fresh token for the sign-in form (double submit: the same value in a cookie)."""
    return secrets.token_urlsafe(24)


def form_token_matches(expected: str, sent: str) -> bool:
    """True when the form sent the token its cookie holds (compared in constant time)."""
    return bool(expected) and hmac.compare_digest(expected.encode(), sent.encode())


async def sign_in(request: Request, key: str) -> str | None:
    """Start a session for a workspace key: the session cookie's value, or None when the
    key is not valid."""
    key = key.strip()
    if await workspace_of_key(request, key) is None:
        return None
    cookie, _session = write_session(secret(request), key)
    return cookie


def current_session(request: Request) -> WebSession | None:
    """The request's session, or None when it has none (missing, forged or too old)."""
    settings: Settings = request.app.state.settings
    return read_session(secret(request), request.cookies.get(SESSION_COOKIE),
                        settings.session_max_age_seconds)


async def current(request: Request) -> SignedIn | None:
    """The request's workspace and session, or None when it is not signed in.

    Raises
    ------
    LookupError
        The request has a session whose key is no longer valid (revoked).
    """
    session = current_session(request)
    if session is None:
        return None
    workspace = await workspace_of_key(request, session.key)
    if workspace is None:
        raise LookupError("The key of your session is no longer valid; sign in again.")
    return SignedIn(workspace=workspace, session=session)


def sign_out(request: Request) -> None:
    """End the request's session.  Sessions live in their cookie, which the page deletes;
    nothing is kept on the server."""
