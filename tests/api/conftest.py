"""Fixtures of the API tests: apps on SQLite (always) and PostgreSQL (when
``JOURNEYMAP_TEST_DATABASE_URL`` is set), and real uvicorn servers in subprocesses
on 127.0.0.1.  Helpers live in ``api_helpers.py``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from api_helpers import PG_ENV, Api, MakeApi, Server, make_settings
from fastapi.testclient import TestClient
from journeymap_api.main import create_app


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that starts real ``journeymap serve`` processes (the ``make_server``
    fixture) takes seconds: it is marked ``slow``, so ``make test-fast`` leaves it out."""
    for item in items:
        if "make_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


# ------------------------------------------------------------------ databases
@contextmanager
def _postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = os.environ[PG_ENV]
    name = f"jm_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The database of one test: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'journeymap.db'}"
        return
    if not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set (PostgreSQL tests run in CI)")
    with _postgres_database() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'journeymap.db'}"


@pytest.fixture
def make_api(tmp_path: Path) -> MakeApi:
    """``with make_api(db_url, **settings) as api:`` — an app running its lifespan."""

    @contextmanager
    def make(db: str, *, raise_server_exceptions: bool = True,
             **overrides: Any) -> Iterator[Api]:
        settings = make_settings(db, overrides.pop("data_dir", tmp_path / "data"), **overrides)
        app = create_app(settings)
        with TestClient(app, raise_server_exceptions=raise_server_exceptions) as client:
            yield Api(client=client, settings=settings)

    return make


@pytest.fixture
def api(make_api: MakeApi, sqlite_url: str) -> Iterator[Api]:
    """An app on a fresh SQLite database."""
    with make_api(sqlite_url) as a:
        yield a


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Factory of ``journeymap serve`` subprocesses; all are stopped at the end."""
    servers: list[Server] = []

    def make(db: str, *args: str, **env_overrides: str) -> Server:
        env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEYMAP_")}
        env.update({"JOURNEYMAP_HEARTBEAT_SECONDS": "0.2",
                    "JOURNEYMAP_STALE_AFTER_SECONDS": "2"})
        env.update(env_overrides)
        server = Server(db=db, data_dir=tmp_path / "server-data", env=env,
                        log=tmp_path / f"server-{len(servers)}.log", args=list(args))
        servers.append(server)
        return server

    yield make
    for s in servers:
        s.stop()
