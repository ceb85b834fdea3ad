"""The query parameters of a paged list and its link to the next page (docs/api.md,
"Conventions").

Every paged list (maps, datasets, fits, cases, a webhook's deliveries) takes ``limit``
(1 to :data:`journeymap.limits.PAGE_SIZE_MAX`, default
:data:`journeymap.limits.PAGE_SIZE_DEFAULT`) and ``offset``, answers ``count`` (every
matching item) and, where the list says so, ``next`` (the address of the next page, or
``null`` on the last).  A query parameter the route does not take is one 422, so that a
misspelt ``limt=`` is never silently read as the first page.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from journeymap.limits import PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX

from .problems import INVALID_REQUEST, Problem

__all__ = ["KnownQueryOnly", "Limit", "Offset", "next_page", "refuse_unknown_query"]

#: The most items a list is asked to skip (a 32-bit count; more is a 422).
MAX_OFFSET = 2**31 - 1

Limit = Annotated[int, Query(ge=1, le=PAGE_SIZE_MAX, description=(
    f"Items per page (1–{PAGE_SIZE_MAX}, default {PAGE_SIZE_DEFAULT})."))]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")]


def _query_names(dependant: Dependant) -> set[str]:
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def refuse_unknown_query(request: Request) -> None:
    """Answer 422 when the request names a query parameter its route does not take."""
    route = request.scope.get("route")
    known = _query_names(route.dependant) if isinstance(route, APIRoute) else set()
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        taken = ", ".join(sorted(known)) or "none"
        raise Problem(422, f"the request is not valid: unknown query parameter "
                           f"{', '.join(repr(u) for u in unknown)} (this address takes: "
                           f"{taken}).", type=INVALID_REQUEST,
                      title="The request is not valid",
                      errors=[{"loc": ["query", u], "msg": "unknown query parameter",
                               "type": "extra_forbidden"} for u in unknown])


#: Put in a route's ``dependencies`` to refuse the query parameters it does not take.
KnownQueryOnly = Depends(refuse_unknown_query)


def next_page(request: Request, count: int, limit: int, offset: int) -> str | None:
    """The path and query of the page after ``offset`` (the request's other parameters
    kept), or ``None`` when no item is left after this page."""
    if offset + limit >= count:
        return None
    query = request.url.include_query_params(limit=limit, offset=offset + limit).query
    return f"{request.url.path}?{query}"
