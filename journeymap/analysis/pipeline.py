"""Sales pipeline joined to B2B accounts (docs/pipeline.md).

An opportunities file (CSV/TSV/Excel/Parquet, read by :func:`journeymap.data.read_table`)
has one row per opportunity with the columns ``account``, ``opportunity``, ``stage``,
``amount`` and ``probability`` (0–1, or 0–100 when any value is above 1).  Joined on the
account to the survey (the map's ``accounts:`` column):

* **NPS by stage**: the answers of the accounts with an opportunity in that stage (an
  account counts once per stage), suppressed below the minimum responses with its n;
* **opportunities to act on**: a decision maker of the account answered as a detractor
  while the forecast probability is at least ``min_probability`` (default 0.5) — a list a
  sales lead can act on, biggest amount first, each with its reason as a sentence in the
  language in force (``reason``).  An opportunity whose account gave no answer is in no
  figure and is counted in ``no_responses``.

:meth:`PipelineReport.to_dict` is the one serialisation: ``journeymap pipeline --json``
and ``POST /v1/fits/{id}/pipeline`` both give it.  A file of more than
:data:`~journeymap.limits.MAX_OPPORTUNITIES` rows, or with none, is one error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..data import read_table
from ..exceptions import DataValidationError, JourneymapError
from ..formatting import percent
from ..i18n import ngettext
from ..limits import DEFAULT_MIN_RESPONSES, MAX_OPPORTUNITIES, check_min_responses
from ..nps import DETRACTOR_MAX, NPSScore, nps_score
from ..responses import DataSource, load_with_columns
from .accounts import DECISION_MAKER_ROLES, normalise_role

if TYPE_CHECKING:
    from pathlib import Path

    from ..model import JourneyMap

__all__ = ["OPPORTUNITY_COLUMNS", "PipelineReport", "act_on_reason", "pipeline_analysis",
           "read_opportunities"]

#: The columns an opportunities file must have.
OPPORTUNITY_COLUMNS = ("account", "opportunity", "stage", "amount", "probability")


@dataclass(frozen=True)
class PipelineReport:
    """NPS per pipeline stage and the opportunities to act on.

    Attributes
    ----------
    stages : tuple of (str, int, NPSScore or None)
        Per stage (alphabetical): the stage, the answers of its accounts (n) and their
        NPS, ``None`` (suppressed) below ``min_responses``.
    act_on : tuple of dict
        Opportunities whose account's decision maker is a detractor at a probability of
        at least ``min_probability``: ``opportunity``, ``account``, ``stage``, ``amount``,
        ``probability`` (0–1), ``decision_maker_scores`` and ``reason`` (a sentence).
    no_responses : tuple of str
        Opportunities whose account gave no answer.
    min_probability, min_responses
        The rules used.
    """

    stages: tuple[tuple[str, int, NPSScore | None], ...]
    act_on: tuple[dict[str, Any], ...]
    no_responses: tuple[str, ...]
    min_probability: float
    min_responses: int

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON types (the CLI's ``--json`` and the API's answer)."""
        return {"stages": [{"stage": s, "n": n, "suppressed": v is None,
                            "nps": None if v is None else v.to_dict()}
                           for s, n, v in self.stages],
                "act_on": [dict(r) for r in self.act_on],
                "no_responses": list(self.no_responses),
                "min_probability": self.min_probability,
                "min_responses": self.min_responses}


def read_opportunities(source: str | Path | pd.DataFrame) -> pd.DataFrame:
    """The opportunities file checked: every column of :data:`OPPORTUNITY_COLUMNS`
    present (else one error naming the missing and listing the present ones), amount and
    probability numbers, probability as a share 0–1."""
    frame = read_table(source)
    frame.columns = pd.Index([str(c).strip() for c in frame.columns])
    name = "the opportunities file" if isinstance(source, pd.DataFrame) else str(source)
    missing = [c for c in OPPORTUNITY_COLUMNS if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"{name} has no column {', '.join(repr(c) for c in missing)}; an opportunities "
            f"file needs {', '.join(OPPORTUNITY_COLUMNS)}. Present: "
            f"{', '.join(map(str, frame.columns)) or 'none'}.")
    if frame.shape[0] == 0:
        raise DataValidationError(f"{name} has a header row but no opportunities; it needs "
                                  "one row per opportunity under the header.")
    if frame.shape[0] > MAX_OPPORTUNITIES:
        raise DataValidationError(
            f"{name} has {frame.shape[0]:,} opportunities; at most {MAX_OPPORTUNITIES:,} are "
            "read at once (split the file, e.g. by sales region).")
    out = frame[list(OPPORTUNITY_COLUMNS)].copy()
    for col in ("amount", "probability"):
        num = pd.to_numeric(out[col], errors="coerce")
        bad = out.index[num.isna() & out[col].notna()].tolist()
        if bad:
            rows = ", ".join(str(i + 2) for i in bad[:5])
            raise DataValidationError(f"{name}: column '{col}' is not a number in rows {rows}.")
        out[col] = num
    prob = out["probability"]
    if ((prob < 0) | (prob > 100)).any():
        raise DataValidationError(f"{name}: probability must be 0–1 or 0–100.")
    if (prob > 1).any():
        out["probability"] = prob / 100.0
    out["account"] = out["account"].astype("string").str.strip()
    out["stage"] = out["stage"].astype("string").str.strip()
    out["opportunity"] = out["opportunity"].astype("string").str.strip()
    return out


def act_on_reason(scores: list[int], probability: float) -> str:
    """Why an opportunity is to act on, as a sentence in the language in force: the
    decision makers' scores (single answers, never a group figure) and the forecast."""
    return ngettext(
        "A decision maker of the account answered {scores} (a detractor) while the "
        "forecast probability is {probability}.",
        "Decision makers of the account answered {scores} (detractors) while the forecast "
        "probability is {probability}.", len(scores)).format(
            scores=", ".join(map(str, scores)), probability=percent(probability))


def pipeline_analysis(journey_map: JourneyMap, data: DataSource,
                      opportunities: str | Path | pd.DataFrame, *,
                      min_probability: float = 0.5,
                      min_responses: int = DEFAULT_MIN_RESPONSES,
                      survey_type: str | None = None) -> PipelineReport:
    """NPS by pipeline stage and opportunities whose account's decision maker is a
    detractor while the probability is at least ``min_probability``."""
    check_min_responses(min_responses)
    if not 0 <= min_probability <= 1:
        raise JourneymapError("min_probability must be between 0 and 1.")
    cols = journey_map.accounts
    if cols is None:
        raise JourneymapError(
            "the map names no account column; add e.g. 'accounts: {column: account, "
            "role: contact_role}' to the map (docs/map-format.md, \"Accounts\").")
    opps = read_opportunities(opportunities)
    rows = load_with_columns(data, journey_map, list(cols.columns), survey_type=survey_type,
                             what="the pipeline analysis")
    ltr = np.asarray(rows.data.ltr, dtype=np.float64)
    account = rows.extra[cols.column].astype("string").str.strip().to_numpy(dtype=object)
    deciders = {normalise_role(r) for r in DECISION_MAKER_ROLES}
    dm = (np.array([normalise_role(v) in deciders
                    for v in rows.extra[cols.role].to_numpy(dtype=object)], dtype=bool)
          if cols.role is not None else np.zeros(ltr.size, dtype=bool))
    answered = set(account.tolist())
    stages: list[tuple[str, int, NPSScore | None]] = []
    for stage in sorted(opps["stage"].dropna().unique().tolist()):
        accs = set(opps.loc[opps["stage"] == stage, "account"].dropna().tolist())
        x = ltr[np.isin(account, list(accs))]
        stages.append((str(stage), int(x.size),
                       nps_score(x) if x.size >= min_responses else None))
    act: list[dict[str, Any]] = []
    none: list[str] = []
    for rec in opps.to_dict(orient="records"):
        acc = rec["account"]
        if acc not in answered:
            none.append(str(rec["opportunity"]))
            continue
        low = sorted(int(v) for v in ltr[(account == acc) & dm] if v <= DETRACTOR_MAX)
        if low and rec["probability"] >= min_probability:
            act.append({"opportunity": str(rec["opportunity"]), "account": str(acc),
                        "stage": str(rec["stage"]), "amount": float(rec["amount"]),
                        "probability": float(rec["probability"]),
                        "decision_maker_scores": low,
                        "reason": act_on_reason(low, float(rec["probability"]))})
    act.sort(key=lambda r: (-r["amount"], r["opportunity"]))
    return PipelineReport(tuple(stages), tuple(act), tuple(none), min_probability,
                          min_responses)
