"""The FastAPI application: :func:`create_app`.

Everything is built inside ``create_app(settings)`` — database engine, caches, the
fit worker — and nothing at import, so tests and servers can make as many apps as
they like with their own settings.  On startup (the app's lifespan) the database is
migrated to the latest Alembic revision, stale fits of dead servers are marked
failed, and the worker threads start; on shutdown queued fits are cancelled and the
running ones finish.  Warm reads of a finished fit's drivers and roles are answered
from memory in front of FastAPI (:mod:`api.fastpath`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .auth import AuthCache
from .db import make_engine, make_sessionmaker, migrate
from .fastpath import FastPath, FastPathMiddleware
from .problems import TOO_LARGE, Problem, install_problem_handlers, problem_openapi
from .results import Results
from .routes import datasets, fits, health, maps, workspaces
from .settings import Settings
from .worker import FitWorker

__all__ = ["UploadLimitMiddleware", "create_app"]

UPLOAD_PATHS = ("/v1/datasets", "/app/datasets")  # the API's and the web page's uploads
MULTIPART_OVERHEAD = 64 * 1024  # boundaries, part headers and the form's name field

DESCRIPTION = """\
Fit customer-journey maps (roles → touchpoints → factors → NPS) to survey data and
show each role its influence on NPS.  Every request under `/v1` needs
`Authorization: Bearer <API key>`; errors are `application/problem+json` (RFC 9457).
See `docs/api.md` for a walk-through with curl.

NPS is the result of the whole journey, not of one person or team: use these figures to
learn and improve the journey, never to set individual pay or bonus.
"""


class UploadLimitMiddleware:
    """Answer 413 for an upload larger than allowed, without reading it all.

    A declared ``Content-Length`` above the limit is refused before the body is read;
    a body without one is counted as it arrives and cut off when it passes the limit.
    The exact file-size check is in :func:`api.storage.store_upload`.
    """

    def __init__(self, app: ASGIApp, max_upload_bytes: int) -> None:
        self.app = app
        self.max_upload_bytes = max_upload_bytes
        self.limit = max_upload_bytes + MULTIPART_OVERHEAD

    def _problem(self) -> Problem:
        return Problem(413, f"the upload is larger than this server accepts "
                           f"({self.max_upload_bytes:,} bytes per file).", type=TOO_LARGE,
                       title="File too large", max_upload_bytes=self.max_upload_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] != "http" or scope["method"] != "POST"
                or scope["path"].rstrip("/") not in UPLOAD_PATHS):
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            problem = self._problem()
            if scope["path"].startswith("/app/"):  # the web page's upload: a page to read
                from starlette.responses import HTMLResponse

                await HTMLResponse(_too_large_page(problem.detail), status_code=413,
                                   headers={"Connection": "close"})(scope, receive, send)
                return
            from .problems import ProblemResponse

            await ProblemResponse(problem.body(scope["path"]), status_code=413,
                                  headers={"Connection": "close"})(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise self._problem()
            return message

        await self.app(scope, limited_receive, send)


def _too_large_page(detail: str) -> str:
    from html import escape

    return ('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>File too large'
            '</title></head><body><main><h1>File too large</h1><p>'
            f'{escape(detail[:1].upper() + detail[1:])}</p><p><a href="/app/datasets">Back to '
            'the data page</a></p></main></body></html>')


def _install_openapi(app: FastAPI) -> None:
    """The OpenAPI document, with every error answer as problem+json."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problem_openapi(get_openapi(
                title=app.title, version=app.version, description=app.description,
                routes=app.routes, tags=app.openapi_tags))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API app.  ``settings`` default: read from the environment and ``.env``."""
    from journeymap import __version__

    settings = settings if settings is not None else Settings()
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    results = Results(result_cache_size=settings.result_cache_size,
                      whatif_cache_size=settings.whatif_cache_size)
    worker = FitWorker(settings, sessions, results)
    auth_cache = AuthCache(settings.auth_cache_seconds)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_startup:
            await run_in_threadpool(migrate, engine)
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        await run_in_threadpool(worker.start)
        try:
            yield
        finally:
            await run_in_threadpool(worker.stop)
            engine.dispose()

    app = FastAPI(
        title="journeymap API", version=__version__, description=DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=[
            {"name": "maps", "description": "Journey maps, with versions."},
            {"name": "datasets", "description": "Survey data (uploaded files)."},
            {"name": "fits", "description": "Fits of a map to data, and their analyses."},
            {"name": "workspace", "description": "The workspace of the API key."},
            {"name": "health", "description": "Health check."},
        ])
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.results = results
    app.state.worker = worker
    app.state.auth_cache = auth_cache
    app.state.fast_path = FastPath(auth_cache, results)
    install_problem_handlers(app)
    _install_openapi(app)
    app.add_middleware(UploadLimitMiddleware, max_upload_bytes=settings.max_upload_bytes)
    # Outermost of ours: drivers/roles of finished fits from memory (see api.fastpath).
    app.add_middleware(FastPathMiddleware, fast_path=app.state.fast_path)
    app.include_router(health.router)
    app.include_router(workspaces.router)
    app.include_router(maps.router)
    app.include_router(datasets.router)
    app.include_router(fits.router)
    _install_web(app)
    return app


def _install_web(app: FastAPI) -> None:
    """The web pages under /app (see api/web and api/web/pages)."""
    from .web import install_web

    install_web(app)
