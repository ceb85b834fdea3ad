"""Answers from memory for the hottest reads: a finished fit's drivers and roles.

A finished fit never changes.  The first ``GET /v1/fits/{id}/drivers``, ``…/roles`` or
``…/roles/{role}`` goes through FastAPI (key check, fit lookup, the library) and
leaves the answer of :func:`api.services.fits.analysis_answer` in memory: the JSON of
the validated response model, its ETag and the raw headers.
:class:`FastPathMiddleware` answers later requests for it without FastAPI's
dependencies and request objects, when

* the request matches one of those routes — asked of the routes themselves
  (Starlette's ``Route.matches``, so the paths cannot drift apart) — and the fit id
  is a UUID in canonical form and the role id within the route's length limit,
* the ``Authorization: Bearer`` key is one the :class:`~api.auth.AuthCache` checked
  against the database within ``auth_cache_seconds`` (so a revoked key stops working
  within that time, as on every other route, and an unknown key never gets here),
* and :func:`api.services.fits.cached_answer` has the answer: the fit is finished,
  known in this process, belongs to that key's workspace, and was answered before.

In every other case the request goes on to FastAPI unchanged, which answers exactly as
before (401, 404, 409, 422 …).  The status, headers and body sent here are the ones the
route sends for the same request, ``If-None-Match`` (304) included; the tests compare
both.  :attr:`FastPath.hits` counts the answers given here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from .auth import AuthCache, bearer_key
from .results import Ready, Results, etag_matches
from .services import fits

__all__ = ["FastPath", "FastPathMiddleware"]


def _fit_id(text: str) -> uuid.UUID | None:
    """``text`` as a UUID when it is in the canonical lower-case 8-4-4-4-12 form."""
    try:
        value = uuid.UUID(text)
    except ValueError:
        return None
    return value if str(value) == text else None


class FastPath:
    """What the middleware needs: the routes it may answer for, the key cache, the
    results, and a hit counter."""

    def __init__(self, auth_cache: AuthCache, results: Results) -> None:
        self.auth_cache = auth_cache
        self.results = results
        self.routes: list[tuple[BaseRoute, fits.Analysis]] = []
        self.hits = 0

    def serve(self, routes: Iterable[BaseRoute]) -> None:
        """Answer for those of ``routes`` whose endpoint is one of
        :data:`api.routes.fits.FAST_ROUTES` (drivers, roles, one role)."""
        from .routes.fits import FAST_ROUTES

        self.routes = [(route, FAST_ROUTES[endpoint]) for route in routes
                       if (endpoint := getattr(route, "endpoint", None)) in FAST_ROUTES]

    def _route(self, scope: Scope) -> tuple[fits.Analysis, dict[str, str]] | None:
        """The analysis a request asks for and its path parameters, as the route reads them."""
        for route, kind in self.routes:
            match, child = route.matches(scope)
            if match is Match.FULL:
                params: dict[str, str] = child["path_params"]
                return kind, params
        return None

    def lookup(self, scope: Scope) -> tuple[Ready, str | None] | None:
        """The ready answer of this request and its If-None-Match, or None (ask FastAPI)."""
        if scope["method"] != "GET" or scope.get("root_path"):
            return None
        found = self._route(scope)
        if found is None:
            return None
        kind, params = found
        fit_id = _fit_id(params["fit_id"])
        role = params.get("role")
        if fit_id is None or (role is not None and len(role) > fits.MAX_ROLE):
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
