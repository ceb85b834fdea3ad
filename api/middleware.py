"""ASGI middleware of the service: request-body limits and HTTP method plumbing.

* :class:`RequestLimitsMiddleware` answers 413 for a body larger than allowed without
  reading it all (uploads: ``max_upload_bytes``; every other body — JSON, forms:
  ``max_body_bytes``), and 408 when a body stalls longer than ``body_timeout_seconds``
  between two of its parts.  A declared ``Content-Length`` above the limit is refused
  before the body is read; a body without one is counted as it arrives.
* :class:`MethodsMiddleware` answers ``HEAD`` for every ``GET`` route (the GET answer
  without its body), ``OPTIONS`` with 204 and the path's ``Allow`` header, and gives
  every 405 the complete ``Allow`` header of its path (FastAPI lists only the methods
  of one of the path's routes).

The limits are documented in ``docs/security.md`` ("Service"); the status codes in
``docs/api.md``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from html import escape
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .problems import TOO_LARGE, Problem, ProblemResponse

__all__ = ["MULTIPART_OVERHEAD", "UPLOAD_PATHS", "MethodsMiddleware", "RequestLimitsMiddleware",
           "allowed_methods", "route_table"]

UPLOAD_PATHS = ("/v1/datasets", "/app/datasets")  # the API's and the web page's uploads
_APPEND_PATH = re.compile(r"^/v1/datasets/[^/]+/responses$")  # appends: the upload limit
_PIPELINE_PATH = re.compile(r"^/(v1|app)/fits/[^/]+/pipeline$")  # opportunities: the body limit
MULTIPART_OVERHEAD = 64 * 1024  # boundaries, part headers and the form's name field
REQUEST_TIMEOUT = "urn:journeymap:problem:request-timeout"


class RequestLimitsMiddleware:
    """413 for a body over its limit, 408 for a body that stalls (see the module)."""

    def __init__(self, app: ASGIApp, *, max_upload_bytes: int, max_body_bytes: int,
                 body_timeout: float) -> None:
        self.app = app
        self.max_upload_bytes = max_upload_bytes
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout

    def _too_large(self, upload: bool, path: str = "") -> Problem:
        if _PIPELINE_PATH.match(path):
            return Problem(413, f"the opportunities file is larger than this server accepts "
                                f"({self.max_body_bytes:,} bytes); split it, e.g. by sales "
                                "region.", type=TOO_LARGE, title="Request too large",
                           max_body_bytes=self.max_body_bytes, headers={"Connection": "close"})
        if upload:
            return Problem(413, f"the upload is larger than this server accepts "
                                f"({self.max_upload_bytes:,} bytes per file).", type=TOO_LARGE,
                           title="File too large", max_upload_bytes=self.max_upload_bytes,
                           headers={"Connection": "close"})
        return Problem(413, f"the request body is larger than this server accepts "
                            f"({self.max_body_bytes:,} bytes); send a smaller map or "
                            "request (survey files go to POST /v1/datasets).", type=TOO_LARGE,
                       title="Request too large", max_body_bytes=self.max_body_bytes,
                       headers={"Connection": "close"})

    def _stalled(self) -> Problem:
        return Problem(408, f"the request body stopped arriving for more than "
                            f"{self.body_timeout:g} seconds; send it again.",
                       type=REQUEST_TIMEOUT, title="Request timeout",
                       headers={"Connection": "close"})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"].rstrip("/")
        upload = scope["method"] == "POST" and (path in UPLOAD_PATHS
                                                or _APPEND_PATH.match(path) is not None)
        limit = self.max_upload_bytes + MULTIPART_OVERHEAD if upload else self.max_body_bytes
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > limit:
            problem = self._too_large(upload, path)
            response: Response
            if scope["path"].startswith("/app/"):  # a web page's form: a page to read
                response = HTMLResponse(_too_large_page(problem.detail), status_code=413,
                                        headers={"Connection": "close"})
            else:
                response = ProblemResponse(problem.body(scope["path"]), status_code=413,
                                           headers={"Connection": "close"})
            await response(scope, receive, send)
            return
        received = 0
        complete = False

        async def limited_receive() -> Message:
            nonlocal received, complete
            if complete:  # the body is in: later calls wait for a disconnect, untimed
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.body_timeout)
            except TimeoutError:
                raise self._stalled() from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise self._too_large(upload, path)
                complete = not message.get("more_body", False)
            else:
                complete = True
            return message

        await self.app(scope, limited_receive, send)


def _too_large_page(detail: str) -> str:
    return _page("Too large", detail, back="/app/datasets" if "upload" in detail else "/app")


def _page(title: str, detail: str, back: str = "/app") -> str:
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}'
            f'</title></head><body><main><h1>{title}</h1><p>'
            f'{escape(detail[:1].upper() + detail[1:])}</p><p><a href="{back}">Back</a></p>'
            '</main></body></html>')


RouteTable = list[tuple["re.Pattern[str] | str", frozenset[str], bool]]


def route_table(routes: Sequence[BaseRoute]) -> RouteTable:
    """(path pattern, methods, static) of every route, included routers flattened; a
    mount (static files) is a path prefix (a ``str``) answering GET; ``static`` is True
    for a path without parameters (``/v1/maps/validate``)."""
    try:
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - older FastAPI: routes are flat already
        flat: list[Any] = list(routes)
    else:
        flat = list(iter_route_contexts(routes))
    table: RouteTable = []
    for route in flat:
        original = getattr(route, "original_route", route)
        path = getattr(route, "path", None)
        if not isinstance(path, str):
            continue
        if isinstance(original, Mount):
            table.append((path.rstrip("/"), frozenset({"GET"}), False))
            continue
        methods = getattr(route, "methods", None) or {"GET"}
        table.append((compile_path(path)[0], frozenset(methods), "{" not in path))
    return table


def allowed_methods(table: RouteTable, path: str) -> list[str]:
    """Every method some route answers at ``path`` (with HEAD for GET, and OPTIONS),
    sorted; empty when no route has this path.  A path without parameters wins over a
    parameter that would match it (``/v1/maps/validate`` is not a map id)."""
    methods: set[str] = set()
    static: set[str] = set()
    for pattern, route_methods, is_static in table:
        if isinstance(pattern, str):
            if path == pattern or path.startswith(pattern + "/"):
                methods.update(route_methods)
        elif pattern.match(path):
            methods.update(route_methods)
            if is_static:
                static.update(route_methods)
    methods = static or methods
    if not methods:
        return []
    if "GET" in methods:
        methods.add("HEAD")
    methods.add("OPTIONS")
    return sorted(methods)


class MethodsMiddleware:
    """HEAD for GET routes, OPTIONS with Allow, complete Allow on 405 (see the module)."""

    def __init__(self, app: ASGIApp, *, routes: list[BaseRoute]) -> None:
        self.app = app
        self.routes = routes  # the app's live route list, read at the first request
        self._table: RouteTable | None = None
        self._static: dict[str, list[str]] | None = None  # path without parameters → Allow

    @staticmethod
    def _not_allowed(scope: Scope, allowed: list[str]) -> Response:
        if scope["path"].startswith("/app/") or scope["path"] == "/app":
            return HTMLResponse(_page("Not allowed", "This address does not accept this "
                                      "method."), status_code=405,
                                headers={"Allow": ", ".join(allowed)})
        problem = Problem(405, "this address does not accept this method; see /docs for the "
                               "routes.")
        return ProblemResponse(problem.body(scope["path"]), status_code=405,
                               headers={"Allow": ", ".join(allowed)})

    def allowed(self, path: str) -> list[str]:
        if self._table is None:
            self._table = route_table(self.routes)
        return allowed_methods(self._table, path)

    def static_allowed(self, path: str) -> list[str] | None:
        """The Allow list of a route path without parameters (one dict lookup), else None."""
        if self._static is None:
            if self._table is None:
                self._table = route_table(self.routes)
            self._static = {}
            for pattern, _methods, is_static in self._table:
                if is_static and not isinstance(pattern, str):
                    literal = re.sub(r"\\(.)", r"\1",  # compile_path escaped it
                                     pattern.pattern.removeprefix("^").removesuffix("$"))
                    self._static[literal] = allowed_methods(self._table, literal)
        return self._static.get(path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        if method == "OPTIONS":
            allowed = self.allowed(scope["path"])
            if allowed:
                await Response(status_code=204, headers={"Allow": ", ".join(allowed)})(
                    scope, receive, send)
                return
        head = method == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        static = self.static_allowed(scope["path"])
        if static and scope["method"] not in static:  # e.g. PUT /v1/maps/validate
            await self._not_allowed(scope, static)(scope, receive, send)
            return

        async def send_fixed(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 405:
                allowed = self.allowed(scope["path"])
                if allowed:
                    headers = MutableHeaders(scope=message)
                    headers["Allow"] = ", ".join(allowed)
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, send_fixed)
