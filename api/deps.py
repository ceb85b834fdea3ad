"""Dependencies of the routes, as ``Annotated`` types (FastAPI template style).

``SessionDep`` is a database session per request; ``WorkspaceDep`` the workspace of
the request's API key (401 problem+json with ``WWW-Authenticate: Bearer`` when the
key is missing or wrong; valid keys are remembered for ``auth_cache_seconds``);
``SettingsDep``, ``WorkerDep`` and ``ResultsDep`` are the objects ``create_app`` put
on ``app.state``.  The dependencies that touch no database are ``async`` so that they
cost no thread hop.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from .auth import AuthCache, CurrentWorkspace, authenticate
from .problems import UNAUTHORIZED, Problem
from .results import Results
from .settings import Settings
from .worker import FitWorker

__all__ = ["ResultsDep", "SessionDep", "SessionsDep", "SettingsDep", "WorkerDep", "WorkspaceDep"]

bearer = HTTPBearer(auto_error=False, scheme_name="ApiKey",
                    description="An API key of a workspace: `Authorization: Bearer jm_…` "
                                "(`journeymap admin create-workspace NAME` prints one).")


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


async def get_sessions(request: Request) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = request.app.state.sessions
    return sessions


async def get_worker(request: Request) -> FitWorker:
    worker: FitWorker = request.app.state.worker
    return worker


async def get_results(request: Request) -> Results:
    results: Results = request.app.state.results
    return results


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
SessionsDep = Annotated[sessionmaker[Session], Depends(get_sessions)]
WorkerDep = Annotated[FitWorker, Depends(get_worker)]
ResultsDep = Annotated[Results, Depends(get_results)]


async def get_workspace(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> CurrentWorkspace:
    if credentials is None:
        raise Problem(401, "this request needs an API key: send the header 'Authorization: "
                           "Bearer <key>' (an administrator creates one with 'journeymap "
                           "admin create-workspace NAME').", type=UNAUTHORIZED,
                      title="API key required", headers={"WWW-Authenticate": "Bearer"})
    key = credentials.credentials
    cache: AuthCache = request.app.state.auth_cache
    workspace = cache.get(key)
    if workspace is None:
        def lookup() -> CurrentWorkspace | None:
            # Its own short session: the connection is back in the pool before the
            # route's thread is awaited, so a burst of requests cannot hold every
            # connection while waiting for a thread (a pool/threadpool deadlock).
            with request.app.state.sessions() as session:
                return authenticate(session, key)

        workspace = await run_in_threadpool(lookup)
        if workspace is None:
            raise Problem(401, "the API key is not valid: check that it was copied whole (it "
                               "starts with 'jm_'), or ask for a new one.", type=UNAUTHORIZED,
                          title="API key not valid",
                          headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
        cache.put(key, workspace)
    return workspace


WorkspaceDep = Annotated[CurrentWorkspace, Depends(get_workspace)]
