"""JSON responses built in the route's own thread.

A sync route that returns a pydantic model has FastAPI validate and serialize it in a
second worker-thread hop, while the request's database session still holds its
connection.  Under a burst of requests every thread can then wait for a connection
that is held by a request waiting for a thread (a pool/threadpool deadlock, broken
only by the pool timeout).  Routes that use the database therefore return a ready
:class:`~starlette.responses.Response`; ``response_model`` still documents the body.
"""

from __future__ import annotations

from pydantic import BaseModel
from starlette.responses import Response

__all__ = ["JSON", "json_response"]

JSON = "application/json"


def json_response(model: BaseModel, status_code: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    """``model`` as JSON (by alias, like FastAPI's own serialization)."""
    return Response(model.model_dump_json(by_alias=True), status_code=status_code,
                    media_type=JSON, headers=headers)
