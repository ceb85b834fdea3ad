"""``GET /healthz``: the process answers and its database is reachable."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Response
from sqlalchemy import text

from ..deps import SessionDep
from ..problems import Problem, problem_responses
from ..responses import json_response
from ..schemas import HealthOut

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthOut, responses=problem_responses(503))
def healthz(session: SessionDep) -> Response:
    """Liveness and readiness: 200 when the database answers, 503 problem otherwise."""
    from journeymap import __version__

    try:
        session.execute(text("SELECT 1"))
    except Exception:
        logging.getLogger("journeymap.api").warning("health check: the database does not "
                                                    "answer", exc_info=True)
        raise Problem(503, "the database does not answer; check JOURNEYMAP_DATABASE_URL and "
                           "that the database server runs.", title="Database unavailable"
                      ) from None
    return json_response(HealthOut(status="ok", version=__version__,
                                   database=session.get_bind().dialect.name))
