"""Structure search restricted to the journey's order, for suggestions (never applied).

The **journey order** ranks the measured nodes in tiers: measured roles, then
touchpoints by stage (stages in the order they first appear in the map file; touchpoints
without a stage after the staged ones), then factors, then the outcome.  Within a tier
the map file's order counts.  The total order is the map's topological order with ties
broken by (tier, file position), so every edge of the map points forward in it even when
the map itself breaks the tiers.  An edge ``u → v`` may be *suggested* only when ``u``
comes before ``v`` in that order and ``u``'s tier is not later than ``v``'s: no
suggestion ever points back in the journey.

Two searches:

``greedy`` (default)
    With a fixed order the best DAG is the best parent set of every node among its
    predecessors, chosen node by node.  Starting from the map's parents, each step adds
    or removes the one parent with the largest gain in BIC, until no step gains.  Every
    comparison of two parent sets (differing in one parent) is made on the rows where
    the node and both sets were answered — the pairwise-by-equation rows of the
    engines, so blanks ("not experienced") cost only the rows they must.  Linear:
    ``gain = (n/2) · log(RSS₀ / RSS₁) − (1/2) · log n`` per added coefficient; discrete:
    ``gain = ΔlogL − (1/2) · log n · (r − 1) · Δq`` (r states of the node, q parent
    combinations), the BIC of ``pgmpy``'s ``bic-d``.
``pgmpy``
    ``pgmpy.causal_discovery.HillClimbSearch`` (``bic-g`` for linear, ``bic-d`` for
    discrete), started from the map's measured DAG, with every edge outside the allowed
    set forbidden (``ExpertKnowledge(search_space=…)``), on the rows where every measured
    node was answered (pgmpy's scores need complete rows).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..exceptions import DataValidationError
from ..lstsq import centred_cross_products, find_degeneracy, ols_from_gram
from ._implications import fmt_p, g_test, names, partial_correlation_test, signed

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ..data import SurveyData
    from ..engines import FitResult
    from ..model import JourneyMap

__all__ = ["SUGGESTION_COLUMNS", "DiscreteBIC", "LinearBIC", "allowed_edges",
           "empty_suggestions", "greedy_search", "journey_order", "pgmpy_search", "propose_edges"]

_KIND_RANK = {"role": 0, "touchpoint": 1, "factor": 2, "outcome": 3}
GAIN_EPS = 1e-9


def journey_order(journey_map: JourneyMap) -> tuple[list[str], dict[str, tuple[int, int]]]:
    """The measured nodes in journey order and each one's tier ``(kind rank, stage rank)``.

    Examples
    --------
    >>> from journeymap.datasets import example_map
    >>> order, tier = journey_order(example_map())
    >>> order[:3], order[-1], tier["quote"] == tier["ordering"]
    (['brand', 'website', 'quote'], 'nps', True)
    """
    import networkx as nx

    m = journey_map
    stages: dict[str, int] = {}
    for node in m.nodes:
        if node.stage is not None and node.stage not in stages:
            stages[node.stage] = len(stages)
    tier: dict[str, tuple[int, int]] = {}
    for node in m.nodes:
        stage = stages.get(node.stage, len(stages)) if node.stage is not None else len(stages)
        tier[node.id] = (_KIND_RANK[node.kind], stage if node.kind == "touchpoint" else 0)
    position = {n.id: i for i, n in enumerate(m.nodes)}
    full = nx.lexicographical_topological_sort(
        m.to_networkx(), key=lambda n: (*tier[n], position[n]))
    order = [n for n in full if m.node(n).measured]
    return order, {n: tier[n] for n in order}


def allowed_edges(journey_map: JourneyMap) -> set[tuple[str, str]]:
    """Edges between measured nodes a search may use: forward in the journey order and not
    into an earlier tier, plus the map's own edges between measured nodes."""
    m = journey_map
    order, tier = journey_order(m)
    out = {(u, v) for i, u in enumerate(order) for v in order[i + 1:]
           if u != m.outcome and tier[u] <= tier[v]}
    out |= {(e.source, e.target) for e in m.edges
            if m.node(e.source).measured and m.node(e.target).measured}
    return out


class LinearBIC:
    """BIC gains of linear-Gaussian equations on pairwise-complete rows.

    ``gain(child, parents, extra)`` is the BIC gain of adding ``extra`` to ``parents``, on
    the rows where the child, every parent and ``extra`` were answered, with the number
    of those rows.
    """

    def __init__(self, values: NDArray[np.float64], node_ids: Sequence[str]) -> None:
        self.values = values
        self.index = {n: i for i, n in enumerate(node_ids)}
        self.observed = ~np.isnan(values)

    def _rows(self, cols: list[int]) -> NDArray[np.float64]:
        return self.values[self.observed[:, cols].all(axis=1)][:, cols]

    def gain(self, child: str, parents: Sequence[str], extra: str) -> tuple[float, int]:
        cols = [self.index[p] for p in parents] + [self.index[extra], self.index[child]]
        rows = self._rows(cols)
        n, k = rows.shape
        if n < k + 2:
            return -math.inf, n
        cross = centred_cross_products(rows)
        if find_degeneracy(cross) is not None:  # a constant or collinear column
            return -math.inf, n
        scale = np.sqrt(np.diag(cross))
        corr = cross / np.outer(scale, scale)
        rss1 = _residual(corr, list(range(k - 1)))
        rss0 = _residual(corr, list(range(k - 2)))
        if rss1 <= 0.0:
            return math.inf, n
        return 0.5 * n * math.log(rss0 / rss1) - 0.5 * math.log(n), n


def _residual(corr: NDArray[np.float64], predictors: list[int]) -> float:
    """Residual variance (correlation scale) of the last column on ``predictors``.

    ``corr`` has passed the collinearity rule as a whole, so its blocks need no check.
    """
    y = corr.shape[0] - 1
    if not predictors:
        return float(corr[y, y])
    cols = [*predictors, y]
    return ols_from_gram(corr[np.ix_(cols, cols)], [str(c) for c in cols], check=False).rss


class DiscreteBIC:
    """BIC gains of discrete tables (``bic-d``) on pairwise-complete rows.

    ``codes`` holds each node's state index per row (−1 = not answered) and ``cards`` its
    number of states (all states, as in pgmpy's BIC).
    """

    def __init__(self, codes: Mapping[str, NDArray[np.int64]], cards: Mapping[str, int]
                 ) -> None:
        self.codes = codes
        self.cards = cards

    def _loglik(self, child: str, parents: Sequence[str], rows: NDArray[np.bool_]) -> float:
        key = np.zeros(int(rows.sum()), dtype=np.int64)
        for p in parents:
            key = key * self.cards[p] + self.codes[p][rows]
        r = self.cards[child]
        cells = np.unique(key * r + self.codes[child][rows], return_counts=True)[1]
        combos = np.unique(key, return_counts=True)[1]
        return float(np.sum(cells * np.log(cells)) - np.sum(combos * np.log(combos)))

    def gain(self, child: str, parents: Sequence[str], extra: str) -> tuple[float, int]:
        rows = self.codes[child] >= 0
        for p in (*parents, extra):
            rows &= self.codes[p] >= 0
        n = int(rows.sum())
        if n < 2:
            return -math.inf, n
        q = math.prod(self.cards[p] for p in parents)
        extra_params = (self.cards[child] - 1) * q * (self.cards[extra] - 1)
        ll1 = self._loglik(child, [*parents, extra], rows)
        ll0 = self._loglik(child, parents, rows)
        return ll1 - ll0 - 0.5 * math.log(n) * extra_params, n


Gain = Callable[[str, Sequence[str], str], tuple[float, int]]


def greedy_search(order: Sequence[str], allowed: set[tuple[str, str]],
                  start: Mapping[str, Sequence[str]], gain: Gain,
                  max_steps: int = 100) -> dict[str, list[str]]:
    """Each node's parent set by forward–backward BIC steps among its allowed parents.

    Starts from ``start`` (the map's measured parents); a parent set already visited is
    never re-entered, so the search ends even though each comparison uses its own rows.
    """
    out: dict[str, list[str]] = {}
    for v in order:
        candidates = [u for u in order if (u, v) in allowed]
        current = [u for u in start.get(v, ()) if u in candidates]
        seen = {frozenset(current)}
        for _ in range(max_steps):
            best: tuple[float, str, str] | None = None
            for u in candidates:
                if u in current:
                    rest = [p for p in current if p != u]
                    step = -gain(v, rest, u)[0]
                    move = "-"
                else:
                    step = gain(v, current, u)[0]
                    move = "+"
                after = frozenset(current) ^ {u}
                if step > GAIN_EPS and after not in seen and (best is None or step > best[0]):
                    best = (step, move, u)
            if best is None:
                break
            _, move, u = best
            current = [p for p in current if p != u] if move == "-" else [*current, u]
            seen.add(frozenset(current))
        out[v] = sorted(current, key=list(order).index)
    return out


def pgmpy_search(frame: object, order: Sequence[str], allowed: set[tuple[str, str]],
                 start: Mapping[str, Sequence[str]], discrete: bool) -> dict[str, list[str]]:
    """Parent sets from pgmpy's ``HillClimbSearch`` on complete rows (``frame``, a DataFrame
    with one column per node in ``order``); the allowed edges are its search space."""
    import pandas as pd
    from pgmpy.base import DAG
    from pgmpy.causal_discovery import ExpertKnowledge, HillClimbSearch

    from ..engines.bayesnet import quiet_pgmpy

    assert isinstance(frame, pd.DataFrame)
    safe = {n: f"v{i}" for i, n in enumerate(order)}  # formulas need plain names
    back = {v: k for k, v in safe.items()}
    data = frame.rename(columns=safe)
    if discrete:
        data = data.astype("category")
    dag = DAG()
    dag.add_nodes_from(safe.values())
    dag.add_edges_from((safe[p], safe[c]) for c, ps in start.items() for p in ps)
    knowledge = ExpertKnowledge(search_space={(safe[u], safe[v]) for u, v in allowed})
    with quiet_pgmpy():
        search = HillClimbSearch(scoring_method="bic-d" if discrete else "bic-g",
                                 start_dag=dag, expert_knowledge=knowledge, return_type="dag",
                                 show_progress=False)
        search.fit(data)
    graph = search.causal_graph_
    return {n: sorted((back[p] for p in graph.predecessors(safe[n])), key=list(order).index)
            for n in order}


# ------------------------------------------------------------------ suggestions
SUGGESTION_COLUMNS = ["action", "from", "to", "bic_gain", "n", "statistic", "p", "p_adjusted",
                       "estimate", "ci_low", "ci_high", "yaml", "note", "text"]


def empty_suggestions() -> pd.DataFrame:
    return pd.DataFrame([], columns=SUGGESTION_COLUMNS)


def _yaml_edge(obj: dict[str, Any] | list[str]) -> str:
    if isinstance(obj, list):
        return f"- [{obj[0]}, {obj[1]}]"
    parts = [f"{k}: {json.dumps(v) if isinstance(v, str) and v in '+-' else v}"
             for k, v in obj.items()]
    return "- {" + ", ".join(parts) + "}"


def propose_edges(m: JourneyMap, data: SurveyData, result: FitResult,
                 implications: pd.DataFrame, search: str, discrete: bool,
                 codes: dict[str, NDArray[np.int64]], cards: dict[str, int], alpha: float,
                 warnings: list[str]) -> tuple[pd.DataFrame, dict[str, Any]]:
    order, tier = journey_order(m)
    allowed = allowed_edges(m)
    start = {v: [p for p in m.parents(v) if m.node(p).measured] for v in order}
    scorer: LinearBIC | DiscreteBIC = (DiscreteBIC(codes, cards) if discrete
                                       else LinearBIC(data.values, data.node_ids))
    info: dict[str, Any] = {"method": search, "order": order,
                            "tiers": {n: list(t) for n, t in tier.items()},
                            "allowed_edges": len(allowed)}
    if search == "pgmpy":
        frame = pd.DataFrame({n: codes[n] if discrete else data.column(n) for n in order})
        frame = frame[(frame >= 0).all(axis=1)] if discrete else frame.dropna()
        info["n"] = len(frame)
        if len(frame) < len(order) + 2:
            warnings.append(f"only {len(frame)} responses answered every measured node: too "
                            "few for pgmpy's search; no edges are suggested (try "
                            "search='greedy').")
            return empty_suggestions(), info
        found = pgmpy_search(frame, order, allowed, start, discrete)
    else:
        found = greedy_search(order, allowed, start, scorer.gain)
    by_pair: dict[frozenset[str], dict[str, Any]] = {
        frozenset((str(r["x"]), str(r["y"]))): {str(k): v for k, v in r.items()}
        for r in implications.to_dict(orient="records")}
    n_tests = max(1, int(implications["p"].notna().sum()))
    records = {(r.source, r.target): r for r in result.edge_estimates}
    info["added"] = [[u, v] for v in order for u in found[v] if u not in start[v]]
    info["dropped"] = [[u, v] for v in order for u in start[v] if u not in found[v]]
    rows = []
    for v in order:
        for u in found[v]:
            if u not in start[v]:
                row = _add_row(m, data, u, v, start[v], scorer, by_pair, n_tests, discrete,
                               codes)
                if row["p_adjusted"] < alpha:
                    rows.append(row)
        for u in start[v]:
            rec = records[(u, v)]
            ci = rec.ci
            if u in found[v] or ci is None or not ci[0] <= 0.0 <= ci[1]:
                continue
            rest = [p for p in start[v] if p != u]
            gain, n = scorer.gain(v, rest, u)
            edge = m.edge(u, v)
            where = f"  # line {edge.line}" if edge.line else ""
            label = f"{m.node(u).display} → {m.node(v).display}"
            rows.append({
                "action": "remove", "from": u, "to": v, "bic_gain": -gain, "n": n,
                "statistic": math.nan, "p": rec.p_value, "p_adjusted": math.nan,
                "estimate": rec.estimate, "ci_low": ci[0], "ci_high": ci[1],
                "yaml": _yaml_edge(edge.to_dict()) + where, "note": "",
                "text": (f"Consider removing {label}: its estimate {signed(rec.estimate)} "
                         f"(95 % {signed(ci[0])} to {signed(ci[1])}) includes 0 and dropping it "
                         f"improves BIC by {-gain:.1f}.")})
    return (pd.DataFrame(rows, columns=SUGGESTION_COLUMNS) if rows
            else empty_suggestions()), info


def _add_row(m: JourneyMap, data: SurveyData, u: str, v: str, parents: list[str],
             scorer: LinearBIC | DiscreteBIC, by_pair: dict[frozenset[str], dict[str, Any]],
             n_tests: int, discrete: bool, codes: dict[str, NDArray[np.int64]]
             ) -> dict[str, Any]:
    gain = scorer.gain(v, parents, u)[0]
    imp = by_pair.get(frozenset((u, v)))
    if imp is not None:
        stat, p, p_holm, n_test = imp["statistic"], imp["p"], imp["p_holm"], imp["n"]
    else:
        given = tuple(sorted({p for q in (u, v) for p in m.parents(q) if m.node(p).measured}
                             - {u, v}))
        t = (g_test(codes[u], codes[v], [codes[z] for z in given],
                    rng=np.random.default_rng(0)) if discrete else
             partial_correlation_test([data.column(c) for c in (u, v, *given)]))
        p_holm = min(1.0, t.p * n_tests) if math.isfinite(t.p) else math.nan  # Bonferroni
        stat, p, n_test = t.statistic, t.p, t.n
    estimate, ci = (math.nan, (math.nan, math.nan)) if discrete else _coefficient(
        data, v, [*parents, u])
    shared = [r for r in m.roles if not r.measured
              and u in m.children(r.id) and v in m.children(r.id)]
    note = (f"{names(m, [r.id for r in shared])} acts on both: the link may be the role's "
            "own doing, which the map already has." if shared else "")
    label = f"{m.node(u).display} → {m.node(v).display}"
    said = "" if discrete else f"; estimated {signed(estimate)} (95 % {signed(ci[0])} to " \
                                f"{signed(ci[1])})"
    text = (f"Consider adding {label}: it improves BIC by {gain:.1f}{said}; the test of their "
            f"independence gives {fmt_p(p)} (adjusted {fmt_p(p_holm)}).")
    return {"action": "add", "from": u, "to": v, "bic_gain": gain, "n": n_test,
            "statistic": stat, "p": p, "p_adjusted": p_holm, "estimate": estimate,
            "ci_low": ci[0], "ci_high": ci[1], "yaml": _yaml_edge([u, v]), "note": note,
            "text": text + (f" {note}" if note else "")}


def _coefficient(data: SurveyData, child: str, parents: list[str]
                 ) -> tuple[float, tuple[float, float]]:
    """OLS coefficient of the last parent (and its 95 % interval) on complete rows."""
    from scipy import stats as sps

    cols = np.column_stack([data.column(c) for c in (*parents, child)])
    rows = cols[~np.isnan(cols).any(axis=1)]
    n, k = rows.shape[0], len(parents)
    if n < k + 2:
        return math.nan, (math.nan, math.nan)
    try:
        ols = ols_from_gram(centred_cross_products(rows), [*parents, child])
    except DataValidationError:  # constant or collinear: no estimate
        return math.nan, (math.nan, math.nan)
    s2 = ols.rss / (n - k - 1)
    se = math.sqrt(s2 * float(ols.inverse[k - 1, k - 1]))
    q = float(sps.t.ppf(0.975, n - k - 1))
    b = float(ols.coef[k - 1])
    return b, (b - q * se, b + q * se)
