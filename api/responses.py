"""JSON responses built in the route's own thread.

A sync route that returns a pydantic model has FastAPI validate and serialize it in a
second worker-thread hop, while the request's database session still holds its
connection.  Under a burst of requests every thread can then wait for a connection
that is held by a request waiting for a thread (a pool/threadpool deadlock, broken
only by the pool timeout).  Routes that use the database therefore return a ready
:class:`~starlette.responses.Response`.  Its body is still validated: it is the
serialization of the ``response_model`` instance that the service built (building a
pydantic model validates it), so the answer cannot differ from what the schema says.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from pydantic import BaseModel
from starlette.responses import Response

__all__ = ["JSON", "attachment", "json_response"]

_NOT_PLAIN = re.compile(r"[^A-Za-z0-9._-]")
_NEVER = re.compile(r'[\x00-\x1f\x7f"\\/;]')

JSON = "application/json"


def json_response(model: BaseModel, status_code: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    """``model`` as JSON (by alias, like FastAPI's own serialization of a response model)."""
    return Response(model.model_dump_json(by_alias=True), status_code=status_code,
                    media_type=JSON, headers=headers)


def attachment(filename: str) -> str:
    """A ``Content-Disposition`` value that saves the download as ``filename`` (RFC 6266).

    ``filename`` is the fallback for old clients: ASCII letters, digits, ``.``, ``_`` and
    ``-`` only (anything else becomes ``_``).  When the name has other characters (a role
    id like ``продавец``), ``filename*=UTF-8''…`` carries it percent-encoded (RFC 8187).
    Control characters, quotes, slashes and semicolons are dropped first, so no header
    can be injected and no path given.
    """
    name = _NEVER.sub("", filename).strip() or "download"
    plain = _NOT_PLAIN.sub("_", name)
    value = f'attachment; filename="{plain}"'
    if plain != name:
        value += "; filename*=UTF-8''" + quote(name, safe="")
    return value
