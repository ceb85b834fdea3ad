"""A finished fit's data over time: NPS trend, change waterfall and one role's influence
per period (``GET /v1/fits/{id}/trend``, ``/waterfall``, ``/roles/{role}/trend``).

The figures are the library's (:mod:`journeymap.analysis.trend`), computed from the
rows the fit read (``api.results.fit_rows``: its period window, never rows appended
later) with the fit's minimum responses; this module only finds the data and turns
library errors into one problem.  docs/continuous-measurement.md describes the answers.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from journeymap.exceptions import JourneymapError
from journeymap.limits import DEFAULT_MIN_RESPONSES

from ..problems import INVALID_REQUEST, Problem
from ..results import fit_rows
from ..worker import FitWorker
from .fits import done_fit_with_data

__all__ = ["fit_over_time"]


def fit_over_time(session: Session, worker: FitWorker, workspace_id: uuid.UUID,
                  fit_id: uuid.UUID, kind: str, *, period: str = "month",
                  date_column: str | None = None, role: str | None = None,
                  from_period: str | None = None, to_period: str | None = None
                  ) -> dict[str, Any]:
    """``kind`` ``trend``, ``waterfall`` or ``role`` of a finished fit, as the library's
    ``to_dict`` gives it.  409 when the survey file is gone, 422 for a bad period, date
    column or role (one message naming it).  ``session`` is closed before any fitting."""
    import json

    from journeymap.analysis.trend import nps_trend, nps_waterfall, role_trend

    spec = done_fit_with_data(session, worker, workspace_id, fit_id)
    opts = spec.options
    window = opts.get("period")
    column = date_column or (window or {}).get("date_column") or "date"
    min_responses = int(opts.get("min_responses", DEFAULT_MIN_RESPONSES))
    survey_type = opts.get("survey_type")
    try:
        frame = fit_rows(spec)[0]
        if kind == "trend":
            out: dict[str, Any] = nps_trend(spec.journey_map, frame, period=period,
                                            date_column=column, survey_type=survey_type,
                                            min_responses=min_responses).to_dict()
        elif kind == "waterfall":
            if not from_period or not to_period:
                raise JourneymapError("the waterfall needs two periods: ?from=2026-01&to=2026-02 "
                                      "(or 2026-Q1 with period=quarter).")
            out = nps_waterfall(spec.journey_map, frame, from_period, to_period,
                                period=period, date_column=column, survey_type=survey_type,
                                min_responses=min_responses).to_dict()
        else:
            out = role_trend(spec.journey_map, frame, str(role), period=period,
                             date_column=column, survey_type=survey_type,
                             engine=spec.engine if spec.engine == "linear" else "linear",
                             min_responses=min_responses)
    except JourneymapError as exc:
        raise Problem(422, str(exc).replace(str(spec.path), spec.filename),
                      type=INVALID_REQUEST, title="The figures over time cannot be made"
                      ) from None
    result: dict[str, Any] = json.loads(json.dumps(out, default=str))
    return {"fit_id": str(fit_id), **result}
