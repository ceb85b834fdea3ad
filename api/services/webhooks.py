"""Webhooks: a signed POST to the workspace's URLs when a case opens or changes
(docs/closing-the-loop.md, "Webhooks").

* :func:`enqueue` stores one delivery per endpoint in the transaction that changes the
  case, so an event is never lost.
* :func:`deliver_due` (run by the worker's webhook thread, never in a request) sends
  the due deliveries: the body byte for byte, signed with HMAC-SHA256 over
  ``"{timestamp}.{body}"``.  A delivery is sent only after every earlier event of the
  same case to the same URL was delivered (order per case).  A failure (no answer, an
  error, a status other than 2xx) is logged on the delivery and retried after
  ``backoff · 2^(attempts−1)`` seconds (at most ``WEBHOOK_MAX_BACKOFF_SECONDS``);
  after ``WEBHOOK_MAX_ATTEMPTS`` it is marked ``failed`` and
  ``POST /v1/webhooks/{id}/retry`` queues the endpoint's failed deliveries again.
* A URL added after cases exist gets only their later events; :func:`replay`
  (``POST /v1/webhooks/{id}/replay``) sends it each case it never got, as it is now
  (``case.replayed``), once.
* Several server processes may share a database: a delivery is claimed by a
  compare-and-set on its ``next_attempt_at`` before it is sent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import time
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import httpx
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from journeymap.limits import (
    WEBHOOK_MAX_ATTEMPTS,
    WEBHOOK_MAX_BACKOFF_SECONDS,
    WEBHOOK_MAX_ENDPOINTS,
    WEBHOOK_TIMEOUT_SECONDS,
)

from ..models import CaseRecord, WebhookDelivery, WebhookEndpoint, utcnow
from ..problems import CONFLICT, INVALID_REQUEST, Problem, not_found
from ..schemas import (
    CaseOut,
    WebhookCreated,
    WebhookDeliveriesOut,
    WebhookDeliveryOut,
    WebhookOut,
    WebhooksOut,
)

__all__ = ["SIGNATURE_HEADER", "TIMESTAMP_HEADER", "create_endpoint", "delete_endpoint",
           "deliver_due", "enqueue", "get_endpoint", "list_deliveries", "list_endpoints",
           "replay", "retry_failed", "sign", "workspace_endpoints"]

logger = logging.getLogger("journeymap.api")

SIGNATURE_HEADER = "X-Journeymap-Signature"
TIMESTAMP_HEADER = "X-Journeymap-Timestamp"
_MAX_ERROR = 500


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value: ``sha256=`` + HMAC-SHA256 of ``"{timestamp}." + body``."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


# ----------------------------------------------------------------- endpoints (CRUD)
def _check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Problem(422, f"a webhook URL must be an http:// or https:// address with a host; "
                           f"got '{url[:100]}'.", type=INVALID_REQUEST,
                      title="The request cannot be done")
    return url


def create_endpoint(session: Session, workspace_id: uuid.UUID, url: str) -> WebhookCreated:
    """A new endpoint; its secret is in this answer only."""
    count = session.scalar(select(func.count()).select_from(WebhookEndpoint).where(
        WebhookEndpoint.workspace_id == workspace_id)) or 0
    if count >= WEBHOOK_MAX_ENDPOINTS:
        raise Problem(409, f"a workspace has at most {WEBHOOK_MAX_ENDPOINTS} webhook URLs; "
                           "delete one first.", type=CONFLICT, title="Too many webhooks")
    row = WebhookEndpoint(id=uuid.uuid4(), workspace_id=workspace_id, url=_check_url(url),
                          secret="whsec_" + secrets.token_urlsafe(32), created_at=utcnow())
    session.add(row)
    session.commit()
    return WebhookCreated(id=row.id, url=row.url, created_at=row.created_at, secret=row.secret)


def _out(session: Session, row: WebhookEndpoint) -> WebhookOut:
    counts = dict(session.execute(
        select(WebhookDelivery.status, func.count()).where(WebhookDelivery.endpoint_id == row.id)
        .group_by(WebhookDelivery.status)).all())
    return WebhookOut(id=row.id, url=row.url, created_at=row.created_at,
                      pending=int(counts.get("pending", 0)),
                      delivered=int(counts.get("delivered", 0)),
                      failed=int(counts.get("failed", 0)))


def get_endpoint(session: Session, workspace_id: uuid.UUID, endpoint_id: uuid.UUID
                 ) -> WebhookEndpoint:
    row = session.scalar(select(WebhookEndpoint).where(
        WebhookEndpoint.id == endpoint_id, WebhookEndpoint.workspace_id == workspace_id))
    if row is None:
        raise not_found("webhook", endpoint_id)
    return row


def read_endpoint(session: Session, workspace_id: uuid.UUID, endpoint_id: uuid.UUID
                  ) -> WebhookOut:
    return _out(session, get_endpoint(session, workspace_id, endpoint_id))


def list_endpoints(session: Session, workspace_id: uuid.UUID) -> WebhooksOut:
    rows = session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.workspace_id == workspace_id).order_by(WebhookEndpoint.created_at)).all()
    return WebhooksOut(webhooks=[_out(session, r) for r in rows])


def delete_endpoint(session: Session, workspace_id: uuid.UUID, endpoint_id: uuid.UUID) -> None:
    """Delete an endpoint and its delivery log."""
    session.delete(get_endpoint(session, workspace_id, endpoint_id))
    session.commit()


def list_deliveries(session: Session, workspace_id: uuid.UUID, endpoint_id: uuid.UUID,
                    limit: int | None = None, offset: int = 0) -> WebhookDeliveriesOut:
    """The endpoint's delivery log, oldest first (ties by event number, then id):
    ``limit`` deliveries from ``offset`` on (every one when ``limit`` is ``None``), and
    ``count``, how many it has in all."""
    get_endpoint(session, workspace_id, endpoint_id)
    mine = WebhookDelivery.endpoint_id == endpoint_id
    query = (select(WebhookDelivery).where(mine)
             .order_by(WebhookDelivery.created_at, WebhookDelivery.seq, WebhookDelivery.id)
             .offset(offset))
    rows = session.scalars(query if limit is None else query.limit(limit)).all()
    count = (len(rows) if limit is None and offset == 0 else int(session.scalar(
        select(func.count()).select_from(WebhookDelivery).where(mine)) or 0))
    return WebhookDeliveriesOut(count=count, deliveries=[
        WebhookDeliveryOut(id=r.id, case_id=r.case_id, seq=r.seq, event=r.event,
                           status=r.status,  # type: ignore[arg-type]
                           attempts=r.attempts, next_attempt_at=r.next_attempt_at,
                           last_status_code=r.last_status_code, last_error=r.last_error,
                           created_at=r.created_at, delivered_at=r.delivered_at)
        for r in rows])


def retry_failed(session: Session, workspace_id: uuid.UUID, endpoint_id: uuid.UUID) -> int:
    """Queue the endpoint's failed deliveries again (attempts from 0); returns how many."""
    get_endpoint(session, workspace_id, endpoint_id)
    done = session.execute(update(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "failed")
        .values(status="pending", attempts=0, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False))
    session.commit()
    return int(getattr(done, "rowcount", 0))


def replay(session: Session, workspace_id: uuid.UUID, endpoint_id: uuid.UUID,
           status: str | None = None) -> int:
    """Queue a ``case.replayed`` event (the case as it is now) to this endpoint for every
    case of the workspace it never got an event of (only those with ``status`` when
    given), oldest first; returns how many.  A second replay queues none."""
    from .cases import case_out

    get_endpoint(session, workspace_id, endpoint_id)
    sent = select(WebhookDelivery.case_id).where(WebhookDelivery.endpoint_id == endpoint_id)
    query = select(CaseRecord).where(CaseRecord.workspace_id == workspace_id,
                                     CaseRecord.id.not_in(sent))
    if status is not None:
        query = query.where(CaseRecord.status == status)
    rows = session.scalars(query.order_by(CaseRecord.opened_at, CaseRecord.response_id)).all()
    now = utcnow()
    for row in rows:  # no event of these cases was stored for this endpoint: seq 1
        session.add(WebhookDelivery(endpoint_id=endpoint_id, case_id=row.id, seq=1,
                                    event="case.replayed",
                                    body=_body("case.replayed", 1, case_out(row)),
                                    status="pending", attempts=0, next_attempt_at=now,
                                    created_at=now))
    session.commit()
    return len(rows)


# ----------------------------------------------------------------- events
def _body(event: str, seq: int, payload: CaseOut) -> str:
    return json.dumps({"event": event, "seq": seq,
                       "case": json.loads(payload.model_dump_json())},
                      separators=(",", ":"), sort_keys=True)


def workspace_endpoints(session: Session, workspace_id: uuid.UUID
                        ) -> Sequence[WebhookEndpoint]:
    """The webhook endpoints of a workspace."""
    return session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.workspace_id == workspace_id)).all()


def enqueue(session: Session, case: CaseRecord, event: str, payload: CaseOut, *,
            endpoints: Sequence[WebhookEndpoint] | None = None, new_case: bool = False
            ) -> int:
    """Store ``event`` for every endpoint of the case's workspace; returns how many.
    ``seq`` numbers the case's events per endpoint (1, 2, …) so they are sent in order.

    ``endpoints`` saves the query when the caller enqueues many cases of one workspace;
    ``new_case`` (a case just stored, with no event yet) makes ``seq`` 1 without asking."""
    if endpoints is None:
        endpoints = workspace_endpoints(session, case.workspace_id)
    now = utcnow()
    for endpoint in endpoints:
        last = None if new_case else session.scalar(select(func.max(WebhookDelivery.seq)).where(
            WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.case_id == case.id))
        seq = int(last or 0) + 1
        session.add(WebhookDelivery(endpoint_id=endpoint.id, case_id=case.id, seq=seq,
                                    event=event, body=_body(event, seq, payload),
                                    status="pending", attempts=0, next_attempt_at=now,
                                    created_at=now))
    return len(endpoints)


def _backoff(attempts: int, base: float) -> float:
    return float(min(base * 2 ** (attempts - 1), WEBHOOK_MAX_BACKOFF_SECONDS))


def deliver_due(sessions: sessionmaker[Session], *, backoff_seconds: float,
                client: httpx.Client | None = None, now: datetime | None = None,
                limit: int = 100) -> int:
    """Send the due deliveries (oldest first, in order per case and URL); returns how
    many were attempted."""
    now = now or utcnow()
    with sessions() as session:
        due = session.execute(
            select(WebhookDelivery.id, WebhookDelivery.endpoint_id, WebhookDelivery.case_id,
                   WebhookDelivery.seq, WebhookDelivery.next_attempt_at)
            .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.created_at, WebhookDelivery.seq).limit(limit)).all()
    own = client is None
    client = client or httpx.Client(timeout=WEBHOOK_TIMEOUT_SECONDS, follow_redirects=False)
    attempted = 0
    blocked: set[tuple[uuid.UUID, uuid.UUID]] = set()
    try:
        for delivery_id, endpoint_id, case_id, seq, next_at in due:
            key = (endpoint_id, case_id)
            if key in blocked or _earlier_undelivered(sessions, endpoint_id, case_id, seq):
                blocked.add(key)  # a later event waits for the earlier ones
                continue
            if not _claim(sessions, delivery_id, next_at, now):
                blocked.add(key)
                continue
            ok = _attempt(sessions, client, delivery_id, backoff_seconds)
            attempted += 1
            if not ok:
                blocked.add(key)
    finally:
        if own:
            client.close()
    return attempted


def _earlier_undelivered(sessions: sessionmaker[Session], endpoint_id: uuid.UUID,
                         case_id: uuid.UUID, seq: int) -> bool:
    with sessions() as session:
        return bool(session.scalar(select(func.count()).select_from(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.case_id == case_id,
            WebhookDelivery.seq < seq, WebhookDelivery.status != "delivered")))


def _claim(sessions: sessionmaker[Session], delivery_id: uuid.UUID, next_at: datetime,
           now: datetime) -> bool:
    """Take the delivery for this process (no other process sends it meanwhile)."""
    lease = now + timedelta(seconds=2 * WEBHOOK_TIMEOUT_SECONDS)
    with sessions.begin() as session:
        done = session.execute(update(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at == next_at).values(next_attempt_at=lease)
            .execution_options(synchronize_session=False))
        return bool(getattr(done, "rowcount", 0))


def _attempt(sessions: sessionmaker[Session], client: httpx.Client, delivery_id: uuid.UUID,
             backoff_seconds: float) -> bool:
    with sessions() as session:
        row = session.get(WebhookDelivery, delivery_id)
        assert row is not None
        endpoint = session.get(WebhookEndpoint, row.endpoint_id)
        assert endpoint is not None
        url, secret, body, event = endpoint.url, endpoint.secret, row.body, row.event
    raw = body.encode("utf-8")
    stamp = int(time.time())
    headers = {"Content-Type": "application/json", "User-Agent": "journeymap-webhooks",
               TIMESTAMP_HEADER: str(stamp), SIGNATURE_HEADER: sign(secret, stamp, raw),
               "X-Journeymap-Event": event, "X-Journeymap-Delivery": str(delivery_id)}
    code: int | None = None
    error: str | None = None
    try:
        answer = client.post(url, content=raw, headers=headers)
        code = answer.status_code
        if not 200 <= code < 300:
            error = f"the receiver answered {code}"
    except httpx.HTTPError as exc:
        error = f"no answer: {type(exc).__name__}: {exc}"[:_MAX_ERROR]
    now = utcnow()
    with sessions.begin() as session:
        row = session.get(WebhookDelivery, delivery_id)
        if row is None:  # deleted meanwhile
            return error is None
        row.attempts += 1
        row.last_status_code = code
        if error is not None:  # the log keeps the last failure after a later success
            row.last_error = error
        if error is None:
            row.status = "delivered"
            row.delivered_at = now
        elif row.attempts >= WEBHOOK_MAX_ATTEMPTS:
            row.status = "failed"
            logger.warning("webhook delivery %s failed %d times: %s", delivery_id,
                           row.attempts, error)
        else:
            row.next_attempt_at = now + timedelta(seconds=_backoff(row.attempts,
                                                                   backoff_seconds))
    return error is None
