"""Settings of the HTTP service, read from the environment and ``.env``.

Every field can be set as an environment variable with the prefix ``JOURNEYMAP_``
(``JOURNEYMAP_DATABASE_URL``, ``JOURNEYMAP_DATA_DIR`` …) or in a ``.env`` file in the
working directory.  Nothing is read at import: :func:`api.main.create_app` builds a
:class:`Settings` when it is not given one.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from journeymap import limits

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Configuration of one API process (see ``docs/api.md``)."""

    model_config = SettingsConfigDict(env_prefix="JOURNEYMAP_", env_file=".env",
                                      env_file_encoding="utf-8", extra="ignore")

    database_url: str = Field(default="sqlite:///./journeymap.db",
        description="SQLAlchemy URL: a SQLite file (default, in the working directory) or "
                    "PostgreSQL, e.g. postgresql+psycopg://user:password@host:5432/db.")
    data_dir: Path = Field(default=Path("./journeymap-data"),
                           description="Folder for uploaded survey files.")
    max_upload_bytes: int = Field(default=limits.MAX_UPLOAD_BYTES, ge=1,
                                  description="Largest survey file accepted (bytes); larger "
                                              "uploads answer 413.")
    max_body_bytes: int = Field(default=limits.MAX_BODY_BYTES, ge=1024,
                                description="Largest body of any other request (JSON, forms), "
                                            "in bytes; larger bodies answer 413.")
    body_timeout_seconds: float = Field(default=limits.BODY_TIMEOUT_SECONDS, gt=0,
                                        description="A request body that stalls this long "
                                                    "between two of its parts answers 408.")
    max_queued_fits: int = Field(default=limits.MAX_QUEUED_FITS, ge=0, le=10_000,
                                 description="Fits waiting for a fit thread in this process "
                                             "before new ones answer 503 with Retry-After.")
    stream_fits_above_bytes: int = Field(default=limits.STREAM_FITS_ABOVE_BYTES, ge=0,
                                         description="Stored CSV/TSV/Parquet files larger than "
                                                     "this are fitted chunk by chunk (linear "
                                                     "engine), in bounded memory.")
    fit_chunk_rows: int = Field(default=limits.FIT_CHUNK_ROWS, ge=100, le=10_000_000,
                                description="Rows per chunk of a streamed fit.")
    workers: int = Field(default=2, ge=1, le=64,
                         description="Threads that run fits in the background (the number "
                                     "of fits that run at once in this process).")
    result_cache_size: int = Field(default=256, ge=1,
                                   description="Finished fits whose analyses are kept in memory.")
    whatif_cache_size: int = Field(default=4, ge=1,
                                   description="Fits whose respondent data are kept in memory "
                                               "for what-if (each holds its survey in RAM).")
    heartbeat_seconds: float = Field(default=5.0, gt=0,
                                     description="How often a running server marks itself "
                                                 "alive in the database.")
    stale_after_seconds: float = Field(default=30.0, gt=0,
                                       description="A server silent this long is taken as "
                                                   "dead: its queued and running fits are "
                                                   "marked failed.")
    auth_cache_seconds: float = Field(default=10.0, ge=0,
                                      description="How long a checked API key is remembered "
                                                  "(a revoked key stops working within "
                                                  "this time; 0: check every request).")
    migrate_on_startup: bool = Field(default=True,
                                     description="Run the Alembic migrations (upgrade to head) "
                                                 "when the app starts.")
    session_max_age_seconds: float = Field(
        default=12 * 3600, gt=0,
        description="How long a web sign-in lasts (the session is kept on the server and "
                    "ends at sign-out).")
    webhook_backoff_seconds: float = Field(
        default=limits.WEBHOOK_BACKOFF_SECONDS, gt=0,
        description="The first retry of a failed webhook delivery waits this long; each "
                    "next one twice as long.")
    webhook_poll_seconds: float = Field(default=2.0, gt=0,
                                        description="How often the worker sends due webhook "
                                                    "deliveries.")
    test_fit_delay_seconds: float = Field(default=0.0, ge=0,
                                          description="Testing only: sleep this long at the "
                                                      "start of every fit.")

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, url: str) -> str:
        if not url.startswith(("sqlite", "postgresql")):
            raise ValueError("database_url must be a sqlite:/// or postgresql+psycopg:// URL")
        if url.startswith("postgresql://") or url.startswith("postgres://"):
            # psycopg 3 is the driver we ship; say so in the URL SQLAlchemy sees.
            url = "postgresql+psycopg://" + url.split("://", 1)[1]
        return url
