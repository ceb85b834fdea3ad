"""Share links: a fit's role pages opened without any key (``/s/{token}``).

An admin (the workspace key) makes a link for one role of a finished fit — or a
*viewer* link for every role's page of the fit — with an expiry (30 days unless
told, at most 365).  The link's token is 256 random bits (:mod:`secrets`); the
database keeps only its SHA-256 (:class:`api.models.ShareLink`), so a copy of the
database opens nothing and the URL is shown once, when it is made.  A link is
refused once revoked (``DELETE /v1/shares/{token_id}``), expired, or when its fit is
gone (deleting a fit deletes its links).

A link opens its role's page, card and map and nothing else: no other role (unless
it is a viewer link), no survey rows, no uploads, no drivers or what-if, no ``/v1``
route.  Who can see what: ``docs/web.md`` ("Access levels") and
``docs/security.md`` ("Share links").
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from journeymap.i18n import N_

from ..models import ShareLink, utcnow
from ..problems import NOT_FOUND, Problem, not_found
from ..results import DoneFit, Results
from ..schemas import ShareLinkOut, ShareOut, SharesOut
from . import fits

__all__ = ["SHARE_PREFIX", "OpenShare", "create_share", "hash_share_token", "list_shares",
           "open_share", "revoke_share", "share_status"]

#: Where share links live (the token follows: ``/s/{token}``).
SHARE_PREFIX = "/s"
_MAX_TOKEN_LENGTH = 100  # token_urlsafe(32) is 43 characters
GONE = "urn:journeymap:problem:share-link-gone"


@dataclass(frozen=True)
class OpenShare:
    """A valid share link: what it opens and its finished fit."""

    id: uuid.UUID
    workspace_id: uuid.UUID
    fit: DoneFit
    role: str | None
    expires_at: datetime

    def allows(self, role: str) -> bool:
        """True when the link opens ``role``'s page (its own role, or any for a viewer link)."""
        return self.role is None or self.role == role


def hash_share_token(token: str) -> str:
    """The stored form of a share token (SHA-256, hex)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def share_status(row: ShareLink, now: datetime | None = None
                 ) -> Literal["active", "expired", "revoked"]:
    """Whether a link works: ``revoked`` wins over ``expired``."""
    if row.revoked_at is not None:
        return "revoked"
    return "expired" if row.expires_at <= (now or utcnow()) else "active"


def create_share(sessions: sessionmaker[Session], results: Results, workspace_id: uuid.UUID,
                 fit_id: uuid.UUID, role: str | None, days: int, base_url: str, *,
                 now: datetime | None = None) -> ShareOut:
    """A new share link to ``role``'s page of a finished fit (every role's when None).

    ``base_url`` is the server's address as the request saw it; the answer's ``url`` is
    ``{base_url}/s/{token}``.  Raises a 404 problem for another workspace's fit or an
    unknown role, 409 when the fit is not done.
    """
    meta = fits.finished_fit(sessions, results, workspace_id, fit_id)
    if role is not None:
        fits.role(sessions, results, meta, role)  # 404 "No such role"
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    record = ShareLink(id=uuid.uuid4(), token_hash=hash_share_token(token),
                       workspace_id=workspace_id, fit_id=meta.id, role=role, created_at=now,
                       expires_at=now + timedelta(days=days))
    with sessions() as session:
        session.add(record)
        session.commit()
        return ShareOut(url=f"{base_url.rstrip('/')}{SHARE_PREFIX}/{token}", token_id=record.id,
                        fit_id=record.fit_id, role=record.role, created_at=record.created_at,
                        expires_at=record.expires_at)


def list_shares(session: Session, workspace_id: uuid.UUID, *, fit_id: uuid.UUID | None = None,
                role: str | None = None) -> SharesOut:
    """The workspace's share links (active, expired and revoked), newest first."""
    query = select(ShareLink).where(ShareLink.workspace_id == workspace_id)
    if fit_id is not None:
        query = query.where(ShareLink.fit_id == fit_id)
    if role is not None:
        query = query.where(ShareLink.role == role)
    now = utcnow()
    rows = session.scalars(query.order_by(ShareLink.created_at.desc(), ShareLink.id)).all()
    return SharesOut(shares=[
        ShareLinkOut(token_id=r.id, fit_id=r.fit_id, role=r.role, created_at=r.created_at,
                     expires_at=r.expires_at, revoked_at=r.revoked_at,
                     status=share_status(r, now)) for r in rows])


def revoke_share(session: Session, workspace_id: uuid.UUID, token_id: uuid.UUID) -> None:
    """Revoke a link: it stops working at once (revoking it again changes nothing).

    Raises a 404 problem when the workspace has no such link.
    """
    row = session.scalar(select(ShareLink).where(ShareLink.id == token_id,
                                                 ShareLink.workspace_id == workspace_id))
    if row is None:
        raise not_found("share link", token_id)
    if row.revoked_at is None:
        session.execute(update(ShareLink).where(ShareLink.id == row.id)
                        .values(revoked_at=utcnow()))
        session.commit()


def _refused(status: int, title: str, detail: str) -> Problem:
    return Problem(status, detail, type=NOT_FOUND if status == 404 else GONE, title=title)


def open_share(sessions: sessionmaker[Session], results: Results, token: str, *,
               now: datetime | None = None) -> OpenShare:
    """The link of ``token`` when it works.

    Raises a 404 problem for an unknown token (or one whose fit is gone or no longer
    done) and a 410 problem for a revoked or expired link, each with a sentence for
    the person who opened it.
    """
    # N_: the web pages show these in the reader's language (api/web/pages/share.py)
    unknown = _refused(404, N_("Link not found"),
                       N_("This link does not open anything. Check that it was copied whole, "
                          "or ask the person who shared it for a new one."))
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        raise unknown
    with sessions() as session:
        row = session.scalar(select(ShareLink)
                             .where(ShareLink.token_hash == hash_share_token(token)))
        if row is None:
            raise unknown
        status = share_status(row, now)
        link_id, workspace_id, fit_id, role, expires_at = (
            row.id, row.workspace_id, row.fit_id, row.role, row.expires_at)
    if status == "revoked":
        raise _refused(410, N_("Link withdrawn"), N_("This link was withdrawn by the person "
                       "who shared it. Ask them for a new one if you still need the page."))
    if status == "expired":
        raise _refused(410, N_("Link expired"), N_("This link has expired. Ask the person "
                       "who shared it for a new one."))
    try:
        meta = fits.finished_fit(sessions, results, workspace_id, fit_id)
    except Problem:
        raise unknown from None
    return OpenShare(id=link_id, workspace_id=workspace_id, fit=meta, role=role,
                     expires_at=expires_at)
