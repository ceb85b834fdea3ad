"""Segments: the map fitted per customer segment, two segments compared, and
transactional NPS per touchpoint.

Customers are not alike (customer type, market, channel, size, new or long-standing),
so the map is fitted once per value of a segment column with :func:`journeymap.fit`
on that segment's rows.  The minimum-response rule of docs/method.md, "Minimum
responses", holds per segment: a segment with fewer than ``min_responses`` valid LTR
answers (default 30, never below 10) is *suppressed* — it is listed with its n and
nothing else, and the rest of the run goes on.

Comparing segments A and B (:func:`compare_segments`):

* **NPS difference** ``NPS_A − NPS_B`` (plain estimates).  The two samples are
  independent, so the variance of the difference is the sum of the two adjusted-Wald
  variances of docs/method.md, "NPS and its interval": with ``p = (P + 0.75)/(n + 3)``,
  ``d = (D + 0.75)/(n + 3)`` per segment, ``se² = (p + d − (p − d)²)/(n + 3)`` and

      se_diff = 100 · sqrt(se_A² + se_B²),
      interval = 100 · ((p_A − d_A) − (p_B − d_B)) ± 1.96 · se_diff,

  centred on the difference of the adjusted estimates (as each NPS interval is) and
  clipped to [−200, 200].
* **Drivers**: for each measured node the difference of total effects ``T_A − T_B``
  (LTR points per scale point) and for each role the difference of influences.  Each
  fit's 95 % interval ``[lo, hi]`` (delta method by default; with bootstrap intervals
  the half-width is an approximation) gives its standard error
  ``se = (hi − lo)/(2 · 1.96)``; the difference has ``se = sqrt(se_A² + se_B²)`` and
  interval ``diff ± 1.96 · se``.  A driver *differs* when that interval excludes 0.

The data helpers these analyses share with trend, key drivers, follow-ups and value at
stake (checked responses with extra columns) are in :mod:`journeymap.responses`.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..data import SurveyData, load_survey
from ..exceptions import DataValidationError, JourneymapError
from ..jsonsafe import to_jsonable
from ..limits import DEFAULT_MIN_RESPONSES, check_min_responses
from ..nps import Z95, NPSScore, nps_score
from ..responses import DataSource, SurveyRows, load_with_columns, subset_survey

if TYPE_CHECKING:
    from ..engines import FitResult
    from ..engines.result import Interval
    from ..model import JourneyMap

__all__ = [
    "TRANSACTIONAL_LABEL",
    "NPSDifference",
    "SegmentComparison",
    "SegmentFit",
    "SegmentReport",
    "compare_segments",
    "nps_difference",
    "segment_fits",
    "transactional_nps",
]

TRANSACTIONAL_LABEL = "speaks only for customers who had this contact (n = {n:,})"
"""How a transactional NPS is labelled: it is not the company's NPS (docs/cx-guide.md,
"What not to do with NPS")."""


# ------------------------------------------------------------------------ helpers
def segment_labels(values: pd.Series[Any]) -> pd.Series[Any]:
    """Segment values as text (whole numbers without ``.0``); blanks as ``None``."""
    out: list[str | None] = []
    for v in values.tolist():
        if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
            out.append(None)
        elif isinstance(v, float) and v.is_integer():
            out.append(str(int(v)))
        else:
            text = str(v).strip()
            out.append(text or None)
    return pd.Series(out, index=values.index, dtype=object)


# ------------------------------------------------------------------------ segments
@dataclass(frozen=True)
class SegmentFit:
    """One segment: its counts, its NPS and its fit — or why they are not shown.

    ``nps`` is ``None`` when the segment is suppressed (fewer valid LTRs than the
    minimum); ``result`` is ``None`` when suppressed or when the map cannot be fitted
    on the segment's rows (``note`` says why; its NPS is still shown).
    """

    value: str
    n_responses: int
    n: int
    nps: NPSScore | None
    result: FitResult | None
    note: str | None = None

    @property
    def suppressed(self) -> bool:
        return self.nps is None

    def to_dict(self) -> dict[str, Any]:
        res = self.result
        return {
            "segment": self.value, "n_responses": self.n_responses, "n": self.n,
            "suppressed": self.suppressed,
            "nps": None if self.nps is None else self.nps.to_dict(),
            "effects": None if res is None else [e.to_dict() for e in res.node_effects],
            "roles": None if res is None else [
                {k: v for k, v in r.to_dict().items() if k != "paths"}
                for r in res.role_effects],
            "warnings": [] if res is None else list(res.warnings),
            "note": self.note}


@dataclass(frozen=True)
class SegmentReport:
    """The map fitted per value of one segment column (see :func:`segment_fits`)."""

    journey_map: JourneyMap
    column: str
    min_responses: int
    segments: tuple[SegmentFit, ...]
    survey_type: str | None
    n_no_segment: int
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def segment(self, value: str) -> SegmentFit:
        """The segment with this value (as text), or an error naming the values."""
        for s in self.segments:
            if s.value == value:
                return s
        known = ", ".join(s.value for s in self.segments)
        close = difflib.get_close_matches(value, [s.value for s in self.segments], n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise JourneymapError(f"column '{self.column}' has no segment '{value}'.{hint} "
                              f"Segments: {known}.")

    def table(self) -> pd.DataFrame:
        """One row per segment: n, suppressed, NPS with interval and class counts."""
        rows = []
        for s in self.segments:
            nps = s.nps
            rows.append({
                "segment": s.value, "n_responses": s.n_responses, "n": s.n,
                "suppressed": s.suppressed,
                "nps": math.nan if nps is None else nps.value,
                "ci_low": math.nan if nps is None else nps.ci[0],
                "ci_high": math.nan if nps is None else nps.ci[1],
                "promoters": None if nps is None else nps.promoters,
                "passives": None if nps is None else nps.passives,
                "detractors": None if nps is None else nps.detractors,
                "fitted": s.result is not None, "note": s.note})
        return pd.DataFrame(rows, columns=["segment", "n_responses", "n", "suppressed", "nps",
                                           "ci_low", "ci_high", "promoters", "passives",
                                           "detractors", "fitted", "note"])

    def effects(self) -> pd.DataFrame:
        """Long table of the fitted segments' effects: segment, node, total (LTR points per
        scale point) with its interval, nps_points, mean and n."""
        rows = []
        for s in self.segments:
            if s.result is None:
                continue
            for e in s.result.node_effects:
                ci = e.total_ci or (math.nan, math.nan)
                rows.append({"segment": s.value, "node": e.node,
                             "label": self.journey_map.node(e.node).display,
                             "total": e.total, "total_ci_low": ci[0], "total_ci_high": ci[1],
                             "nps_points": e.nps_points, "mean": e.mean, "n": e.n})
        return pd.DataFrame(rows, columns=["segment", "node", "label", "total", "total_ci_low",
                                           "total_ci_high", "nps_points", "mean", "n"])

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = to_jsonable({
            "column": self.column, "min_responses": self.min_responses,
            "survey_type": self.survey_type, "n_no_segment": self.n_no_segment,
            "segments": [s.to_dict() for s in self.segments],
            "warnings": list(self.warnings)})
        return out


def _segment_fit(journey_map: JourneyMap, data: SurveyData, value: str, n_read: int,
                 min_responses: int, engine: str, options: dict[str, Any]) -> SegmentFit:
    from ..engines import fit

    if data.n < min_responses:
        return SegmentFit(value, n_read, data.n, None, None,
                          f"suppressed: {data.n} responses with a recommend answer, fewer than "
                          f"the minimum of {min_responses}")
    nps = nps_score(data.ltr)
    try:
        result = fit(journey_map, data, engine=engine, min_responses=min_responses, **options)
    except DataValidationError as exc:  # e.g. an equation with too few complete rows
        return SegmentFit(value, n_read, data.n, nps, None,
                          f"NPS shown; the map could not be fitted on this segment: {exc}")
    return SegmentFit(value, n_read, data.n, nps, result, None)


def segment_fits(journey_map: JourneyMap, data: DataSource | SurveyRows, by: str, *,
                 survey_type: str | None = None,
                 min_responses: int = DEFAULT_MIN_RESPONSES, engine: str = "linear",
                 **options: Any) -> SegmentReport:
    """Fit the map once per value of the column ``by`` (segments sorted by their text).

    Parameters
    ----------
    journey_map
        The map.
    data
        Survey responses (path or DataFrame) with the column ``by``.
    by
        Segment column (customer type, market, channel …).  Rows with a blank value are
        in no segment; they are counted in ``n_no_segment`` and a warning.
    survey_type
        ``"relational"`` or ``"transactional"`` (required when the data hold both).
    min_responses
        Fewest valid LTR answers for a segment's figures (default 30, never below 10);
        smaller segments are suppressed, never an error.  Also each equation's minimum.
    engine, **options
        Passed to :func:`journeymap.fit` for every segment.

    Returns
    -------
    SegmentReport
    """
    check_min_responses(min_responses)
    rows = load_with_columns(data, journey_map, [by], survey_type=survey_type,
                             what="--by")
    labels_all = segment_labels(rows.all_rows[by])
    labels = labels_all[rows.kept]
    n_no_segment = int(labels_all.isna().sum())
    values = sorted({v for v in labels_all.tolist() if v is not None})
    if not values:
        raise DataValidationError(f"column '{by}' is blank in every row; there are no "
                                  "segments to fit.")
    fits = []
    for value in values:
        mask = (labels == value).to_numpy(dtype=bool)
        n_read = int((labels_all == value).sum())
        fits.append(_segment_fit(journey_map, subset_survey(rows.data, mask, n_read), value,
                                 n_read, min_responses, engine, dict(options)))
    warnings = list(rows.data.warnings)
    if n_no_segment:
        warnings.append(f"{n_no_segment:,} responses have no value in '{by}' and are in no "
                        "segment.")
    suppressed = [s for s in fits if s.suppressed]
    if suppressed:
        warnings.append(f"{len(suppressed)} segment(s) of '{by}' have fewer than "
                        f"{min_responses} responses and are shown without figures: "
                        + ", ".join(f"{s.value} (n = {s.n})" for s in suppressed) + ".")
    return SegmentReport(journey_map=journey_map, column=by, min_responses=min_responses,
                         segments=tuple(fits), survey_type=rows.data.survey_type,
                         n_no_segment=n_no_segment, warnings=tuple(warnings))


# ------------------------------------------------------------------------ compare
@dataclass(frozen=True)
class NPSDifference:
    """``NPS_A − NPS_B`` (NPS points) with its 95 % interval and standard error."""

    value: float
    ci: tuple[float, float]
    se: float

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "ci": list(self.ci), "se": self.se}


def nps_difference(a: NPSScore, b: NPSScore, z: float = Z95) -> NPSDifference:
    """Difference of two independent NPS with the summed adjusted-Wald variance.

    ``value = NPS_A − NPS_B``; ``se = sqrt(se_A² + se_B²)`` with each ``se`` from
    :attr:`~journeymap.nps.NPSScore.se` (adjusted Wald, NPS points); the interval is
    ``100·((P_A − D_A)/(n_A + 3) − (P_B − D_B)/(n_B + 3)) ± z·se`` — centred on the
    difference of the adjusted estimates like each NPS interval — clipped to [−200, 200].

    >>> from journeymap.nps import nps_from_counts
    >>> d = nps_difference(nps_from_counts(50, 30, 20), nps_from_counts(40, 30, 30))
    >>> round(d.value, 6)
    20.0
    """
    se = math.hypot(a.se, b.se)
    centre = (100.0 * (a.promoters - a.detractors) / (a.n + 3.0)
              - 100.0 * (b.promoters - b.detractors) / (b.n + 3.0))
    return NPSDifference(value=a.value - b.value,
                         ci=(max(-200.0, centre - z * se), min(200.0, centre + z * se)),
                         se=se)


@dataclass(frozen=True)
class SegmentComparison:
    """Two segments compared (see :func:`compare_segments`).

    ``difference`` is ``None`` when either segment is suppressed; ``drivers`` is empty
    when either segment could not be fitted.
    """

    column: str
    a: SegmentFit
    b: SegmentFit
    difference: NPSDifference | None
    drivers: pd.DataFrame
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        def side(s: SegmentFit) -> dict[str, Any]:
            return {"segment": s.value, "n": s.n, "n_responses": s.n_responses,
                    "suppressed": s.suppressed,
                    "nps": None if s.nps is None else s.nps.to_dict()}

        out: dict[str, Any] = to_jsonable({
            "column": self.column, "a": side(self.a), "b": side(self.b),
            "difference": None if self.difference is None else self.difference.to_dict(),
            "drivers": self.drivers.to_dict(orient="records"), "note": self.note})
        return out


DRIVER_COLUMNS = ["kind", "id", "label", "a", "b", "difference", "se", "ci_low", "ci_high",
                  "differs"]


def _se_from_ci(ci: Sequence[float] | None, z: float = Z95) -> float:
    if ci is None or ci[0] is None or ci[1] is None:
        return math.nan
    return (float(ci[1]) - float(ci[0])) / (2.0 * z)


def driver_differences(journey_map: JourneyMap, a: FitResult, b: FitResult,
                       z: float = Z95) -> pd.DataFrame:
    """Difference of total effects (nodes) and influences (roles), A − B, LTR points.

    ``se_X = (hi_X − lo_X)/(2z)`` from each fit's 95 % interval; ``se = sqrt(se_A² +
    se_B²)``; ``differs`` when ``diff ± z·se`` excludes 0.
    """
    rows = []
    pairs: list[tuple[str, str, float, float, Interval | None, Interval | None]] = []
    eb = {e.node: e for e in b.node_effects}
    for e in a.node_effects:
        if e.node in eb:
            other = eb[e.node]
            pairs.append(("node", e.node, e.total, other.total, e.total_ci, other.total_ci))
    rb = {r.role: r for r in b.role_effects}
    for r in a.role_effects:
        if r.role in rb:
            other_role = rb[r.role]
            pairs.append(("role", r.role, r.influence, other_role.influence, r.influence_ci,
                          other_role.influence_ci))
    for kind, ident, va, vb, ci_a, ci_b in pairs:
        se = math.hypot(_se_from_ci(ci_a, z), _se_from_ci(ci_b, z))
        diff = va - vb
        lo, hi = diff - z * se, diff + z * se
        rows.append({"kind": kind, "id": ident, "label": journey_map.node(ident).display,
                     "a": va, "b": vb, "difference": diff, "se": se, "ci_low": lo,
                     "ci_high": hi, "differs": bool(lo > 0 or hi < 0)})
    return pd.DataFrame(rows, columns=DRIVER_COLUMNS)


def compare_segments(report: SegmentReport, a: str, b: str) -> SegmentComparison:
    """Compare segments ``a`` and ``b`` of a :class:`SegmentReport`.

    NPS difference with its 95 % interval (:func:`nps_difference`) and, for every node
    and role, the difference of total effects / influences with its interval and a
    ``differs`` flag (:func:`driver_differences`).  A suppressed segment gives no
    numbers (``difference`` is ``None``), never an error.
    """
    if a == b:
        raise JourneymapError(f"compare two different segments, not '{a}' with itself.")
    sa, sb = report.segment(a), report.segment(b)
    empty = pd.DataFrame(columns=DRIVER_COLUMNS)
    if sa.nps is None or sb.nps is None:
        small = [f"{s.value} (n = {s.n})" for s in (sa, sb) if s.suppressed]
        return SegmentComparison(report.column, sa, sb, None, empty,
                                 f"suppressed: {' and '.join(small)} below the minimum of "
                                 f"{report.min_responses} responses")
    diff = nps_difference(sa.nps, sb.nps)
    if sa.result is None or sb.result is None:
        return SegmentComparison(report.column, sa, sb, diff, empty,
                                 "drivers not compared: the map could not be fitted on "
                                 + " and ".join(s.value for s in (sa, sb) if s.result is None))
    drivers = driver_differences(report.journey_map, sa.result, sb.result)
    order = np.argsort(-np.abs(drivers["difference"].to_numpy(dtype=float)), kind="stable")
    return SegmentComparison(report.column, sa, sb, diff,
                             drivers.iloc[order].reset_index(drop=True))


# ------------------------------------------------------------------ transactional
def transactional_nps(journey_map: JourneyMap, data: DataSource | SurveyData, *,
                      min_responses: int = DEFAULT_MIN_RESPONSES) -> pd.DataFrame:
    """NPS per touchpoint among transactional respondents who rated that touchpoint.

    A transactional survey is answered right after one contact; its respondents are only
    the customers who had that contact, so each figure is labelled with
    :data:`TRANSACTIONAL_LABEL` and is never the company's NPS.  For touchpoint j the
    respondents are the transactional responses with a valid LTR and a rating of j
    (observed, not imputed); NPS and adjusted-Wald interval as in docs/method.md, "NPS
    and its interval".  Below ``min_responses`` the row is suppressed (NaN figures, n shown).

    Returns
    -------
    pandas.DataFrame
        ``node``, ``label``, ``stage``, ``n`` (respondents who rated it), ``share``
        (of the transactional respondents with an LTR), ``suppressed``, ``nps``,
        ``ci_low``, ``ci_high``, ``promoters``, ``passives``, ``detractors``, ``label_note``.
    """
    check_min_responses(min_responses)
    if isinstance(data, SurveyData):
        if data.survey_type != "transactional":
            raise DataValidationError(
                "transactional NPS needs transactional responses; these data are "
                f"{data.survey_type or 'of no stated survey type'} (load them with "
                "survey_type='transactional').")
        checked = data
    else:
        checked = load_survey(data, journey_map, survey_type="transactional")
    rows = []
    for node in journey_map.measured_nodes:
        if node.kind != "touchpoint":
            continue
        rated = ~np.isnan(checked.column(node.id))
        n = int(rated.sum())
        s = nps_score(checked.ltr[rated])
        hide = n < min_responses
        rows.append({
            "node": node.id, "label": node.display, "stage": node.stage, "n": n,
            "share": n / checked.n if checked.n else math.nan, "suppressed": hide,
            "nps": math.nan if hide else s.value,
            "ci_low": math.nan if hide else s.ci[0], "ci_high": math.nan if hide else s.ci[1],
            "promoters": None if hide else s.promoters,
            "passives": None if hide else s.passives,
            "detractors": None if hide else s.detractors,
            "label_note": TRANSACTIONAL_LABEL.format(n=n)})
    return pd.DataFrame(rows, columns=["node", "label", "stage", "n", "share", "suppressed",
                                       "nps", "ci_low", "ci_high", "promoters", "passives",
                                       "detractors", "label_note"])
