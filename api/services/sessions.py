"""Signing in and out of the web pages: a thin layer over :mod:`api.web.session`.

The pages never touch cookies' contents or the session store themselves: they ask
here whether a request is signed in (:func:`current`), to start a session for a
workspace key (:func:`sign_in`) and to end one (:func:`sign_out`).  Sessions are kept
on the server, in the database (:class:`api.models.BrowserSession`); the cookie holds a
random token only (see :mod:`api.web.session` and ``docs/security.md``).

A session's key is checked on every request: a revoked key ends its sessions at once.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from fastapi.security import HTTPAuthorizationCredentials
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from ..auth import CurrentWorkspace
from ..deps import get_workspace
from ..problems import Problem
from ..settings import Settings
from ..web.session import SESSION_COOKIE, WebSession, end_session, open_session, read_session

__all__ = ["SignedIn", "current", "form_token", "form_token_matches", "sign_in", "sign_out",
           "workspace_of_key"]


@dataclass(frozen=True)
class SignedIn:
    """A signed-in request: its workspace and its session."""

    workspace: CurrentWorkspace
    session: WebSession


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
    key is not valid (or revoked)."""
    key = key.strip()
    settings: Settings = request.app.state.settings

    def start() -> str | None:
        with request.app.state.sessions() as db:
            opened = open_session(db, key, settings.session_max_age_seconds)
        return None if opened is None else opened[0]

    return await run_in_threadpool(start)


async def current(request: Request) -> SignedIn | None:
    """The request's workspace and session, or None when it is not signed in.

    Raises
    ------
    LookupError
        The request has a cookie, but its session ended (signed out, expired, or its
        key was revoked).
    """
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None

    def lookup() -> WebSession | None:
        with request.app.state.sessions() as db:
            return read_session(db, token)

    session = await run_in_threadpool(lookup)
    if session is None:
        raise LookupError("Your session ended or its key is no longer valid; sign in again.")
    return SignedIn(workspace=session.workspace, session=session)


def sign_out(request: Request) -> None:
    """End the request's session: its row is deleted, so a copy of the cookie stops
    working at once (call from a worker thread: it uses the database)."""
    with request.app.state.sessions() as db:
        end_session(db, request.cookies.get(SESSION_COOKIE))
