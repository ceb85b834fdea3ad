"""Browser sessions of the web pages: a signed cookie holding the workspace key.

The cookie ``jm_session`` is ``base64url(json) "." base64url(hmac-sha256)``; its JSON
holds the workspace key (``k``), the session's CSRF token (``c``) and when it was
issued (``t``).  It is HttpOnly and SameSite=Strict (Secure over HTTPS); a cookie
older than ``session_max_age_seconds``, or with a wrong signature, is ignored.  The
key is checked on every request exactly as an ``Authorization: Bearer`` header is
(:func:`api.deps.get_workspace`), so a revoked key ends its sessions too.

Forms carry the CSRF token as the field ``csrf_token``; htmx sends it as the header
``X-CSRF-Token`` (set once on ``<body hx-headers=…>``).  Before signing in, a
short-lived cookie ``jm_signin`` holds the sign-in form's token (double submit).

The signing secret is ``JOURNEYMAP_SESSION_SECRET``; without it a random secret is
written once to ``<data_dir>/session-secret`` (mode 0600) and reused, so sessions
survive a restart and every server sharing the data folder accepts them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CSRF_FIELD", "CSRF_HEADER", "SESSION_COOKIE", "SIGNIN_COOKIE", "WebSession",
           "load_secret", "read_session", "write_session"]

SESSION_COOKIE = "jm_session"
SIGNIN_COOKIE = "jm_signin"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

logger = logging.getLogger("journeymap.api")


@dataclass(frozen=True)
class WebSession:
    """What a valid session cookie holds."""

    key: str
    csrf: str
    issued: float


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: bytes, payload: str) -> str:
    return _b64(hmac.new(secret, payload.encode("ascii"), hashlib.sha256).digest())


def write_session(secret: bytes, key: str, *, now: float | None = None) -> tuple[str, WebSession]:
    """A new session for ``key``: the cookie value and the session (with a fresh CSRF token)."""
    session = WebSession(key=key, csrf=secrets.token_urlsafe(24),
                         issued=time.time() if now is None else now)
    payload = _b64(json.dumps({"k": session.key, "c": session.csrf, "t": session.issued},
                              separators=(",", ":")).encode("utf-8"))
    return f"{payload}.{_sign(secret, payload)}", session


def read_session(secret: bytes, cookie: str | None, max_age: float,
                 *, now: float | None = None) -> WebSession | None:
    """The session in ``cookie``, or None when it is missing, forged, malformed or too old."""
    if not cookie or cookie.count(".") != 1 or len(cookie) > 4096:
        return None
    payload, signature = cookie.split(".")
    if not hmac.compare_digest(_sign(secret, payload), signature):
        return None
    try:
        data = json.loads(_unb64(payload))
        session = WebSession(key=str(data["k"]), csrf=str(data["c"]), issued=float(data["t"]))
    except (ValueError, KeyError, TypeError):
        return None
    current = time.time() if now is None else now
    if not 0 <= current - session.issued <= max_age:
        return None
    return session


def load_secret(configured: str | None, data_dir: Path) -> bytes:
    """The signing secret: the configured one, else one kept in ``data_dir/session-secret``."""
    if configured:
        return configured.encode("utf-8")
    path = data_dir / "session-secret"
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        text = ""
    if len(text) >= 32:
        return text.encode("ascii")
    data_dir.mkdir(parents=True, exist_ok=True)
    text = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(text + "\n")
    logger.warning("JOURNEYMAP_SESSION_SECRET is not set: generated a session secret in %s "
                   "(set the variable to share sessions between servers).", path)
    return text.encode("ascii")
