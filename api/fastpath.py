"""Answers from memory for the hottest reads: a finished fit's drivers and roles.

A finished fit never changes.  The first ``GET /v1/fits/{id}/drivers``, ``…/roles`` or
``…/roles/{role}`` goes through FastAPI (key check, fit lookup, the library) and
leaves a :class:`~api.results.Ready` answer in ``Results.ready``: the JSON bytes,
their ETag and the raw headers.  :class:`FastPathMiddleware` answers later requests
for it without FastAPI's routing, dependencies and request objects, when

* the method is GET and the path is exactly one of those routes (a canonical UUID),
* the ``Authorization: Bearer`` key is one the :class:`~api.auth.AuthCache` checked
  against the database within ``auth_cache_seconds`` (so a revoked key stops working
  within that time, as on every other route, and an unknown key never gets here),
* the fit is finished, known in this process, and belongs to that key's workspace,
* and the answer is in memory.

In every other case the request goes on to FastAPI unchanged, which answers exactly as
before (401, 404, 409, 422 …).  The status, headers and body sent here are the ones the
route sends for the same request, ``If-None-Match`` (304) included; the tests compare
both.  :attr:`FastPath.hits` counts the answers given here.
"""

from __future__ import annotations

import uuid

from starlette.types import ASGIApp, Receive, Scope, Send

from .auth import AuthCache, bearer_key
from .results import Ready, Results, etag_matches
from .services import fits

__all__ = ["FastPath", "FastPathMiddleware"]

_PREFIX = "/v1/fits/"
_HEX = frozenset("0123456789abcdef")
_MAX_ROLE = 200  # as api.routes.fits.RoleId


def _fit_id(text: str) -> uuid.UUID | None:
    """``text`` as a UUID when it is in the canonical lower-case 8-4-4-4-12 form."""
    if (len(text) != 36 or text[8] != "-" or text[13] != "-" or text[18] != "-"
            or text[23] != "-" or not _HEX.issuperset(text.replace("-", ""))):
        return None
    return uuid.UUID(text)


class FastPath:
    """What the middleware needs: the key cache, the results, and a hit counter."""

    def __init__(self, auth_cache: AuthCache, results: Results) -> None:
        self.auth_cache = auth_cache
        self.results = results
        self.hits = 0

    def lookup(self, scope: Scope) -> tuple[Ready, str | None] | None:
        """The ready answer of this request and its If-None-Match, or None (ask FastAPI)."""
        if scope["method"] != "GET" or scope.get("root_path"):
            return None
        path: str = scope["path"]
        if not path.startswith(_PREFIX):
            return None
        fit_text, _, tail = path[len(_PREFIX):].partition("/")
        kind: fits.Analysis
        if tail == "drivers":
            kind, role = "drivers", None
        elif tail == "roles":
            kind, role = "roles", None
        elif tail.startswith("roles/"):
            kind, role = "role", tail[len("roles/"):]
            if not role or "/" in role or len(role) > _MAX_ROLE:
                return None
        else:
            return None
        fit_id = _fit_id(fit_text)
        if fit_id is None:
            return None
        authorization = if_none_match = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                if authorization is None:
                    authorization = value.decode("latin-1")
            elif name == b"if-none-match" and if_none_match is None:
                if_none_match = value.decode("latin-1")
        key = bearer_key(authorization)
        if key is None:
            return None
        workspace = self.auth_cache.get(key)
        if workspace is None:
            return None
        ready = fits.cached_answer(self.results, workspace.id, fit_id, kind, role)
        if ready is None:
            return None
        return ready, if_none_match


class FastPathMiddleware:
    """Pure ASGI middleware: answer from :class:`FastPath`, else call the app."""

    def __init__(self, app: ASGIApp, fast_path: FastPath) -> None:
        self.app = app
        self.fast_path = fast_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self.fast_path.lookup(scope) if scope["type"] == "http" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        ready, if_none_match = found
        self.fast_path.hits += 1
        if etag_matches(if_none_match, ready.etag):
            await send({"type": "http.response.start", "status": 304,
                        "headers": ready.not_modified})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": ready.headers})
        await send({"type": "http.response.body", "body": ready.body})
