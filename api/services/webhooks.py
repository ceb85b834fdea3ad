"""Webhooks: a signed POST to the workspace's URLs when a case opens or changes
(docs/closing-the-loop.md, "Webhooks").

:func:`enqueue` stores one delivery per endpoint in the transaction that changes the
case, so an event is never lost; the worker sends them in the background.
"""

from __future__ import annotations

import json

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import CaseRecord, WebhookDelivery, WebhookEndpoint, utcnow
from ..schemas import CaseOut

__all__ = ["enqueue"]


def enqueue(session: Session, case: CaseRecord, event: str, payload: CaseOut) -> int:
    """Store ``event`` for every endpoint of the case's workspace; returns how many.
    ``seq`` numbers the case's events per endpoint (1, 2, …) so they are sent in order."""
    endpoints = session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.workspace_id == case.workspace_id)).all()
    now = utcnow()
    for endpoint in endpoints:
        last = session.scalar(select(func.max(WebhookDelivery.seq)).where(
            WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.case_id == case.id))
        seq = int(last or 0) + 1
        body = json.dumps({"event": event, "seq": seq,
                           "case": json.loads(payload.model_dump_json())},
                          separators=(",", ":"), sort_keys=True)
        session.add(WebhookDelivery(endpoint_id=endpoint.id, case_id=case.id, seq=seq,
                                    event=event, body=body, status="pending", attempts=0,
                                    next_attempt_at=now, created_at=now))
    return len(endpoints)
