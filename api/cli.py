"""``journeymap serve`` and ``journeymap admin …`` (registered through the entry-point
group ``journeymap.cli``; see :func:`register`).

This module is imported by every ``journeymap`` command, so it imports only typer at
the top; FastAPI, SQLAlchemy and uvicorn are imported inside the commands.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from journeymap.limits import (
    HEADER_TIMEOUT_SECONDS,
    KEEP_ALIVE_SECONDS,
    MAX_CONCURRENCY,
    MAX_HEADER_BYTES,
)

if TYPE_CHECKING:
    from .settings import Settings

__all__ = ["register"]

EXIT_BAD_INPUT = 2

DbOpt = Annotated[str | None, typer.Option(
    "--db", help="Database URL (default: JOURNEYMAP_DATABASE_URL, else sqlite:///./journeymap.db).",
    show_default=False)]

admin = typer.Typer(name="admin", no_args_is_help=True, add_completion=False,
                    help="Administer the HTTP service: database, workspaces and API keys.")


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(EXIT_BAD_INPUT)


def _settings(db: str | None, data_dir: Path | None = None) -> Settings:
    try:
        from pydantic import ValidationError

        from .settings import Settings
    except ImportError as exc:
        raise _fail(f"the HTTP service needs extra packages ({exc.name}): "
                    "pip install 'journeymap[api]'.") from None
    overrides: dict[str, object] = {}
    if db is not None:
        overrides["database_url"] = db
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        raise _fail(f"setting {'.'.join(str(p) for p in first['loc'])}: {first['msg']}."
                    ) from None


def _migrated_sessions(settings: Settings):  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import SQLAlchemyError

    from .db import make_engine, make_sessionmaker, migrate

    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
    except SQLAlchemyError as exc:
        raise _fail(f"cannot open the database {engine.url.render_as_string()}: "
                    f"{str(exc.orig if hasattr(exc, 'orig') else exc).strip().splitlines()[0]}"
                    ) from None
    return make_sessionmaker(engine)


def serve(host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(
              help="Port to listen on (0: a free port chosen by the system, shown in the "
                   "'Uvicorn running on' line at --log-level info).", min=0, max=65535)
          ] = 8000,
          db: DbOpt = None,
          data_dir: Annotated[Path | None, typer.Option(
              "--data-dir", help="Folder for uploaded files (default: JOURNEYMAP_DATA_DIR, "
                                 "else ./journeymap-data).", show_default=False)] = None,
          workers: Annotated[int, typer.Option(
              "--workers", min=1, max=64,
              help="Server processes sharing the port (one per core is a good start). Each "
                   "has its own fit threads (JOURNEYMAP_WORKERS), caches and heartbeat.")
          ] = 1,
          log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
          access_log: Annotated[bool, typer.Option(
              "--access-log/--no-access-log", help="Log every request (uvicorn's access "
                                                  "log; it costs time on busy servers).")
          ] = False,
          proxy_headers: Annotated[bool, typer.Option(
              "--proxy-headers/--no-proxy-headers",
              help="Trust X-Forwarded-Proto and X-Forwarded-For from the addresses of "
                   "--forwarded-allow-ips (a TLS proxy in front): the request's scheme and "
                   "client come from them, so web sessions get Secure cookies. See "
                   "docs/security.md, 'Running behind TLS'.")] = False,
          forwarded_allow_ips: Annotated[str | None, typer.Option(
              "--forwarded-allow-ips",
              help="Comma-separated proxy addresses (or networks, or '*') whose "
                   "X-Forwarded-* headers are trusted with --proxy-headers (default: "
                   "127.0.0.1).", show_default=False)] = None,
          header_timeout: Annotated[float, typer.Option(
              "--header-timeout", min=0.1,
              help="Seconds a connection has to send a request's headers before it is "
                   "closed.")] = HEADER_TIMEOUT_SECONDS,
          timeout_keep_alive: Annotated[int, typer.Option(
              "--timeout-keep-alive", min=1,
              help="Seconds an idle keep-alive connection stays open.")
          ] = KEEP_ALIVE_SECONDS,
          limit_concurrency: Annotated[int, typer.Option(
              "--limit-concurrency", min=1,
              help="Connections and requests in flight per process before it answers 503.")
          ] = MAX_CONCURRENCY,
          ) -> None:
    """Run the HTTP API (OpenAPI docs at /docs) with uvicorn."""
    settings = _settings(db, data_dir)
    try:
        import uvicorn

        from .main import create_app
    except ImportError as exc:
        raise _fail(f"the HTTP service needs extra packages ({exc.name}): "
                    "pip install 'journeymap[api]'.") from None
    if forwarded_allow_ips is not None and not proxy_headers:
        raise _fail("--forwarded-allow-ips needs --proxy-headers.")
    from .serving import HEADER_TIMEOUT_ENV

    os.environ[HEADER_TIMEOUT_ENV] = repr(header_timeout)  # read by every server process
    options: dict[str, Any] = {
        "host": host, "port": port, "log_level": log_level, "access_log": access_log,
        "proxy_headers": proxy_headers, "forwarded_allow_ips": forwarded_allow_ips or "127.0.0.1",
        "server_header": False, "http": f"{__package__}.serving:HeaderTimeout",
        "timeout_keep_alive": timeout_keep_alive, "limit_concurrency": limit_concurrency,
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES}
    if workers == 1:
        uvicorn.run(create_app(settings), **options)
        return
    # Several processes: uvicorn starts each with api.main:create_app(), which reads the
    # settings from the environment, so this command's --db/--data-dir go there.  The
    # database is migrated here, once, before the workers start, so that they do not
    # race to do it.
    if settings.migrate_on_startup:
        _migrated_sessions(settings).kw["bind"].dispose()
    settings.data_dir.mkdir(mode=0o750, parents=True, exist_ok=True)
    os.environ.update({"JOURNEYMAP_DATABASE_URL": settings.database_url,
                       "JOURNEYMAP_DATA_DIR": str(settings.data_dir),
                       "JOURNEYMAP_MIGRATE_ON_STARTUP": "false"})
    uvicorn.run(f"{__package__}.main:create_app", factory=True, workers=workers, **options)


@admin.command("migrate")
def migrate_cmd(db: DbOpt = None) -> None:
    """Create or upgrade the database tables (the server also does this on start)."""
    settings = _settings(db)
    _migrated_sessions(settings)
    typer.echo("database is up to date.", err=True)


@admin.command("create-workspace")
def create_workspace_cmd(
        name: Annotated[str, typer.Argument(help="Workspace name (unique).")],
        db: DbOpt = None) -> None:
    """Create a workspace and print its API key once (only a hash is stored).

    The key alone goes to stdout (KEY=$(journeymap admin create-workspace acme)); the
    message goes to stderr.
    """
    from .auth import WorkspaceExistsError, create_workspace

    sessions = _migrated_sessions(_settings(db))
    with sessions() as session:
        try:
            workspace, key = create_workspace(session, name)
        except (WorkspaceExistsError, ValueError) as exc:
            raise _fail(str(exc)) from None
        session.commit()
        typer.echo(f"Workspace '{workspace.name}' created ({workspace.id}). Its API key is "
                   "printed below, once: store it now, it cannot be shown again.", err=True)
        sys.stdout.write(key + "\n")


@admin.command("create-key")
def create_key_cmd(name: Annotated[str, typer.Argument(help="Workspace name.")],
                   db: DbOpt = None) -> None:
    """Print a new API key for an existing workspace (older keys stay valid)."""
    from sqlalchemy import select

    from .auth import create_key
    from .models import Workspace

    sessions = _migrated_sessions(_settings(db))
    with sessions() as session:
        workspace = session.scalar(select(Workspace).where(Workspace.name == name))
        if workspace is None:
            raise _fail(f"there is no workspace named '{name}'.")
        key = create_key(session, workspace)
        session.commit()
        sys.stdout.write(key + "\n")


@admin.command("revoke-key")
def revoke_key_cmd(key: Annotated[str, typer.Argument(
        help="The key, or its first 9 characters (jm_ and 6 more) when that is unique.")],
        db: DbOpt = None) -> None:
    """Revoke an API key (a server notices within JOURNEYMAP_AUTH_CACHE_SECONDS)."""
    from sqlalchemy import select

    from .auth import hash_key
    from .models import ApiKey, utcnow

    sessions = _migrated_sessions(_settings(db))
    with sessions() as session:
        if len(key) > 9:
            rows = session.scalars(select(ApiKey).where(ApiKey.key_hash == hash_key(key))).all()
        else:
            rows = session.scalars(select(ApiKey).where(ApiKey.prefix == key)).all()
        rows = [r for r in rows if r.revoked_at is None]
        if len(rows) != 1:
            raise _fail("no valid key matches." if not rows else
                        f"{len(rows)} keys start with '{key}'; give the whole key.")
        rows[0].revoked_at = utcnow()
        session.commit()
        typer.echo(f"key {rows[0].prefix}… revoked.", err=True)


CascadeOpt = Annotated[bool, typer.Option(
    "--cascade", help="Delete the fits made with it too (else it is refused while it has any).")]
DataDirOpt = Annotated[Path | None, typer.Option(
    "--data-dir", help="Folder of uploaded files (default: JOURNEYMAP_DATA_DIR, else "
                       "./journeymap-data).", show_default=False)]


def _delete(kind: str, ident: str, db: str | None, data_dir: Path | None,
            cascade: bool) -> None:
    """Delete one dataset, map or fit by id, in whichever workspace holds it."""
    import uuid

    from .models import Dataset, Fit, JourneyMapRecord
    from .problems import Problem
    from .services import deletion

    try:
        key = uuid.UUID(ident)
    except ValueError:
        raise _fail(f"'{ident}' is not a {kind} id (a UUID such as "
                    "3f2b8a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b).") from None
    settings = _settings(db, data_dir)
    sessions = _migrated_sessions(settings)
    model = {"dataset": Dataset, "map": JourneyMapRecord, "fit": Fit}[kind]
    with sessions() as session:
        row = session.get(model, key)
        if row is None:
            raise _fail(f"there is no {kind} with id {key}.")
        workspace_id = row.workspace_id
        try:
            if kind == "dataset":
                done = deletion.delete_dataset(session, None, settings.data_dir, workspace_id,
                                               key, cascade=cascade)
            elif kind == "map":
                done = deletion.delete_map(session, None, workspace_id, key, cascade=cascade)
            else:
                done = deletion.delete_fit(session, None, workspace_id, key)
        except Problem as exc:
            detail = exc.detail.replace("?cascade=true", "--cascade").replace(
                "(POST /v1/fits/{id}/cancel)", "(POST /v1/fits/{id}/cancel on the API)")
            raise _fail(detail) from None
    fits = f" and {len(done.fits)} fit(s)" if kind != "fit" and done.fits else ""
    typer.echo(f"{kind} {key}{fits} deleted" + (" (and its survey file)." if done.file else
                                                "."), err=True)


@admin.command("delete-dataset")
def delete_dataset_cmd(dataset_id: Annotated[str, typer.Argument(help="The dataset's id.")],
                       db: DbOpt = None, data_dir: DataDirOpt = None,
                       cascade: CascadeOpt = False) -> None:
    """Delete a dataset and its survey file in the data folder."""
    _delete("dataset", dataset_id, db, data_dir, cascade)


@admin.command("delete-map")
def delete_map_cmd(map_id: Annotated[str, typer.Argument(help="The map's id.")],
                   db: DbOpt = None, cascade: CascadeOpt = False) -> None:
    """Delete a map with all its versions."""
    _delete("map", map_id, db, None, cascade)


@admin.command("delete-fit")
def delete_fit_cmd(fit_id: Annotated[str, typer.Argument(help="The fit's id.")],
                   db: DbOpt = None) -> None:
    """Delete a finished, failed or cancelled fit and its results."""
    _delete("fit", fit_id, db, None, False)


@admin.command("list-workspaces")
def list_workspaces_cmd(db: DbOpt = None) -> None:
    """List workspaces with their numbers of valid keys, maps, datasets and fits."""
    from sqlalchemy import func, select

    from .models import ApiKey, Dataset, Fit, JourneyMapRecord, Workspace

    sessions = _migrated_sessions(_settings(db))
    with sessions() as session:
        rows = session.scalars(select(Workspace).order_by(Workspace.name)).all()
        if not rows:
            typer.echo("no workspaces yet; create one with 'journeymap admin create-workspace "
                       "NAME'.", err=True)
            return

        def count(model: type, ws_id: object) -> int:
            column = model.workspace_id  # type: ignore[attr-defined]
            query = select(func.count()).select_from(model).where(column == ws_id)
            if model is ApiKey:
                query = query.where(ApiKey.revoked_at.is_(None))
            return int(session.scalar(query) or 0)

        typer.echo(f"{'name':<24} {'id':<36} {'keys':>4} {'maps':>5} {'datasets':>8} "
                   f"{'fits':>5}  created")
        for ws in rows:
            typer.echo(f"{ws.name:<24} {ws.id!s:<36} {count(ApiKey, ws.id):>4} "
                       f"{count(JourneyMapRecord, ws.id):>5} {count(Dataset, ws.id):>8} "
                       f"{count(Fit, ws.id):>5}  {ws.created_at:%Y-%m-%d %H:%M}")


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``admin`` to the ``journeymap`` command line."""
    app.command("serve")(serve)
    app.add_typer(admin, name="admin")
