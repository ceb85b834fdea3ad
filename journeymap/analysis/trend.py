"""Trend and change: NPS per calendar month or quarter, and a change waterfall.

**Trend** (:func:`nps_trend`).  Responses are grouped by the calendar month
(``2026-03``) or quarter (``2026-Q1``) of their date; every period from the first to
the last date is listed.  Each period's NPS has the adjusted-Wald 95 % interval of
docs/method.md, "NPS and its interval"; a period with fewer valid LTR answers than
``min_responses`` (default 30, never below 10) is suppressed: its n is shown, its NPS
is not.

**Waterfall** (:func:`nps_waterfall`).  The change of NPS between two periods,
``ΔNPS = NPS_to − NPS_from`` (plain estimates), is split into a bar per measured node
and an unexplained rest:

1. The map is fitted once on the **pooled** responses of both periods (linear
   engine), so both periods are read with the same effects: ``b_pj`` for each edge
   and ``T_j`` the total effect of node j on LTR.  (Pooling doubles the data behind
   the effects and treats the two periods alike; fitting only the later period would
   explain the change with effects of one side only.)
2. ``Δmean_j = mean_j,to − mean_j,from`` over the respondents who rated j in each
   period.  Part of it is passed on from j's measured parents in the map,
   ``Σ_p b_pj · Δmean_p``; the rest is j's **own change**
   ``own_j = Δmean_j − Σ_p b_pj · Δmean_p`` (for a node without measured parents,
   ``own_j = Δmean_j``).  A node is credited with its own change times its total
   effect, ``T_j · own_j`` LTR points, so a touchpoint that improved also gets what it
   moved downstream and nothing is counted twice: over complete data
   ``Σ_j T_j · own_j = Σ_p b_p,LTR · Δmean_p``, the change of mean LTR that the
   outcome's parents explain (exactly, since ``T = (I − A)⁻¹`` sums the paths).
3. Contribution in NPS points by the interval-crossing rule of docs/method.md, "NPS points"
   (:func:`journeymap.nps.nps_change`): every respondent of the *from* period who
   rated j has LTR shifted by ``T_j · own_j`` (those who did not rate j are not
   moved): ``contribution_j = nps_change(LTR_from, T_j · own_j · 1{rated j})``.
4. ``unexplained = ΔNPS − Σ_j contribution_j``, so the bars add up exactly to the
   observed change: ``NPS_from + Σ_j contribution_j + unexplained = NPS_to``.

The unexplained rest holds what the map does not model (nodes outside the map,
changes in the LTR's own intercept, who answered) plus the non-additivity of the
NPS cut-offs.  It is a decomposition of what happened, not a forecast.
"""

from __future__ import annotations

import calendar
import datetime
import math
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..exceptions import DataValidationError, JourneymapError
from ..jsonsafe import to_jsonable
from ..limits import DEFAULT_MIN_RESPONSES, check_min_responses
from ..nps import NPSScore, nps_change, nps_score
from ..responses import DataSource, SurveyRows, bad_rows, load_with_columns, subset_survey
from .segments import nps_difference

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ..engines import FitResult
    from ..model import JourneyMap

__all__ = ["PERIODS", "WINDOW_RULE", "TrendReport", "Waterfall", "Window",
           "check_window_rule", "map_date_column", "nps_trend", "nps_waterfall",
           "parse_period", "period_of", "resolve_window", "role_trend", "select_window",
           "window_rows"]

Period = Literal["month", "quarter"]
PERIODS: tuple[str, ...] = ("month", "quarter")
_FREQ = {"month": "M", "quarter": "Q"}


def _check_period(period: str) -> str:
    if period not in PERIODS:
        raise JourneymapError(f"period must be month or quarter, not '{period}'.")
    return _FREQ[period]


def period_label(p: pd.Period) -> str:
    """``2026-03`` for a month, ``2026-Q1`` for a quarter."""
    if p.freqstr.startswith("Q"):
        return f"{p.year}-Q{p.quarter}"
    return f"{p.year}-{p.month:02d}"


def parse_period(text: str, period: str) -> pd.Period:
    """Read ``2026-03`` (month) or ``2026-Q1`` / ``2026Q1`` (quarter)."""
    freq = _check_period(period)
    t = text.strip().upper()
    ok = (re.fullmatch(r"\d{4}-\d{1,2}", t) if period == "month"
          else re.fullmatch(r"\d{4}-?Q[1-4]", t))
    if not ok:
        example = "2026-03" if period == "month" else "2026-Q1"
        raise JourneymapError(f"cannot read the {period} '{text}'; write it as {example}.")
    if period == "month":
        year, month = t.split("-")
        if not 1 <= int(month) <= 12:
            raise JourneymapError(f"'{text}' is not a month (months are 01–12).")
        return pd.Period(year=int(year), month=int(month), freq=freq)
    year, q = t.replace("-", "").split("Q")
    return pd.Period(year=int(year), quarter=int(q), freq=freq)


def _dates(values: pd.Series[Any], column: str) -> pd.Series[Any]:
    """Dates as datetimes (NaT for blanks); text must be ISO dates (2026-03-15).

    Times with a UTC offset keep their local date (the calendar day the customer had).
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        out = values
        if getattr(values.dt, "tz", None) is not None:
            out = values.dt.tz_localize(None)
        return out
    text = values.astype("string").str.strip()
    blank = text.isna() | (text == "")
    try:
        parsed = pd.to_datetime(text.where(~blank), errors="coerce", format="ISO8601")
    except ValueError:  # mixed UTC offsets: use each response's own local date and time
        local = text.str.replace(r"(?:Z|[+-]\d{2}:?\d{2})$", "", regex=True)
        parsed = pd.to_datetime(local.where(~blank), errors="coerce", format="ISO8601")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    bad = (parsed.isna() & ~blank).to_numpy(dtype=bool)
    if bad.any():
        raise DataValidationError(f"column '{column}' must hold dates such as 2026-03-15: "
                                  f"{bad_rows(values, bad)}.")
    return parsed


def period_of(values: pd.Series[Any], period: str, column: str = "date") -> pd.Series[Any]:
    """The calendar period of each date (a ``pandas.Period``; NaT for blank dates)."""
    freq = _check_period(period)
    out: pd.Series[Any] = _dates(values, column).dt.to_period(freq)
    return out


def window_rows(frame: pd.DataFrame, *, start: Any = None, end: Any = None,
                date_column: str = "date") -> pd.DataFrame:
    """The rows whose date lies in ``[start, end]`` (both days included; ``None``: open).

    A period-window fit (docs/continuous-measurement.md) fits these rows.  Rows with a
    blank date are outside every window.  Raises :class:`DataValidationError` when the
    column is missing, holds something other than dates, or no row is in the window.
    """
    return select_window(frame, start=start, end=end, date_column=date_column)[0]


# ------------------------------------------------------------------ date windows
#: A relative window rule: ``last-90-days`` or ``last-6-months`` (N from 1 to 99,999).
WINDOW_RULE = re.compile(r"last-([1-9][0-9]{0,4})-(days|months)")


@dataclass(frozen=True)
class Window:
    """The date window a fit read (docs/continuous-measurement.md, "Fits of a window").

    ``start`` and ``end`` are the first and last day included (``None``: open), as
    given or resolved from ``rule`` (``last-90-days``) against the newest date in
    ``date_column``; ``n_rows`` is the number of rows in the window.  With the same
    rows, ``select_window(rows, start=start, end=end, date_column=date_column)`` gives
    the same rows again, so a fit of a window can be reproduced.
    """

    start: datetime.date | None
    end: datetime.date | None
    date_column: str
    rule: str | None = None
    n_rows: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"from": None if self.start is None else self.start.isoformat(),
                "to": None if self.end is None else self.end.isoformat(),
                "window": self.rule, "date_column": self.date_column, "n_rows": self.n_rows}


def check_window_rule(rule: str) -> tuple[int, str]:
    """``(N, 'days' | 'months')`` of a rule such as ``last-90-days``; a clear error else."""
    m = WINDOW_RULE.fullmatch(rule.strip().lower())
    if m is None:
        raise JourneymapError(f"cannot read the window '{rule}'; write last-N-days or "
                              "last-N-months, e.g. last-90-days or last-6-months.")
    return int(m.group(1)), m.group(2)


def _day(value: Any, what: str) -> datetime.date | None:
    """A window end as a date (``None`` stays open); text must be an ISO date."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value).strip())
    except ValueError:
        raise JourneymapError(f"the window's {what} must be a date such as 2026-03-15, not "
                              f"'{value}'.") from None


def resolve_window(rule: str, newest: datetime.date) -> tuple[datetime.date | None,
                                                               datetime.date]:
    """The first and last day of ``rule`` ending on ``newest`` (both included).

    ``last-N-days`` is the N days up to ``newest``; ``last-N-months`` starts the day
    after the same day N months earlier (``last-3-months`` up to 2026-06-30 is
    2026-03-31 to 2026-06-30; a day the earlier month lacks is its last day).  A start
    before the year 1 is open (``None``).
    """
    n, unit = check_window_rule(rule)
    if unit == "days":
        try:
            return newest - datetime.timedelta(days=n - 1), newest
        except OverflowError:
            return None, newest
    months = newest.year * 12 + newest.month - 1 - n
    year, month = divmod(months, 12)
    if year < 1:
        return None, newest
    day = min(newest.day, calendar.monthrange(year, month + 1)[1])
    return datetime.date(year, month + 1, day) + datetime.timedelta(days=1), newest


def select_window(frame: pd.DataFrame, *, start: Any = None, end: Any = None,
                  rule: str | None = None, date_column: str = "date"
                  ) -> tuple[pd.DataFrame, Window]:
    """The rows dated in a window, and the window (resolved when given as a rule).

    The one filter of every window fit: ``journeymap fit --from/--to/--window`` and the
    service's ``options.period`` (docs/continuous-measurement.md).  ``start`` and ``end``
    (dates or ISO text; ``None``: open) are the first and last day included; ``rule``
    (``last-90-days``, ``last-6-months``) is resolved against the newest date in
    ``date_column`` (:func:`resolve_window`) and cannot be combined with them.  A time
    of day is ignored; rows with a blank date are outside every window.

    Raises :class:`DataValidationError` when the column is missing, holds something
    other than dates, or no row is in the window, and :class:`JourneymapError` for a
    window that cannot be read.
    """
    first, last = _day(start, "from"), _day(end, "to")
    if rule is not None and (first is not None or last is not None):
        raise JourneymapError("give a window rule (last-90-days) or from/to dates, not both.")
    if rule is not None:
        check_window_rule(rule)
    if first is not None and last is not None and first > last:
        raise JourneymapError(f"the window's from ({first.isoformat()}) is after its to "
                              f"({last.isoformat()}).")
    if date_column not in frame.columns:
        raise DataValidationError(f"a period window needs the date column '{date_column}', "
                                  "which the data do not have.")
    days = _dates(frame[date_column], date_column).dt.normalize()
    keep = days.notna()
    if rule is not None:
        if not keep.any():
            raise DataValidationError(f"no response has a date in '{date_column}', so the "
                                      f"window {rule} has no end.")
        first, last = resolve_window(rule, days.max().date())
        rule = rule.strip().lower()
    if first is not None:
        keep &= days >= pd.Timestamp(first)
    if last is not None:
        keep &= days <= pd.Timestamp(last)
    if not keep.any():
        raise DataValidationError(
            f"no response has a date in '{date_column}' from "
            f"{first.isoformat() if first else 'the first'} to "
            f"{last.isoformat() if last else 'the last'}.")
    out: pd.DataFrame = frame.loc[keep.to_numpy(dtype=bool)].reset_index(drop=True)
    return out, Window(first, last, date_column, rule, len(out))


def map_date_column(journey_map: JourneyMap) -> str | None:
    """The response-date column the map names (``accounts: date:`` or ``comments:
    date:``, docs/map-format.md), or ``None``."""
    for block in (journey_map.accounts, journey_map.comments):
        if block is not None and block.date:
            return block.date
    return None


# ------------------------------------------------------------------------- trend
@dataclass(frozen=True)
class TrendReport:
    """NPS per period (see :func:`nps_trend`).

    ``table`` has one row per calendar period from the first to the last date:
    ``period``, ``start``, ``end`` (ISO dates), ``n``, ``suppressed``, ``nps``,
    ``ci_low``, ``ci_high``, ``promoters``, ``passives``, ``detractors``.
    """

    period: str
    date_column: str
    min_responses: int
    table: pd.DataFrame
    n_no_date: int
    survey_type: str | None
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = to_jsonable({
            "period": self.period, "date_column": self.date_column,
            "min_responses": self.min_responses, "survey_type": self.survey_type,
            "n_no_date": self.n_no_date, "periods": self.table.to_dict(orient="records"),
            "warnings": list(self.warnings)})
        return out


def _load_periods(journey_map: JourneyMap, data: DataSource | SurveyRows, period: str,
                  date_column: str, survey_type: str | None
                  ) -> tuple[SurveyRows, pd.Series[Any]]:
    """The checked data and the period of every row read (blank LTRs included)."""
    _check_period(period)
    rows = load_with_columns(data, journey_map, [date_column], survey_type=survey_type,
                             what="the trend (--date-column)")
    all_periods = period_of(rows.all_rows[date_column], period, date_column)
    return rows, all_periods


def nps_trend(journey_map: JourneyMap, data: DataSource | SurveyRows, *,
              period: str = "month", date_column: str = "date",
              survey_type: str | None = None,
              min_responses: int = DEFAULT_MIN_RESPONSES) -> TrendReport:
    """NPS per calendar month or quarter with adjusted-Wald 95 % intervals.

    Rows with a blank date are left out and counted (``n_no_date``) in a warning.
    Periods with fewer than ``min_responses`` valid LTR answers are suppressed.
    """
    check_min_responses(min_responses)
    rows, all_periods = _load_periods(journey_map, data, period, date_column, survey_type)
    periods = all_periods[rows.kept]
    has = periods.notna().to_numpy(dtype=bool)
    n_no_date = int((~has).sum())
    if not has.any():
        raise DataValidationError(f"column '{date_column}' is blank in every response; "
                                  "there is nothing to put on a time line.")
    freq = _FREQ[period]
    present = periods[has]
    first, last = present.min(), present.max()
    records = []
    for p in pd.period_range(first, last, freq=freq):
        mask = has & (periods == p).to_numpy(dtype=bool)
        n = int(mask.sum())
        s = nps_score(rows.data.ltr[mask])
        hide = n < min_responses
        records.append({
            "period": period_label(p), "start": p.start_time.date().isoformat(),
            "end": p.end_time.date().isoformat(), "n": n, "suppressed": hide,
            "nps": math.nan if hide else s.value,
            "ci_low": math.nan if hide else s.ci[0], "ci_high": math.nan if hide else s.ci[1],
            "promoters": None if hide else s.promoters,
            "passives": None if hide else s.passives,
            "detractors": None if hide else s.detractors})
    table = pd.DataFrame(records, columns=["period", "start", "end", "n", "suppressed", "nps",
                                           "ci_low", "ci_high", "promoters", "passives",
                                           "detractors"])
    warnings = list(rows.data.warnings)
    if n_no_date:
        warnings.append(f"{n_no_date:,} responses have no date in '{date_column}' and are "
                        "left out of the trend.")
    hidden = table[table["suppressed"]]
    if len(hidden):
        warnings.append(f"{len(hidden)} period(s) have fewer than {min_responses} responses "
                        "and are shown without NPS: "
                        + ", ".join(f"{r.period} (n = {r.n})" for r in hidden.itertuples())
                        + ".")
    return TrendReport(period=period, date_column=date_column, min_responses=min_responses,
                       table=table, n_no_date=n_no_date, survey_type=rows.data.survey_type,
                       warnings=tuple(warnings))


# --------------------------------------------------------------------- waterfall
@dataclass(frozen=True)
class Waterfall:
    """The NPS change between two periods split into drivers and a rest.

    ``bars`` has one row per measured node: ``node``, ``label``, ``mean_from``,
    ``mean_to``, ``mean_change`` (scale points), ``passed_on`` (Σ_p b_pj·Δmean_p),
    ``own_change``, ``total`` (T_j, LTR points per scale point), ``ltr_points``
    (T_j·own_j, for the customers who rated j) and ``nps_points`` (the contribution),
    sorted by absolute contribution.  ``unexplained`` is the rest in NPS points;
    ``nps_from.value + bars.nps_points.sum() + unexplained == nps_to.value``.
    ``change_ci`` is the 95 % interval of the observed change (two independent samples,
    :func:`~journeymap.analysis.segments.nps_difference`): when it contains 0 the bars
    split a change that may be noise.
    """

    period: str
    from_period: str
    to_period: str
    nps_from: NPSScore
    nps_to: NPSScore
    change: float
    change_ci: tuple[float, float]
    bars: pd.DataFrame
    unexplained: float
    result: FitResult
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def explained(self) -> float:
        """Σ contributions (NPS points)."""
        return math.fsum(self.bars["nps_points"].to_list())

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = to_jsonable({
            "period": self.period, "from": self.from_period, "to": self.to_period,
            "nps_from": self.nps_from.to_dict(), "nps_to": self.nps_to.to_dict(),
            "change": self.change, "change_ci": list(self.change_ci),
            "explained": self.explained,
            "unexplained": self.unexplained, "bars": self.bars.to_dict(orient="records"),
            "fit": {"n": self.result.nps.n, "pooled": True},
            "warnings": list(self.warnings)})
        return out


def _nanmean(x: NDArray[np.float64]) -> float:
    seen = x[~np.isnan(x)]
    return float(seen.mean()) if seen.size else math.nan


def nps_waterfall(journey_map: JourneyMap, data: DataSource | SurveyRows,
                  from_period: str, to_period: str, *, period: str = "month",
                  date_column: str = "date", survey_type: str | None = None,
                  min_responses: int = DEFAULT_MIN_RESPONSES) -> Waterfall:
    """Split the NPS change from ``from_period`` to ``to_period`` into driver bars.

    See the module docstring for the formulas.  Both periods need at least
    ``min_responses`` valid LTR answers (otherwise an error naming their n); the map is
    fitted with the linear engine on the two periods pooled.
    """
    from ..engines import fit

    check_min_responses(min_responses)
    p_from, p_to = parse_period(from_period, period), parse_period(to_period, period)
    if p_from == p_to:
        raise JourneymapError("the waterfall needs two different periods.")
    rows, all_periods = _load_periods(journey_map, data, period, date_column, survey_type)
    periods = all_periods[rows.kept]
    data_all = rows.data
    in_from = (periods == p_from).to_numpy(dtype=bool)
    in_to = (periods == p_to).to_numpy(dtype=bool)
    for p, mask in ((p_from, in_from), (p_to, in_to)):
        if mask.sum() < min_responses:
            raise DataValidationError(
                f"{period} {period_label(p)} has {int(mask.sum())} responses with a recommend "
                f"answer; the waterfall needs at least {min_responses} in each period.")
    both = in_from | in_to
    n_read = int(all_periods.isin([p_from, p_to]).sum())
    result = fit(journey_map, subset_survey(data_all, both, n_read), engine="linear",
                 min_responses=min_responses)
    s_from, s_to = nps_score(data_all.ltr[in_from]), nps_score(data_all.ltr[in_to])
    change = s_to.value - s_from.value

    estimates = {(e.source, e.target): float(e.estimate) for e in result.edge_estimates
                 if e.estimate is not None}
    totals = {e.node: float(e.total) for e in result.node_effects}
    ltr_from = data_all.ltr[in_from]
    means: dict[str, tuple[float, float]] = {}
    warnings = list(result.warnings)
    for node in journey_map.measured_nodes:
        if node.id == journey_map.outcome:
            continue
        x = data_all.column(node.id)
        means[node.id] = (_nanmean(x[in_from]), _nanmean(x[in_to]))
    deltas = {}
    for j, (a, b) in means.items():
        d = b - a
        if not math.isfinite(d):
            warnings.append(f"'{j}' was rated in only one of the two periods; its change is "
                            "taken as 0 (it is in the unexplained rest).")
            d = 0.0
        deltas[j] = d
    records = []
    for node in journey_map.measured_nodes:
        j = node.id
        if j == journey_map.outcome:
            continue
        passed = math.fsum(estimates[(p, j)] * deltas[p] for p in journey_map.parents(j)
                           if (p, j) in estimates and p in deltas)
        own = deltas[j] - passed
        total = totals[j]
        rated = ~np.isnan(data_all.column(j)[in_from])
        shift = np.where(rated, total * own, 0.0)
        records.append({"node": j, "label": node.display, "mean_from": means[j][0],
                        "mean_to": means[j][1], "mean_change": deltas[j], "passed_on": passed,
                        "own_change": own, "total": total, "ltr_points": total * own,
                        "nps_points": nps_change(ltr_from, shift)})
    bars = pd.DataFrame(records, columns=["node", "label", "mean_from", "mean_to",
                                          "mean_change", "passed_on", "own_change", "total",
                                          "ltr_points", "nps_points"])
    order = np.argsort(-np.abs(bars["nps_points"].to_numpy(dtype=float)), kind="stable")
    bars = bars.iloc[order].reset_index(drop=True)
    unexplained = change - math.fsum(bars["nps_points"].to_list())
    return Waterfall(period=period, from_period=period_label(p_from),
                     to_period=period_label(p_to), nps_from=s_from, nps_to=s_to,
                     change=change, change_ci=nps_difference(s_to, s_from).ci, bars=bars,
                     unexplained=unexplained, result=result,
                     warnings=tuple(dict.fromkeys(warnings)))


# ------------------------------------------------------------ role over time
def role_trend(journey_map: JourneyMap, data: pd.DataFrame, role: str, *,
               period: str = "month", date_column: str = "date",
               survey_type: str | None = None, engine: str = "linear",
               min_responses: int = DEFAULT_MIN_RESPONSES) -> dict[str, Any]:
    """A role's influence and NPS points per calendar period, each from its own fit.

    Every period from the first to the last date is fitted alone (``engine``, the
    responses dated in it, as :func:`window_rows` selects them), so each period's
    figures carry that fit's 95 % intervals.  A period with fewer responses than
    ``min_responses`` is suppressed (its n shown, no figures); a period whose fit
    cannot be made says why (``reason``).  Returns ``{"role", "period", "date_column",
    "min_responses", "periods": [{period, start, end, n, suppressed, influence,
    influence_ci, nps_points, nps_points_ci, reason}]}``.
    """
    from ..data import load_survey
    from ..fitting import fit

    check_min_responses(min_responses)
    freq = _check_period(period)
    journey_map.node(role)  # an unknown role is one clear error before any fitting
    if date_column not in data.columns:
        raise DataValidationError(f"the role's trend needs the date column '{date_column}', "
                                  "which the data do not have.")
    periods = period_of(data[date_column], period, date_column)
    has = periods.notna().to_numpy(dtype=bool)
    if not has.any():
        raise DataValidationError(f"column '{date_column}' is blank in every response; "
                                  "there is nothing to put on a time line.")
    records: list[dict[str, Any]] = []
    for p in pd.period_range(periods[has].min(), periods[has].max(), freq=freq):
        rows = data.loc[has & (periods == p).to_numpy(dtype=bool)].reset_index(drop=True)
        rec: dict[str, Any] = {"period": period_label(p),
                               "start": p.start_time.date().isoformat(),
                               "end": p.end_time.date().isoformat(), "n": len(rows),
                               "suppressed": len(rows) < min_responses, "influence": None,
                               "influence_ci": None, "nps_points": None,
                               "nps_points_ci": None, "reason": None}
        if not rec["suppressed"]:
            try:
                survey = load_survey(rows, journey_map, survey_type=survey_type)
                rec["n"] = int(survey.n)
                if survey.n < min_responses:
                    rec["suppressed"] = True
                else:
                    eff = fit(journey_map, survey, engine=engine,
                              min_responses=min_responses).role(role)
                    rec.update(influence=eff.influence, nps_points=eff.nps_points,
                               influence_ci=list(eff.influence_ci)
                               if eff.influence_ci else None,
                               nps_points_ci=list(eff.nps_points_ci)
                               if eff.nps_points_ci else None,
                               reason=eff.not_estimable)
            except JourneymapError as exc:
                rec["reason"] = str(exc)
        records.append(rec)
    out: dict[str, Any] = to_jsonable({"role": role, "period": period,
                                       "date_column": date_column,
                                       "min_responses": min_responses, "periods": records})
    return out
