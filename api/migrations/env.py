"""Alembic environment of the journeymap API (run by ``api.db.migrate``).

``api.db.migrate`` passes an open connection in ``config.attributes["connection"]``;
the ``alembic`` command line (``alembic -c api/migrations/alembic.ini ...``) uses the
URL of ``JOURNEYMAP_DATABASE_URL`` (default: the SQLite file ``./journeymap.db``).
Logging is left as the caller configured it.
"""

from __future__ import annotations

import os

from alembic import context
from journeymap_api.models import Base
from sqlalchemy import Connection, create_engine
from sqlalchemy.pool import NullPool

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return (config.get_main_option("sqlalchemy.url")
            or os.environ.get("JOURNEYMAP_DATABASE_URL", "sqlite:///./journeymap.db"))


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=_url().startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(_url(), poolclass=NullPool)
    with engine.connect() as conn:
        _run(conn)
        conn.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
