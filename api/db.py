"""Database engine, sessions and migrations (SQLite by default, PostgreSQL by URL).

The Alembic migrations in ``api/migrations`` are the source of truth for the schema;
:func:`migrate` runs them up to ``head`` programmatically (``create_app`` does so on
startup, ``journeymap admin migrate`` on demand).  On PostgreSQL an advisory lock
makes concurrent starts of several server processes migrate one at a time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

__all__ = ["MIGRATIONS_DIR", "make_engine", "make_sessionmaker", "migrate"]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_MIGRATION_LOCK = 7_446_912_330  # arbitrary key of the PostgreSQL advisory lock


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        file_db = bool(database) and database != ":memory:" and \
            not str(database).startswith("file:")
        if file_db:
            _private_file(Path(str(database)).expanduser())
        pool: dict[str, Any] = {"pool_size": 10, "max_overflow": 30} if file_db else {}
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               **pool)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if file_db:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _private_file(path: Path) -> None:
    """Create the SQLite file readable by its owner only (``DATABASE_FILE_MODE``, 0600)
    before SQLite opens it (its -wal and -shm files get the same mode); an existing
    file loses any access by others."""
    from journeymap.limits import DATABASE_FILE_MODE

    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, DATABASE_FILE_MODE)
    except FileExistsError:
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            try:
                mode = p.stat().st_mode & 0o777
                if mode & 0o077:
                    p.chmod(mode & DATABASE_FILE_MODE)
            except OSError:  # not ours to change, or gone: SQLite reports real problems
                pass
        return
    os.close(fd)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database schema to ``revision`` with Alembic."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url",
                           engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
