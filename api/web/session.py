"""Browser sessions of the web pages, kept on the server.

Signing in with a workspace key makes a row in ``browser_sessions``
(:class:`api.models.BrowserSession`) and sets the cookie ``jm_session`` to a random
token of 256 bits (:mod:`secrets`).  The database keeps only the token's SHA-256, the
workspace, the key signed in with, the session's CSRF token and when it expires
(``session_max_age_seconds`` after sign-in).  The cookie holds no key and no data: a
stolen database does not sign anyone in, and signing out deletes the row, so the old
cookie stops working at once, on every server sharing the database.  A session ends
with its API key too (a revoked key is checked on every request), and expired rows are
removed at each sign-in.

The cookie is HttpOnly, SameSite=Strict, limited to ``/app`` and ``Secure`` when the
request came over HTTPS — directly, or through a TLS proxy trusted with
``journeymap serve --proxy-headers --forwarded-allow-ips …`` (see ``docs/security.md``,
"Running behind TLS").

Forms carry the CSRF token as the field ``csrf_token``; htmx sends it as the header
``X-CSRF-Token`` (set once on ``<body hx-headers=…>``).  Before signing in, a
short-lived cookie ``jm_signin`` holds the sign-in form's token (double submit).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from ..auth import KEY_PREFIX, CurrentWorkspace, hash_key
from ..models import ApiKey, BrowserSession, Workspace, utcnow

if TYPE_CHECKING:
    from sqlalchemy.orm import Session
    from starlette.requests import Request

__all__ = ["CSRF_FIELD", "CSRF_HEADER", "SESSION_COOKIE", "SIGNIN_COOKIE", "WebSession",
           "cookie_args", "end_session", "hash_token", "open_session", "read_session"]

SESSION_COOKIE = "jm_session"
SIGNIN_COOKIE = "jm_signin"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
COOKIE_PATH = "/app"
_MAX_TOKEN_LENGTH = 100  # token_urlsafe(32) is 43 characters


@dataclass(frozen=True)
class WebSession:
    """A valid session: its row id, workspace, CSRF token and end."""

    id: uuid.UUID
    workspace: CurrentWorkspace
    csrf: str
    expires_at: datetime


def hash_token(token: str) -> str:
    """The stored form of a session token (SHA-256, hex)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(db: Session, key: str, max_age: float, *, now: datetime | None = None
                 ) -> tuple[str, WebSession] | None:
    """Sign in with ``key``: a new session row and the cookie's token, or None when the
    key is not a valid, unrevoked key.  Expired sessions of every workspace are removed
    on the way.  Commits."""
    if not key.startswith(KEY_PREFIX) or len(key) > 200:
        return None
    now = now or utcnow()
    row = db.execute(select(ApiKey.id, ApiKey.revoked_at, Workspace.id, Workspace.name)
                     .join(Workspace, Workspace.id == ApiKey.workspace_id)
                     .where(ApiKey.key_hash == hash_key(key))).first()
    if row is None or row.revoked_at is not None:
        return None
    db.execute(delete(BrowserSession).where(BrowserSession.expires_at <= now))
    token = secrets.token_urlsafe(32)
    record = BrowserSession(id=uuid.uuid4(), token_hash=hash_token(token),
                            workspace_id=row[2], api_key_id=row[0],
                            csrf=secrets.token_urlsafe(24), created_at=now,
                            expires_at=now + timedelta(seconds=max_age))
    db.add(record)
    db.commit()
    return token, WebSession(id=record.id, workspace=CurrentWorkspace(id=row[2], name=row[3]),
                             csrf=record.csrf, expires_at=record.expires_at)


def read_session(db: Session, token: str | None, *, now: datetime | None = None
                 ) -> WebSession | None:
    """The session of a cookie's token, or None when it is missing, unknown, ended,
    expired, or its API key was revoked."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    row = db.execute(
        select(BrowserSession.id, BrowserSession.csrf, BrowserSession.expires_at,
               ApiKey.revoked_at, Workspace.id.label("ws_id"), Workspace.name)
        .join(ApiKey, ApiKey.id == BrowserSession.api_key_id)
        .join(Workspace, Workspace.id == BrowserSession.workspace_id)
        .where(BrowserSession.token_hash == hash_token(token))).first()
    if row is None or row.revoked_at is not None or row.expires_at <= (now or utcnow()):
        return None
    return WebSession(id=row.id, workspace=CurrentWorkspace(id=row.ws_id, name=row.name),
                      csrf=row.csrf, expires_at=row.expires_at)


def end_session(db: Session, token: str | None) -> bool:
    """Delete the session of ``token`` (sign-out); True when there was one.  Commits."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return False
    done = db.execute(delete(BrowserSession)
                      .where(BrowserSession.token_hash == hash_token(token)))
    db.commit()
    return bool(getattr(done, "rowcount", 0))


def is_https(request: Request) -> bool:
    """True when the request came over HTTPS (uvicorn sets the scheme from a trusted
    proxy's ``X-Forwarded-Proto`` when started with ``--proxy-headers``)."""
    return request.url.scheme == "https"


def cookie_args(request: Request) -> dict[str, Any]:
    """The attributes of the session and sign-in cookies."""
    return {"httponly": True, "samesite": "strict", "secure": is_https(request),
            "path": COOKIE_PATH}
