"""A finished fit's B2B accounts (``GET /v1/fits/{id}/accounts``, docs/accounts.md).

The figures are the library's (:func:`journeymap.analysis.accounts.account_analysis`),
computed from the rows the fit read (``api.results.fit_rows``: its period window, never
rows appended later) with the fit's minimum responses; this module only finds the data
and turns library errors into one problem.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy.orm import Session

from journeymap.exceptions import JourneymapError
from journeymap.limits import DEFAULT_MIN_RESPONSES

from ..problems import INVALID_REQUEST, Problem
from ..results import fit_rows
from ..worker import FitWorker
from .fits import done_fit, done_fit_with_data

__all__ = ["fit_accounts", "names_accounts"]


def fit_accounts(session: Session, worker: FitWorker, workspace_id: uuid.UUID,
                 fit_id: uuid.UUID, *, threshold: float = 0.0, order: str = "name",
                 lang: str = "en") -> dict[str, Any]:
    """The accounts report of a finished fit as the library's ``to_dict`` gives it, the
    reasons in ``lang``.  409 when the survey file is gone, 422 when the map names no
    account column or the data lack a named column.  ``session`` is closed first."""
    from journeymap.analysis.accounts import account_analysis
    from journeymap.i18n import use_language

    spec = done_fit_with_data(session, worker, workspace_id, fit_id)
    opts = spec.options
    try:
        frame = fit_rows(spec)[0]
        with use_language(lang):
            out = account_analysis(
                spec.journey_map, frame, threshold=threshold,
                order="risk" if order == "risk" else "name",
                min_responses=int(opts.get("min_responses", DEFAULT_MIN_RESPONSES)),
                survey_type=opts.get("survey_type")).to_dict()
    except JourneymapError as exc:
        raise Problem(422, str(exc).replace(str(spec.path), spec.filename),
                      type=INVALID_REQUEST, title="The accounts cannot be shown") from None
    result: dict[str, Any] = json.loads(json.dumps(out, default=str))
    return {"fit_id": str(fit_id), **result}


def names_accounts(session: Session, worker: FitWorker, workspace_id: uuid.UUID,
                   fit_id: uuid.UUID) -> bool:
    """Whether the map of a finished fit names an account column (the web pages link
    the accounts page only then).  404/409 problems as :func:`fit_accounts`."""
    fit = done_fit(session, workspace_id, fit_id)
    return worker.spec(session, fit).journey_map.accounts is not None
