"""Webhook URLs of the workspace (docs/closing-the-loop.md, "Webhooks"): add one (its
secret is shown once), list, read, delete, its delivery log, retry its failed
deliveries, and replay the cases it never got."""

from __future__ import annotations

import uuid
from typing import Literal

from fastapi import APIRouter, Request, Response

from journeymap.limits import PAGE_SIZE_DEFAULT

from ..deps import SessionDep, WorkspaceDep
from ..paging import KnownQueryOnly, Limit, Offset, next_page
from ..problems import problem_responses
from ..responses import json_response
from ..schemas import (
    WebhookCreate,
    WebhookCreated,
    WebhookDeliveriesOut,
    WebhookOut,
    WebhookReplayOut,
    WebhookRetryOut,
    WebhooksOut,
)
from ..services import webhooks as service

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


@router.post("", status_code=201, response_model=WebhookCreated,
             responses=problem_responses(401, 409, 422))
def create_webhook(body: WebhookCreate, session: SessionDep, workspace: WorkspaceDep
                   ) -> Response:
    """Add a URL that gets a signed POST when a case opens or changes; the answer holds
    the signing secret, shown this once."""
    return json_response(service.create_endpoint(session, workspace.id, body.url),
                         status_code=201)


@router.get("", response_model=WebhooksOut, responses=problem_responses(401))
def list_webhooks(session: SessionDep, workspace: WorkspaceDep) -> Response:
    """The workspace's webhook URLs (without secrets) and their deliveries by status."""
    return json_response(service.list_endpoints(session, workspace.id))


@router.get("/{webhook_id}", response_model=WebhookOut, responses=problem_responses(401, 404))
def get_webhook(webhook_id: uuid.UUID, session: SessionDep, workspace: WorkspaceDep
                ) -> Response:
    """One webhook URL (without its secret)."""
    return json_response(service.read_endpoint(session, workspace.id, webhook_id))


@router.delete("/{webhook_id}", status_code=204, response_class=Response,
               responses=problem_responses(401, 404))
def delete_webhook(webhook_id: uuid.UUID, session: SessionDep, workspace: WorkspaceDep
                   ) -> Response:
    """Delete a webhook URL and its delivery log."""
    service.delete_endpoint(session, workspace.id, webhook_id)
    return Response(status_code=204)


@router.get("/{webhook_id}/deliveries", response_model=WebhookDeliveriesOut,
            responses=problem_responses(401, 404, 422), dependencies=[KnownQueryOnly])
def list_deliveries(webhook_id: uuid.UUID, request: Request, session: SessionDep,
                    workspace: WorkspaceDep, limit: Limit = PAGE_SIZE_DEFAULT,
                    offset: Offset = 0) -> Response:
    """The delivery log, oldest first, a page at a time: every event, its attempts, the
    last answer or error; ``next`` is the next page's address (null on the last)."""
    out = service.list_deliveries(session, workspace.id, webhook_id, limit, offset)
    out.next = next_page(request, out.count, limit, offset)
    return json_response(out)


@router.post("/{webhook_id}/retry", response_model=WebhookRetryOut,
             responses=problem_responses(401, 404))
def retry_webhook(webhook_id: uuid.UUID, session: SessionDep, workspace: WorkspaceDep
                  ) -> Response:
    """Queue the failed deliveries of this URL again (attempts start from 0)."""
    return json_response(WebhookRetryOut(queued=service.retry_failed(session, workspace.id,
                                                                      webhook_id)))


@router.post("/{webhook_id}/replay", response_model=WebhookReplayOut,
             responses=problem_responses(401, 404, 422))
def replay_webhook(webhook_id: uuid.UUID, session: SessionDep, workspace: WorkspaceDep,
                   status: Literal["open", "contacted", "closed"] | None = None) -> Response:
    """Send this URL every case of the workspace it never got an event of (a URL added
    after the cases opened), as it is now: one ``case.replayed`` event each, only those
    with ``status`` when given; a second replay queues none."""
    return json_response(WebhookReplayOut(queued=service.replay(session, workspace.id,
                                                                webhook_id, status)))
