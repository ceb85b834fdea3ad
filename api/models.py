"""Database tables (SQLAlchemy 2 ORM).  The Alembic migrations in ``api/migrations``
create them; these classes must match the latest migration (a test checks it).

Every user object belongs to a :class:`Workspace`; queries always filter by it, so
one workspace never sees another's maps, datasets or fits.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = ["ApiKey", "Base", "BrowserSession", "CaseRecord", "CaseRulesRecord", "Dataset",
           "Fit", "FitStatus", "Instance", "JourneyMapRecord", "MapVersion", "ShareLink",
           "UTCDateTime", "WebhookDelivery", "WebhookEndpoint", "Workspace", "utcnow"]


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every database (SQLite stores it naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class FitStatus:
    """The states of a fit; ``done``, ``failed`` and ``cancelled`` are final."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    ALL = (QUEUED, RUNNING, DONE, FAILED, CANCELLED)
    ACTIVE = (QUEUED, RUNNING)


NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    keys: Mapped[list[ApiKey]] = relationship(back_populates="workspace")


class ApiKey(Base):
    """An API key: only its SHA-256 is stored; ``prefix`` lets a person tell keys apart."""

    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    workspace: Mapped[Workspace] = relationship(back_populates="keys")


class BrowserSession(Base):
    """A signed-in web session.  The cookie holds a random token; only its SHA-256 is
    stored, so a copy of the database cannot be used to sign in.  Deleted at sign-out;
    it dies with its API key (revoked keys are checked on every request)."""

    __tablename__ = "browser_sessions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    api_key_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("api_keys.id", ondelete="CASCADE"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class JourneyMapRecord(Base):
    """A map: a name and a list of immutable versions."""

    __tablename__ = "maps"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    latest_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MapVersion(Base):
    """One version of a map: the text as sent and the validated map (``definition``)."""

    __tablename__ = "map_versions"
    __table_args__ = (UniqueConstraint("map_id", "version", name="uq_map_versions_map_version"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    map_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("maps.id", ondelete="CASCADE"),
                                              index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(String(255))
    definition: Mapped[str] = mapped_column(Text)  # JSON of JourneyMap.to_dict()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Dataset(Base):
    """An uploaded survey file; the bytes live under ``data_dir / path``."""

    __tablename__ = "datasets"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    filename: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(16))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    n_rows: Mapped[int] = mapped_column(BigInteger)
    columns: Mapped[str] = mapped_column(Text)  # JSON list of column names
    path: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Fit(Base):
    """A fit of one map version to one dataset, run by a background worker."""

    __tablename__ = "fits"
    __table_args__ = (Index("ix_fits_status_instance", "status", "instance_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    map_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("maps.id", ondelete="CASCADE"))
    map_version_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("map_versions.id", ondelete="CASCADE"))
    map_version: Mapped[int] = mapped_column(Integer)
    dataset_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    engine: Mapped[str] = mapped_column(String(50))
    options: Mapped[str] = mapped_column(Text)  # JSON object
    status: Mapped[str] = mapped_column(String(16), default=FitStatus.QUEUED)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[str | None] = mapped_column(Text, nullable=True)  # FitResult JSON
    instance_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: The dataset's rows when the fit was made: the fit reads the first ``data_rows``
    #: rows of the stored file, never rows appended later (None: fits made before 0005).
    data_rows: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: The date window the fit read, resolved (``Window.to_dict`` JSON), if it had one.
    window: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The fit this one refreshed (``POST /v1/fits/{id}/refresh``); it may be deleted since.
    refreshed_from: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)


class ShareLink(Base):
    """A share link to a fit's role pages, opened without any key (``/s/{token}``).

    ``role`` names the one role the link opens; ``None`` makes a viewer link to every
    role's page of the fit.  Only the token's SHA-256 is stored: the URL cannot be
    rebuilt from the database.  A link works until ``expires_at`` or ``revoked_at``
    and dies with its fit or workspace (docs/security.md, "Share links").
    """

    __tablename__ = "share_links"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    fit_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("fits.id", ondelete="CASCADE"),
                                              index=True)
    role: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CaseRecord(Base):
    """A follow-up case (:mod:`journeymap.cases`): one response of a dataset, linked to
    its answers only by ``response_id``; no comment, contact detail or name is stored
    (docs/closing-the-loop.md).  One case per response id of a dataset."""

    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("workspace_id", "dataset_id", "response_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    dataset_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("datasets.id", ondelete="CASCADE"), index=True)
    fit_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    response_id: Mapped[str] = mapped_column(String(200))
    reasons: Mapped[str] = mapped_column(String(100))  # comma-separated
    ltr: Mapped[int] = mapped_column(Integer)
    touchpoint: Mapped[str | None] = mapped_column(String(200), nullable=True)
    role: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    contact_ok: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16), default="open")
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    contacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CaseRulesRecord(Base):
    """A workspace's rules for opening follow-up cases (:class:`journeymap.cases.CaseRules`:
    which rules are on, the valuable-account threshold and the SLA hours per reason).
    No row: the library's defaults.  Checked by the library before it is stored."""

    __tablename__ = "case_rules"

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True)
    detractor: Mapped[bool] = mapped_column(Boolean)
    bottom_rating: Mapped[bool] = mapped_column(Boolean)
    value_column: Mapped[str | None] = mapped_column(String(200), nullable=True)
    value_threshold: Mapped[float] = mapped_column(Float)
    value_max_ltr: Mapped[int] = mapped_column(Integer)
    sla_detractor_hours: Mapped[float] = mapped_column(Float)
    sla_valuable_low_hours: Mapped[float] = mapped_column(Float)
    sla_bottom_rating_hours: Mapped[float] = mapped_column(Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookEndpoint(Base):
    """A URL of a workspace that gets a signed POST when a case opens or changes.  The
    secret signs the bodies (HMAC-SHA256), so it is kept as given (shown once)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WebhookDelivery(Base):
    """One event for one endpoint: its body (sent byte for byte on every attempt), the
    attempts so far and the outcome.  ``seq`` orders a case's events."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"),
                                               index=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    event: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Instance(Base):
    """A running server process; its heartbeat tells others it is alive."""

    __tablename__ = "instances"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
