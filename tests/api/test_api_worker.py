"""Persistence and the background worker: a restart keeps everything, fits of a dead
server are reported failed (not lost), the schema comes from the migrations."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from api_helpers import MakeApi, fitted, post_dataset, post_map
from journeymap_api.db import make_engine, migrate
from journeymap_api.models import Base, Fit, FitStatus, Instance, utcnow
from journeymap_api.worker import STOPPED_MESSAGE
from sqlalchemy import select


def test_a_restart_keeps_maps_datasets_and_fits(make_api: MakeApi, db_url: str) -> None:
    with make_api(db_url) as api:
        h = api.workspace()
        fit = fitted(api.client, h)
        drivers = api.client.get(f"/v1/fits/{fit['id']}/drivers", headers=h).json()
        what_if = api.client.post(f"/v1/fits/{fit['id']}/what-if",
                                  json={"shifts": {"installer": 1}}, headers=h).json()
        keys = api.keys
    with make_api(db_url) as again:
        again.keys = keys
        c = again.client
        assert c.get(f"/v1/maps/{fit['map_id']}", headers=h).status_code == 200
        assert c.get(f"/v1/datasets/{fit['dataset_id']}", headers=h).status_code == 200
        assert c.get(f"/v1/fits/{fit['id']}", headers=h).json() == fit
        assert c.get(f"/v1/fits/{fit['id']}/drivers", headers=h).json() == drivers
        # what-if after a restart fits the stored file again: the same numbers
        assert c.post(f"/v1/fits/{fit['id']}/what-if", json={"shifts": {"installer": 1}},
                      headers=h).json() == what_if


def _orphan_fit(api_sessions: object, fit_template: dict[str, object], *, hostname: str,
                pid: int, heartbeat_age: float) -> uuid.UUID:
    """A fit left 'running' by another server process (an Instance row)."""
    from sqlalchemy.orm import Session, sessionmaker

    assert isinstance(api_sessions, sessionmaker)
    sessions: sessionmaker[Session] = api_sessions
    instance = uuid.uuid4()
    with sessions.begin() as session:
        session.add(Instance(id=instance, hostname=hostname, pid=pid,
                             heartbeat_at=utcnow() - timedelta(seconds=heartbeat_age)))
        session.flush()
        template = session.get(Fit, uuid.UUID(str(fit_template["id"])))
        assert template is not None
        orphan = Fit(workspace_id=template.workspace_id, map_id=template.map_id,
                     map_version_id=template.map_version_id, map_version=1,
                     dataset_id=template.dataset_id, engine="linear",
                     options=template.options, status=FitStatus.RUNNING,
                     instance_id=instance, started_at=utcnow())
        session.add(orphan)
        session.flush()
        return orphan.id


def test_fits_of_a_server_that_stopped_beating_are_marked_failed(make_api: MakeApi,
                                                                 db_url: str) -> None:
    with make_api(db_url, heartbeat_seconds=3600) as api:  # no background reaping
        h = api.workspace()
        fit = fitted(api.client, h)
        sessions = api.client.app.state.sessions  # type: ignore[attr-defined]
        worker = api.client.app.state.worker  # type: ignore[attr-defined]
        elsewhere = "another-host.invalid"
        alive = _orphan_fit(sessions, fit, hostname=elsewhere, pid=1, heartbeat_age=0)
        stale = _orphan_fit(sessions, fit, hostname=elsewhere, pid=1, heartbeat_age=3600)
        assert worker.reap() == 1
        with sessions() as session:
            dead = session.get(Fit, stale)
            live = session.get(Fit, alive)
            assert dead is not None
            assert live is not None
            assert dead.status == FitStatus.FAILED
            assert dead.finished_at is not None
            assert json.loads(dead.error or "{}")["detail"] == STOPPED_MESSAGE
            assert live.status == FitStatus.RUNNING  # another live server's work is left alone
        body = api.client.get(f"/v1/fits/{stale}", headers=h).json()
        assert body["status"] == "failed"
        assert body["error"]["detail"] == STOPPED_MESSAGE


def test_fits_of_a_dead_process_on_this_machine_are_failed_at_once(make_api: MakeApi,
                                                                   sqlite_url: str) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    with make_api(sqlite_url, stale_after_seconds=3600, heartbeat_seconds=3600) as api:
        h = api.workspace()
        fit = fitted(api.client, h)
        sessions = api.client.app.state.sessions  # type: ignore[attr-defined]
        worker = api.client.app.state.worker  # type: ignore[attr-defined]
        orphan = _orphan_fit(sessions, fit, hostname=socket.gethostname(), pid=gone.pid,
                             heartbeat_age=0)
        assert worker.reap() == 1
        assert api.client.get(f"/v1/fits/{orphan}", headers=h).json()["status"] == "failed"
        # this process's own instance is alive: nothing else is touched
        assert worker.reap() == 0
        assert os.getpid() != gone.pid


def test_the_migrations_create_exactly_the_tables_of_the_models(db_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = make_engine(db_url)
    try:
        migrate(engine)
        migrate(engine)  # idempotent
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
            assert conn.execute(select(Instance)).all() == []
    finally:
        engine.dispose()


def test_an_app_without_startup_migrations_refuses_nothing_once_migrated(
        make_api: MakeApi, sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    migrate(engine)
    engine.dispose()
    with make_api(sqlite_url, migrate_on_startup=False) as api:
        h = api.workspace()
        assert post_map(api.client, h)["version"] == 1
        assert post_dataset(api.client, h)["n_rows"] == 3000


@pytest.mark.parametrize("url", ["mysql://x", "oracle://y"])
def test_only_sqlite_and_postgresql_urls_are_accepted(url: str) -> None:
    from journeymap_api.settings import Settings
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="sqlite"):
        Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]


def test_a_plain_postgresql_url_uses_the_psycopg_driver() -> None:
    from journeymap_api.settings import Settings

    s = Settings(_env_file=None, database_url="postgresql://u:p@h/db")  # type: ignore[call-arg]
    assert s.database_url == "postgresql+psycopg://u:p@h/db"
