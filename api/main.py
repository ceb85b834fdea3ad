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

from .auth import AuthCache
from .db import make_engine, make_sessionmaker, migrate
from .fastpath import FastPath, FastPathMiddleware
from .middleware import MethodsMiddleware, RequestLimitsMiddleware
from .problems import install_problem_handlers, problem_openapi
from .results import Results
from .routes import cases, datasets, fits, health, maps, shares, webhooks, workspaces
from .settings import Settings
from .worker import FitWorker

__all__ = ["create_app"]

DESCRIPTION = """\
Fit customer-journey maps (roles → touchpoints → factors → NPS) to survey data and
show each role its influence on NPS.  Every request under `/v1` needs
`Authorization: Bearer <API key>`; errors are `application/problem+json` (RFC 9457).
See `docs/api.md` for a walk-through with curl.

NPS is the result of the whole journey, not of one person or team: use these figures to
learn and improve the journey, never to set individual pay or bonus.
"""


def _header(description: str, *, required: bool = True) -> dict[str, Any]:
    return {"description": description, "required": required, "schema": {"type": "string"}}


ETAG = _header("Strong validator of this answer; send it back as If-None-Match to get 304.")
LOCATION = _header("The address of the resource made.")
RETRY_AFTER = _header("Seconds to wait before trying again.")


def declare_headers(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare the response headers the service sends, and the answers every operation
    may give: ``ETag`` (200/304 of cached analyses), ``Location`` (201/202),
    ``Retry-After`` (503; optional on 409 "not finished"), and 413 for every request
    body over its limit (see ``docs/api.md``)."""
    from .problems import problem_responses

    too_large = problem_responses(413)[413]
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            responses: dict[str, Any] = operation.get("responses", {})
            if "304" in responses:
                for code in ("200", "304"):
                    responses[code].setdefault("headers", {})["ETag"] = ETAG
            for code in ("201", "202"):
                if code in responses:
                    responses[code].setdefault("headers", {})["Location"] = LOCATION
            if "503" in responses:
                responses["503"].setdefault("headers", {})["Retry-After"] = _header(
                    RETRY_AFTER["description"], required=False)
            if "409" in responses and "304" in responses:
                responses["409"].setdefault("headers", {})["Retry-After"] = _header(
                    "Seconds to wait when the fit is not finished yet.", required=False)
            if "requestBody" in operation and "413" not in responses:
                responses["413"] = dict(too_large, description="The request body is too large")
    return schema


def _install_openapi(app: FastAPI) -> None:
    """The OpenAPI document, with every error answer as problem+json."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = declare_headers(problem_openapi(get_openapi(
                title=app.title, version=app.version, description=app.description,
                routes=app.routes, tags=app.openapi_tags)))
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
        settings.data_dir.mkdir(mode=0o750, parents=True, exist_ok=True)
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
    app.add_middleware(RequestLimitsMiddleware, max_upload_bytes=settings.max_upload_bytes,
                       max_body_bytes=settings.max_body_bytes,
                       body_timeout=settings.body_timeout_seconds)
    # Drivers/roles of finished fits from memory (see api.fastpath) ...
    app.add_middleware(FastPathMiddleware, fast_path=app.state.fast_path)
    # ... outside it HEAD is a GET without body, OPTIONS and 405 get a full Allow.
    app.add_middleware(MethodsMiddleware, routes=app.router.routes)
    app.include_router(health.router)
    app.include_router(workspaces.router)
    app.include_router(maps.router)
    app.include_router(datasets.router)
    app.include_router(fits.router)
    app.include_router(shares.router)
    app.include_router(cases.router)
    app.include_router(webhooks.router)
    _install_web(app)
    app.state.fast_path.serve(fits.router.routes)  # included above without a prefix
    return app


def _install_web(app: FastAPI) -> None:
    """The web pages under /app (see api/web and api/web/pages)."""
    from .web import install_web

    install_web(app)
