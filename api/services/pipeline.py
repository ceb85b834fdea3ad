"""A finished fit's sales pipeline (``POST /v1/fits/{id}/pipeline``, docs/pipeline.md).

The opportunities arrive with the request — an uploaded file (multipart ``file``: CSV,
TSV, Excel or Parquet, as datasets are uploaded), CSV/TSV text, or JSON rows — and are
**not stored**: they are read in a temporary folder, joined to the rows the fit read
(``api.results.fit_rows``: its period window, never rows appended later) by the library
(:func:`journeymap.analysis.pipeline.pipeline_analysis`) and forgotten; the answer is
the library's report (``PipelineReport.to_dict``, the JSON of ``journeymap pipeline
--json``).  This module only reads the body and turns library errors into one problem.
The body is limited by the request limits (``max_body_bytes``) and the rows by
``limits.MAX_OPPORTUNITIES``.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from journeymap.exceptions import JourneymapError
from journeymap.limits import DEFAULT_MIN_RESPONSES

from ..problems import INVALID_DATA, INVALID_REQUEST, UNSUPPORTED_FILE, Problem
from ..results import fit_rows
from ..storage import detect_format
from ..worker import FitWorker
from .fits import done_fit_with_data

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Opportunities", "fit_pipeline", "opportunities_from_body"]

_TEXT_TYPES = {"text/csv": ".csv", "application/csv": ".csv", "text/plain": ".csv",
               "text/tab-separated-values": ".tsv"}
_DEFAULT_NAME = "the opportunities file"


@dataclass(frozen=True)
class Opportunities:
    """An opportunities body as read: its bytes with the on-disk suffix, or JSON rows as
    a frame; ``name`` is how messages call it (``'deals.xlsx'``, ``the body``)."""

    name: str
    data: bytes | None = None
    suffix: str = ".csv"
    frame: pd.DataFrame | None = None


def _invalid(detail: str, title: str = "The opportunities are not readable") -> Problem:
    return Problem(422, detail, type=INVALID_DATA, title=title)


def opportunities_from_body(body: bytes, content_type: str | None,
                            filename: str | None = None) -> Opportunities:
    """The opportunities of a request: a file's bytes (``filename`` given: an upload),
    CSV/TSV text, or JSON (``{"rows": [{...}]}`` or a list of objects).

    Raises 415 for another content type or file kind and 422 for an empty body or JSON
    that is not rows.
    """
    if filename is not None:
        name = f"'{Path(filename).name}'" if Path(filename).name else _DEFAULT_NAME
        if not body:
            raise _invalid(f"{name} is empty; it needs a header row and one row per "
                           "opportunity.", "The opportunities are empty")
        try:
            suffix = detect_format(Path(filename).name, content_type, body[:4096])
        except Problem:
            raise Problem(415, f"{name} is not an opportunities file this service reads: "
                               "send CSV (UTF-8), TSV, Excel (.xlsx) or Parquet.",
                          type=UNSUPPORTED_FILE, title="Unsupported file type") from None
        return Opportunities(name, data=body, suffix=suffix)
    ctype = (content_type or "").split(";")[0].strip().lower()
    if ctype == "application/json":
        return Opportunities(_DEFAULT_NAME, frame=_json_frame(body))
    if ctype not in _TEXT_TYPES:
        raise Problem(415, "send the opportunities as a file (multipart/form-data, field "
                           "'file'), CSV (text/csv), TSV (text/tab-separated-values) or JSON "
                           '(application/json: {"rows": [{"account": ..., "opportunity": '
                           '..., "stage": ..., "amount": ..., "probability": ...}]}).',
                      type=UNSUPPORTED_FILE, title="Unsupported content type")
    if not body.strip():
        raise _invalid("the body is empty; it needs a header row and one row per "
                       "opportunity.", "The opportunities are empty")
    return Opportunities("the body", data=body, suffix=_TEXT_TYPES[ctype])


def _json_frame(body: bytes) -> pd.DataFrame:
    import pandas as pd

    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _invalid(f"the body is not JSON ({exc}).") from None
    items = data.get("rows") if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(r, dict) for r in items):
        raise _invalid('the JSON body must be {"rows": [{"account": ..., "opportunity": ..., '
                       '"stage": ..., "amount": ..., "probability": ...}, ...]} (or a list '
                       "of such objects).")
    if not items:
        raise _invalid("the JSON body has no rows; it needs one row per opportunity.",
                       "The opportunities are empty")
    for i, item in enumerate(items, start=1):
        for key, value in item.items():
            if isinstance(value, (dict, list)):
                raise _invalid(f"JSON row {i}, {key!r}: a value must be a number, text or "
                               "null.")
    return pd.DataFrame.from_records(items)


def fit_pipeline(session: Session, worker: FitWorker, workspace_id: uuid.UUID,
                 fit_id: uuid.UUID, opportunities: Opportunities, *,
                 min_probability: float = 0.5, lang: str = "en") -> dict[str, Any]:
    """The pipeline report of a finished fit and the given opportunities, as the library's
    ``to_dict`` gives it, the reasons in ``lang``; nothing is stored.

    404 for an unknown fit, 409 when its survey file is gone, 422 when the map names no
    account column or the opportunities are not usable (one message naming the file and
    the columns present).  ``session`` is closed first.
    """
    from journeymap.analysis.pipeline import pipeline_analysis
    from journeymap.i18n import use_language

    spec = done_fit_with_data(session, worker, workspace_id, fit_id)
    opts = spec.options
    with tempfile.TemporaryDirectory(prefix="jm-pipeline-") as tmp:
        source: Path | pd.DataFrame
        if opportunities.frame is not None:
            source = opportunities.frame
        else:
            source = Path(tmp) / f"opportunities{opportunities.suffix}"
            source.write_bytes(opportunities.data or b"")
        try:
            frame = fit_rows(spec)[0]
            with use_language(lang):
                out = pipeline_analysis(
                    spec.journey_map, frame, source, min_probability=min_probability,
                    min_responses=int(opts.get("min_responses", DEFAULT_MIN_RESPONSES)),
                    survey_type=opts.get("survey_type")).to_dict()
        except JourneymapError as exc:
            detail = str(exc).replace(str(spec.path), spec.filename)
            if isinstance(source, Path):
                detail = detail.replace(str(source), opportunities.name)
            raise Problem(422, detail, type=INVALID_REQUEST,
                          title="The pipeline cannot be shown") from None
    return {"fit_id": str(fit_id), **out}
