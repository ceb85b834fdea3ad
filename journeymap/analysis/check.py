"""Check a journey map against survey data (``journeymap check MAP DATA``).

Four parts, all reported, none applied to the map:

1. **Testable implications** — the conditional independences the map implies among its
   measured nodes (d-separation with the unmeasured roles as latent variables), each
   tested with a partial correlation and Fisher's z (linear engine) or a G-test on the
   bayesnet engine's states; a "disagree" verdict needs the Holm-adjusted p below α.
2. **Belief vs evidence** — each edge's expected sign against its estimate and interval.
3. **Global fit** (linear engine) — SRMR, RMSEA and CFI of the implied against the
   observed covariance of the complete responses.
4. **Suggestions** — a structure search restricted to the journey's order proposes
   missing edges (with their BIC gain and the test of the independence they break) and
   doubtful edges (interval containing 0 and dropped by the search), with the YAML line.

The formulas are in ``docs/method.md`` ("Checking the map against the data").

Examples
--------
>>> import journeymap as jm
>>> from journeymap.analysis import check
>>> report = check(jm.example_map(), jm.example_data(n=800, seed=3).data)
>>> len(report.implications), report.fit_indices["df"]
(51, 25)
"""

from __future__ import annotations

import functools
import inspect
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._common_cause import role_common_cause_warnings
from ..exceptions import JourneymapError
from ._fitindex import CUTOFFS, fit_indices
from ._implications import (
    CITest,
    fmt_p,
    g_test,
    holm,
    implication_text,
    implied_independences,
    names,
    partial_correlation_from_cross,
    partial_correlation_test,
    signed,
)
from ._suggest import empty_suggestions, propose_edges

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ..checkstats import CheckMoments
    from ..data import SurveyData
    from ..engines import FitResult
    from ..model import JourneyMap

__all__ = ["CUTOFFS", "CheckReport", "QuickCheck", "check", "check_moments", "quick_check",
           "quick_check_moments"]

CHECK_ENGINES = ("linear", "bayesnet")
SEARCHES = ("greedy", "pgmpy")
CHECK_SCHEMA_VERSION = 1
WARN_MIN_PARTIAL_R = 0.1
"""Smallest |partial correlation| of a rejected implication that makes the fit warn
(Cohen's "small"); ``check`` itself lists every Holm-rejected implication."""
NO_EVIDENCE = "no evidence against"
"""The verdict of an implication the data do not reject: it says no more than that."""


@dataclass(frozen=True)
class CheckReport:
    """What the data say about the map.  Nothing in it changes the map.

    Attributes
    ----------
    implications
        One row per implied independence: ``x``, ``y``, ``given`` (tuple of ids), ``basis``,
        ``n`` (rows where all were answered), ``statistic`` (partial correlation r, or G),
        ``df`` (n − |Z| − 3 for Fisher's z; the G-test's degrees of freedom), ``p``,
        ``p_holm`` (Holm-adjusted over the tested rows), ``verdict`` (``disagree`` when
        ``p_holm < alpha``, ``no evidence against`` otherwise — a test that does not
        reject confirms nothing — or ``untested``) and ``text``.
    untestable
        Pairs without an edge that no set of measured nodes separates (an unmeasured role
        acts on both): ``x``, ``y``, ``roles``.
    beliefs
        One row per estimated edge: ``from``, ``to``, ``expected``, ``estimate``,
        ``ci_low``, ``ci_high``, ``agrees``, ``verdict`` (``agree``, ``contradict``,
        ``unclear``, ``no belief`` or ``not estimable``) and ``text``.
    fit_indices
        ``chi2``, ``df``, ``p_value``, ``cfi``, ``rmsea``, ``srmr`` and the listwise ``n``
        (linear engine; ``available`` False with a ``reason`` otherwise); ``missing``
        says why an index is not computed (e.g. RMSEA at df = 0).
    alphas
        Cronbach's alpha per composite node (``items``), over the rows where every item
        was answered; NaN (null in JSON) when it cannot be computed.
    suggestions
        ``action`` (``add`` / ``remove``), ``from``, ``to``, ``bic_gain``, ``n``,
        ``statistic``, ``p``, ``p_adjusted`` (Holm, as the implication; Bonferroni over the
        implications for a pair with no implication), ``estimate``, ``ci_low``, ``ci_high``,
        ``yaml``, ``note`` and ``text``.
    summary
        Plain-language lines.
    """

    journey_map: JourneyMap = field(repr=False)
    engine: str
    alpha: float
    method: str
    n_responses: int
    implications: pd.DataFrame
    untestable: pd.DataFrame
    beliefs: pd.DataFrame
    fit_indices: dict[str, Any]
    suggestions: pd.DataFrame
    search: dict[str, Any]
    summary: list[str]
    warnings: list[str] = field(default_factory=list)
    result: FitResult | None = field(default=None, repr=False)
    alphas: dict[str, float] = field(default_factory=dict)

    @property
    def disagreements(self) -> pd.DataFrame:
        """The implications the data disagree with (Holm-adjusted p < alpha)."""
        return self.implications[self.implications["verdict"] == "disagree"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: full-precision numbers, NaN as null, tuples as lists."""
        from ..jsonsafe import to_jsonable

        out: dict[str, Any] = to_jsonable({
            "schema_version": CHECK_SCHEMA_VERSION, "map": self.journey_map.name,
            "engine": self.engine, "alpha": self.alpha, "method": self.method,
            "n_responses": self.n_responses,
            "implications": _records(self.implications),
            "untestable": _records(self.untestable),
            "beliefs": _records(self.beliefs), "fit_indices": self.fit_indices,
            "suggestions": _records(self.suggestions), "search": self.search,
            "alphas": self.alphas, "summary": self.summary, "warnings": self.warnings})
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, allow_nan=False)


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): (list(v) if isinstance(v, tuple) else v) for k, v in row.items()}
            for row in df.to_dict(orient="records")]


def check(journey_map: JourneyMap, data: SurveyData | pd.DataFrame | str | Path, *,
          engine: str = "linear", alpha: float = 0.05, suggest: bool = True,
          search: str = "greedy", survey_type: str | None = None,
          **options: Any) -> CheckReport:
    """Check the map against survey data: implications, beliefs, fit and suggestions.

    Parameters
    ----------
    journey_map
        The map (never changed).
    data
        Survey responses (path, DataFrame or :class:`~journeymap.data.SurveyData`).
    engine
        ``"linear"`` (partial correlations, fit indices, linear-Gaussian search) or
        ``"bayesnet"`` (G-tests and a discrete search on the engine's states; ``bins`` and
        ``ltr_states`` in ``options`` apply).
    alpha
        Level of the Holm-adjusted "disagree" verdict (default 0.05).
    suggest
        Run the structure search and propose edges (default True).
    search
        ``"greedy"`` (order-restricted BIC steps on pairwise-complete rows) or ``"pgmpy"``
        (pgmpy's ``HillClimbSearch`` on the complete rows).
    **options
        Engine options, e.g. ``min_responses``, ``bins``, ``draws``.
    """
    from ..data import SurveyData, load_survey
    from ..engines import get_engine

    m = journey_map
    if engine not in CHECK_ENGINES:
        raise JourneymapError(f"check works with the engines {', '.join(CHECK_ENGINES)}, not "
                              f"'{engine}'.")
    if not (isinstance(alpha, int | float) and 0.0 < alpha < 1.0):
        raise JourneymapError(f"alpha must be between 0 and 1 (e.g. 0.05), not {alpha!r}.")
    if search not in SEARCHES:
        raise JourneymapError(f"search must be one of {', '.join(SEARCHES)}, not '{search}'.")
    if not isinstance(data, SurveyData):
        data = load_survey(data, m, survey_type=survey_type)
    cls = get_engine(engine)
    known = inspect.signature(cls.__init__).parameters
    unknown = sorted(k for k in options if k not in known)
    if unknown:
        raise JourneymapError(f"the {engine} engine has no option {', '.join(unknown)}"
                              + (" (bins are for --engine bayesnet)." if "bins" in unknown
                                 else "."))
    result = cls(**options).fit(m, data).result_
    discrete = cls.discrete
    codes, cards = _states(result) if discrete else ({}, {})

    rng = np.random.default_rng(int(options.get("random_state", 0)))

    def test(x: str, y: str, given: tuple[str, ...]) -> CITest:
        if discrete:
            return g_test(codes[x], codes[y], [codes[z] for z in given], rng=rng)
        return partial_correlation_test([data.column(c) for c in (x, y, *given)])

    imps, untestable = implied_independences(m)
    tests = [test(i.x, i.y, i.given) for i in imps]
    p_holm = holm([t.p for t in tests])
    rows = []
    for imp, t, ph in zip(imps, tests, p_holm, strict=True):
        verdict = "untested" if not math.isfinite(t.p) else (
            "disagree" if ph < alpha else NO_EVIDENCE)
        rows.append({"x": imp.x, "y": imp.y, "given": imp.given, "basis": imp.basis,
                     "n": t.n, "statistic": t.statistic, "df": t.df, "p": t.p,
                     "p_holm": float(ph), "verdict": verdict,
                     "text": implication_text(m, imp.x, imp.y, imp.given, t, float(ph),
                                               alpha, verdict)})
    implications = pd.DataFrame(rows, columns=["x", "y", "given", "basis", "n", "statistic",
                                               "df", "p", "p_holm", "verdict", "text"])
    untested = pd.DataFrame([{"x": u.x, "y": u.y, "roles": u.roles} for u in untestable],
                            columns=["x", "y", "roles"])
    beliefs = _beliefs(m, result)
    if discrete:
        indices: dict[str, Any] = {"available": False, "reason": "the fit indices compare "
                                   "covariance matrices; they belong to the linear engine."}
    else:
        indices = fit_indices(m, data)
        shared = [u for u in untestable
                  if any(m.node(p).measured for p in (*m.parents(u.x), *m.parents(u.y)))]
        if indices.get("available") and shared:
            indices["note"] = ("the indices treat the residuals of " + "; ".join(
                f"{m.node(u.x).display} and {m.node(u.y).display}" for u in shared)
                + " as uncorrelated, though an unmeasured role acts on both.")
    # The fit cannot adjust for an unmeasured role that acts on both ends of a path
    # (docs/method.md §5, "Roles as common causes"); the fit's warnings say the same.
    warnings: list[str] = role_common_cause_warnings(m) + list(data.warnings)
    if suggest:
        suggestions, info = propose_edges(m, data, result, implications, search, discrete,
                                         codes, cards, alpha, warnings)
    else:
        suggestions, info = empty_suggestions(), {"method": None}
    method = ("G-test (log-likelihood ratio) on the bayesnet engine's states" if discrete
              else "partial correlation with Fisher's z")
    alphas = {n.id: float(data.alphas.get(n.id, math.nan)) for n in m.measured_nodes
              if n.items}
    summary = _summary(m, implications, untested, beliefs, indices, suggestions, alpha,
                       suggest, alphas)
    return CheckReport(journey_map=m, engine=engine, alpha=float(alpha), method=method,
                       n_responses=data.n, implications=implications, untestable=untested,
                       beliefs=beliefs, fit_indices=indices, suggestions=suggestions,
                       search=info, summary=summary, warnings=warnings, result=result,
                       alphas=alphas)


def _states(result: FitResult) -> tuple[dict[str, NDArray[np.int64]], dict[str, int]]:
    """Each measured node's state codes (−1 = blank) and number of states, as the bayesnet
    engine formed them for this fit (its bins, chosen from n by default)."""
    from ..engines.bayesnet import fit_state

    state = fit_state(result)
    return ({n: np.asarray(c, dtype=np.int64) for n, c in state.codes.items()},
            {n: s.size for n, s in state.states.items()})


def _beliefs(m: JourneyMap, result: FitResult) -> pd.DataFrame:
    rows = []
    for rec in result.edge_estimates:
        edge = f"{m.node(rec.source).display} → {m.node(rec.target).display}"
        if rec.not_estimable:  # bayesnet at small n: never a contradiction (§9.8)
            rows.append({"from": rec.source, "to": rec.target, "expected": rec.expected,
                         "estimate": math.nan, "ci_low": math.nan, "ci_high": math.nan,
                         "p_value": None, "n": rec.n, "agrees": None,
                         "verdict": "not estimable",
                         "text": f"The data cannot judge {edge}: {rec.not_estimable}."})
            continue
        if rec.estimate is None:
            continue
        est, ci, expected = rec.estimate, rec.ci or [math.nan, math.nan], rec.expected
        said = f"{signed(est)} (95 % {signed(ci[0])} to {signed(ci[1])})"
        sign = {"+": "positive", "-": "negative"}.get(expected or "", "")
        if expected is None:
            verdict, text = "no belief", f"No belief was given for {edge}; the data say {said}."
        elif rec.agrees is True:
            verdict, text = "agree", (f"The workshop expected {edge} to be {sign}; the data "
                                      f"agree: {said}.")
        elif rec.agrees is False:
            verdict, text = "contradict", (f"The workshop expected {edge} to be {sign}; the "
                                           f"data contradict it: {said}.")
        else:
            verdict, text = "unclear", (f"The workshop expected {edge} to be {sign}; the data "
                                        f"cannot tell: {said} includes 0.")
        rows.append({"from": rec.source, "to": rec.target, "expected": expected,
                     "estimate": est, "ci_low": ci[0], "ci_high": ci[1],
                     "p_value": rec.p_value, "n": rec.n, "agrees": rec.agrees,
                     "verdict": verdict, "text": text})
    return pd.DataFrame(rows, columns=["from", "to", "expected", "estimate", "ci_low",
                                       "ci_high", "p_value", "n", "agrees", "verdict", "text"])


# -------------------------------------------------------------------- summary
def _summary(m: JourneyMap, implications: pd.DataFrame, untestable: pd.DataFrame,
             beliefs: pd.DataFrame, indices: dict[str, Any], suggestions: pd.DataFrame,
             alpha: float, suggest: bool, alphas: Mapping[str, float]) -> list[str]:
    tested = implications[implications["verdict"] != "untested"]
    bad = implications[implications["verdict"] == "disagree"]
    lines = [f"The map implies {len(implications)} independences among the measured nodes; "
             f"{len(tested)} could be tested and the data disagree with {len(bad)} of them "
             f"(Holm-adjusted p < {alpha:g} over the {len(tested)} tests)."]
    if len(untestable):
        pairs = "; ".join(f"{m.node(r['x']).display} and {m.node(r['y']).display}"
                          + (f" ({names(m, list(r['roles']))})" if r["roles"] else "")
                          for r in untestable.to_dict(orient="records"))
        lines.append(f"{len(untestable)} pairs without an edge cannot be tested because an "
                     f"unmeasured role acts on both: {pairs}.")
    lines += list(bad["text"])
    counts = beliefs["verdict"].value_counts()
    lines.append(f"Beliefs: {counts.get('agree', 0)} edges agree with the workshop's expected "
                 f"sign, {counts.get('contradict', 0)} contradict it and "
                 f"{counts.get('unclear', 0)} are unclear (95 % interval includes 0); "
                 f"{counts.get('no belief', 0)} had no belief"
                 + (f"; {counts['not estimable']} are not estimable (too little data)"
                    if counts.get("not estimable", 0) else "") + ".")
    lines += list(beliefs.loc[beliefs["verdict"] == "contradict", "text"])
    if indices.get("available"):
        missing: dict[str, str] = indices.get("missing", {})
        outside = [k.upper() for k, (op, cut) in CUTOFFS.items() if k not in missing
                   and not (indices[k] >= cut if op == "≥" else indices[k] <= cut)]
        reading = ("within the conventional cut-offs" if not outside else
                   f"{', '.join(outside)} outside the conventional cut-off")
        shown = ", ".join(f"{k.upper()} {indices[k]:.3f}" for k in ("cfi", "rmsea", "srmr")
                          if k not in missing)
        why = "".join(f"; {k.upper()} {text}" for k, text in missing.items() if k in CUTOFFS)
        lines.append(f"Global fit on the {indices['n']:,} responses that answered every "
                     f"measured node: {shown} — {reading}{why} (CFI ≥ 0.95, RMSEA ≤ 0.06, "
                     "SRMR ≤ 0.08; conventions, not tests).")
    elif "reason" in indices:
        lines.append(f"No global fit indices: {indices['reason']}")
    if alphas:
        lines.append("Composites (Cronbach's alpha of their items): " + "; ".join(
            f"{m.node(k).display} "
            + (f"{a:.2f}" if math.isfinite(a) else "not computable (too few complete rows "
               "or no variance)")
            + (" — below 0.6: the items may not measure one thing" if a < 0.6 else "")
            for k, a in alphas.items()) + ".")
    if suggest:
        if len(suggestions):
            lines.append("Suggestions (not applied to the map):")
            lines += list(suggestions["text"])
        else:
            lines.append("The structure search restricted to the journey's order suggests no "
                         "change to the map.")
    return lines


# ------------------------------------------------------------- quick check
@dataclass(frozen=True)
class QuickCheck:
    """The cheap part of :func:`check` that runs with every in-memory linear fit.

    Attributes
    ----------
    fit_indices
        As :attr:`CheckReport.fit_indices` (listwise rows).
    rejected
        The implications the data disagree with (Holm-adjusted p < alpha), worst first:
        ``(x, y, given, p, p_holm, r)`` with r the partial correlation.
    tested
        Implications tested (0 when the map has more measured nodes than
        :data:`~journeymap.limits.QUICK_CHECK_MAX_NODES`: global fit only).
    warning
        The plain sentence for the fit's warnings, or ``None`` when the data do not
        reject the map.
    """

    fit_indices: dict[str, Any]
    rejected: list[tuple[str, str, tuple[str, ...], float, float, float]]
    tested: int
    warning: str | None

    def to_dict(self) -> dict[str, Any]:
        """The result's ``map_check`` (``docs/result-schema.md``): JSON-ready."""
        from ..jsonsafe import to_jsonable

        out: dict[str, Any] = to_jsonable({
            "rejected": self.warning is not None, "warning": self.warning,
            "fit_indices": self.fit_indices, "tested": self.tested,
            "disagreements": [{"x": x, "y": y, "given": list(given), "p": p, "p_holm": ph,
                               "partial_r": r} for x, y, given, p, ph, r in self.rejected]})
        return out


@functools.lru_cache(maxsize=16)
def _implications_of(journey_map: JourneyMap) -> tuple[Any, ...]:
    """The map's implied independences, once per map (a pure function of it; refits of
    the same map, e.g. per segment, do not repeat the d-separation search)."""
    return tuple(implied_independences(journey_map)[0])


def _listwise_cross_products(values: NDArray[np.floating[Any]]
                             ) -> tuple[NDArray[np.float64], int]:
    """Centred cross-products of the rows with no blank, and their number: one Gram
    matrix (no copy when no value is blank)."""
    blank = np.isnan(values).any(axis=1)
    rows = values[~blank] if blank.any() else values
    n = int(rows.shape[0])
    if n == 0:
        return np.zeros((values.shape[1], values.shape[1])), 0
    gram = np.asarray(rows.T @ rows, dtype=np.float64)
    mean = np.asarray(rows.mean(axis=0, dtype=np.float64))
    return gram - n * np.outer(mean, mean), n


def quick_check(journey_map: JourneyMap, data: SurveyData, *, alpha: float = 0.05
                ) -> QuickCheck:
    """Global fit and the Holm-rejected implications from one covariance matrix.

    The fit indices use the responses that answered every measured node, as in
    :func:`check`.  With complete data the partial correlation of an implication is read
    from the inverse of that covariance's block (Fisher's z on ``n − |Z| − 3``), so the
    cost is one Gram matrix plus small matrix work; with blank answers each implication
    is tested on its own rows, exactly as :func:`check` does, while the responses times
    the implications stay within :data:`~journeymap.limits.QUICK_CHECK_MAX_CELLS`
    (beyond it, the global fit only).  The map is **rejected** when an implication is
    Holm-rejected at ``alpha``,
    or when the χ² test rejects at ``alpha`` and CFI, RMSEA or SRMR is outside its
    conventional cut-off (docs/method.md §10.6).  A rejected implication counts for
    the warning only when its partial correlation is at least :data:`WARN_MIN_PARTIAL_R`
    in size: with a million responses a partial correlation of 0.01 (e.g. from the
    rounding of 0–10 answers) is "significant" and says nothing about the map.
    """
    from ..limits import QUICK_CHECK_MAX_CELLS

    cross, n = _listwise_cross_products(data.values)
    imps = _implications_for(journey_map, len(data.node_ids))

    def own_rows(i: int) -> CITest:
        imp = imps[i]
        return partial_correlation_test([data.column(c) for c in (imp.x, imp.y, *imp.given)])

    fits = data.n * len(imps) <= QUICK_CHECK_MAX_CELLS
    return _judge(journey_map, list(data.node_ids), cross, n, data.n, imps,
                  own_rows if fits else None, alpha)


def check_moments(journey_map: JourneyMap) -> CheckMoments:
    """Empty moments for :func:`quick_check_moments`: every measured node, and the nodes
    of each implied independence (none above
    :data:`~journeymap.limits.QUICK_CHECK_MAX_NODES` measured nodes).  A streamed or
    Spark fit fills them in its single pass (:func:`journeymap.fit_stream`)."""
    from ..checkstats import CheckMoments
    from ..limits import QUICK_CHECK_MAX_CELLS

    ids = tuple(n.id for n in journey_map.measured_nodes)
    imps = _implications_for(journey_map, len(ids))
    return CheckMoments.for_sets(ids, [(i.x, i.y, *i.given) for i in imps],
                                 max_cells=QUICK_CHECK_MAX_CELLS)


def quick_check_moments(journey_map: JourneyMap, moments: CheckMoments, *,
                        alpha: float = 0.05) -> QuickCheck:
    """:func:`quick_check` from moments summed chunk by chunk (:func:`check_moments`).

    The same numbers as :func:`quick_check` on the same rows, up to floating-point
    summation order: the listwise covariance gives the fit indices (and, with complete
    data, every implication's test), each implication's own moments its test when
    answers are blank.
    """
    imps = _implications_for(journey_map, len(moments.node_ids))
    if moments.sets != tuple((i.x, i.y, *i.given) for i in imps):
        raise ValueError("the check moments were not made for this map (check_moments)")
    everything = moments.listwise()
    n = everything.n
    cross = _centred(everything.gram) if n else np.zeros((len(moments.node_ids),) * 2)
    own = moments.set_moments()

    def own_rows(i: int) -> CITest:
        assert own is not None
        return partial_correlation_from_cross(_centred(own[i].gram), own[i].n) \
            if own[i].n else CITest(math.nan, -1, math.nan, 0)

    return _judge(journey_map, list(moments.node_ids), cross, n, moments.n_rows, imps,
                  own_rows if own is not None else None, alpha)


def _centred(gram: NDArray[np.float64]) -> NDArray[np.float64]:
    """Centred cross-products from ``Σ z zᵀ`` with ``z = (1, x…)``."""
    s = gram[0, 1:]
    return np.asarray(gram[1:, 1:] - np.outer(s, s) / gram[0, 0], dtype=np.float64)


def _implications_for(journey_map: JourneyMap, n_nodes: int) -> tuple[Any, ...]:
    from ..limits import QUICK_CHECK_MAX_NODES

    return _implications_of(journey_map) if n_nodes <= QUICK_CHECK_MAX_NODES else ()


def _judge(m: JourneyMap, ids: list[str], cross: NDArray[np.float64], n: int, total: int,
           imps: tuple[Any, ...], own_rows: Callable[[int], CITest] | None,
           alpha: float) -> QuickCheck:
    """The quick check from the listwise centred cross-products ``cross`` of ``n`` of the
    ``total`` responses; ``own_rows(i)`` tests implication i on its own rows (needed when
    ``n < total``; ``None``: too many cells, global fit only)."""
    from scipy import stats as sps

    from ..lstsq import find_degeneracy
    from ._fitindex import fit_indices_from_covariance

    col = {c: i for i, c in enumerate(ids)}
    p_nodes = len(ids)
    indices: dict[str, Any] = {"rows": "listwise", "n": n, "variables": p_nodes}
    if n < p_nodes + 2 or find_degeneracy(cross) is not None:
        indices["available"] = False
        return QuickCheck(indices, [], 0, None)
    parents = {col[c]: [col[q] for q in m.parents(c) if q in col] for c in ids}
    indices.update(available=True, **fit_indices_from_covariance(cross / n, n, parents))
    rejected: list[tuple[str, str, tuple[str, ...], float, float, float]] = []
    tested = 0
    complete = n == total
    if not complete and own_rows is None:
        imps = ()  # blanks and big data: each test would need its own rows; global fit only
    if imps:
        scale = np.sqrt(np.diag(cross))
        corr = cross / np.outer(scale, scale)
        pvals: list[float] = []
        rs: list[float] = []
        for i, imp in enumerate(imps):
            if not complete:
                # Blank answers: the responses that answered every node are a selection
                # (e.g. those who called support), which can make unrelated nodes look
                # related; test on the implication's own rows, as check does.
                assert own_rows is not None
                t = own_rows(i)
                pvals.append(t.p)
                rs.append(t.statistic)
                continue
            idx = [col[imp.x], col[imp.y], *(col[z] for z in imp.given)]
            df = n - len(imp.given) - 3
            if df < 1:
                pvals.append(math.nan)
                rs.append(math.nan)
                continue
            prec = np.linalg.inv(corr[np.ix_(idx, idx)])
            r = min(max(float(-prec[0, 1] / math.sqrt(prec[0, 0] * prec[1, 1])), -1.0), 1.0)
            z = math.atanh(r) * math.sqrt(df) if abs(r) < 1.0 else math.inf
            pvals.append(float(2.0 * sps.norm.sf(abs(z))))
            rs.append(r)
        p_holm = holm(pvals)
        tested = sum(1 for p in pvals if math.isfinite(p))
        rejected = sorted(((i.x, i.y, i.given, p, float(ph), r)
                           for i, p, ph, r in zip(imps, pvals, p_holm, rs, strict=True)
                           if math.isfinite(ph) and ph < alpha), key=lambda row: row[3])
    return QuickCheck(indices, rejected, tested,
                      _rejection_sentence(m, indices, rejected, alpha))


def _rejection_sentence(m: JourneyMap, fi: dict[str, Any],
                        rejected: list[tuple[str, str, tuple[str, ...], float, float, float]],
                        alpha: float) -> str | None:
    rejected = [row for row in rejected if abs(row[5]) >= WARN_MIN_PARTIAL_R]
    missing = fi.get("missing", {})
    outside = [f"{k.upper()} {fi[k]:.2f} (conventional {op} {cut:g})"
               for k, (op, cut) in CUTOFFS.items() if k not in missing
               and math.isfinite(fi[k]) and not (fi[k] >= cut if op == "≥" else fi[k] <= cut)]
    p_chi2 = fi.get("p_value", math.nan)
    global_reject = bool(outside) and math.isfinite(p_chi2) and p_chi2 < alpha
    if not rejected and not global_reject:
        return None
    if rejected:
        x, y, given, p, ph, r = rejected[0]
        worst = (f"the map says {m.node(x).display} ⟂ {m.node(y).display} given "
                 f"{names(m, given)}, and the data disagree (partial r = {r:.2f}, {fmt_p(p)}; "
                 f"Holm-adjusted {fmt_p(ph)})")
        more = len(rejected) - 1
        if more:
            worst += f"; {more} more of its implied independences fail too"
        if outside:
            worst += "; " + ", ".join(outside)
    else:
        worst = (", ".join(outside) + f", and the χ² test rejects the map "
                 f"(χ² = {fi['chi2']:.1f} on {fi['df']} df, {fmt_p(p_chi2)})")
    return (f"The data reject this map: {worst}. Links may be missing or misdrawn, so its "
            "estimates can mislead; 'journeymap check MAP DATA' shows which.")
