"""Workspaces and API keys.

A key is ``jm_`` followed by 43 URL-safe random characters (256 bits from
:mod:`secrets`).  Only its SHA-256 is stored — a key of that entropy needs no slow
password hash — and the stored hash is compared with :func:`hmac.compare_digest`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import ApiKey, Workspace

__all__ = ["KEY_PREFIX", "AuthCache", "CurrentWorkspace", "authenticate", "bearer_key",
           "create_key", "create_workspace", "hash_key", "new_key"]

KEY_PREFIX = "jm_"
PREFIX_LENGTH = len(KEY_PREFIX) + 6  # stored, to tell keys apart (revoke-key)
_MAX_KEY_LENGTH = 200


@dataclass(frozen=True)
class CurrentWorkspace:
    """The workspace a request acts for (from its API key)."""

    id: uuid.UUID
    name: str


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def bearer_key(authorization: str | None) -> str | None:
    """The key of an ``Authorization: Bearer <key>`` header value, else None.

    Read as FastAPI's ``HTTPBearer`` reads it: the scheme (any case) before the first
    space, the rest stripped.
    """
    if not authorization:
        return None
    scheme, _, key = authorization.partition(" ")
    key = key.strip()
    if not key or scheme.lower() != "bearer":
        return None
    return key


def create_key(session: Session, workspace: Workspace) -> str:
    """Add a new key to ``workspace`` and return it (the only time it is visible)."""
    key = new_key()
    session.add(ApiKey(workspace_id=workspace.id, key_hash=hash_key(key),
                       prefix=key[:PREFIX_LENGTH]))
    return key


class WorkspaceExistsError(ValueError):
    pass


def create_workspace(session: Session, name: str) -> tuple[Workspace, str]:
    """Create a workspace with one API key; returns both (commit is the caller's)."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError("a workspace name must have 1 to 100 characters.")
    if session.scalar(select(Workspace).where(Workspace.name == name)) is not None:
        raise WorkspaceExistsError(f"a workspace named '{name}' exists already.")
    workspace = Workspace(name=name)
    session.add(workspace)
    session.flush()
    return workspace, create_key(session, workspace)


def authenticate(session: Session, key: str) -> CurrentWorkspace | None:
    """The workspace of a valid, unrevoked key, or None."""
    if not key.startswith(KEY_PREFIX) or len(key) > _MAX_KEY_LENGTH:
        return None
    digest = hash_key(key)
    row = session.execute(
        select(ApiKey.key_hash, ApiKey.revoked_at, Workspace.id, Workspace.name)
        .join(Workspace, Workspace.id == ApiKey.workspace_id)
        .where(ApiKey.key_hash == digest)).first()
    if row is None or row.revoked_at is not None:
        return None
    if not hmac.compare_digest(row.key_hash, digest):  # pragma: no cover - index lookup matched
        return None
    return CurrentWorkspace(id=row.id, name=row.name)


class AuthCache:
    """Recently checked keys (by hash) → workspace, for ``ttl`` seconds.

    Spares the database a lookup on every request; a revoked key stops working within
    ``ttl`` seconds.  Only valid keys are remembered (an unknown or revoked key is
    looked up every time), at most ``maxsize`` of them.  The cache is keyed by the
    key's SHA-256, as the database is; the key itself is not kept.
    """

    def __init__(self, ttl: float, maxsize: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.maxsize = maxsize
        self.clock = clock
        self._items: OrderedDict[str, tuple[CurrentWorkspace, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> CurrentWorkspace | None:
        if self.ttl <= 0:
            return None
        digest = hash_key(key)
        with self._lock:
            item = self._items.get(digest)
            if item is None:
                return None
            if item[1] < self.clock():
                del self._items[digest]
                return None
            return item[0]

    def put(self, key: str, workspace: CurrentWorkspace) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._items[hash_key(key)] = (workspace, self.clock() + self.ttl)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)
