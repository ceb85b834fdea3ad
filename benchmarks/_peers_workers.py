"""The tools compared by benchmarks/peers.py: each fits a journey map and gives every total effect.

Each ``run_<tool>`` is called in a child process of its own with the survey already
in memory (untimed) and returns the timed work — fit plus every measured node's
total effect on LTR — with the coefficients it estimated (``"parent->child"``) and
the totals (``node → T``), so the parent can compare them with the numpy limit.
Totals from coefficients are column ``ltr`` of ``(I − B)^-1`` with ``B[p, c]`` the
coefficient of parent ``p`` in the equation of child ``c``.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

OUTCOME = "ltr"
Timed = dict[str, Any]


def equations(journey_map: Any) -> list[tuple[str, list[str]]]:
    """(child column, parent columns) of every measured node with measured parents."""
    out = []
    for node_id in journey_map.topological_order:
        node = journey_map.node(node_id)
        if not node.measured:
            continue
        parents = [journey_map.node(p).column for p in journey_map.parents(node_id)
                   if journey_map.node(p).measured]
        if parents:
            out.append((node.column, parents))
    return out


def totals_from(coefs: dict[str, float], columns: list[str]) -> dict[str, float]:
    """Every column's total effect on LTR: column ``ltr`` of ``(I − B)^-1``."""
    index = {c: i for i, c in enumerate(columns)}
    B = np.zeros((len(columns), len(columns)))
    for key, b in coefs.items():
        p, c = key.split("->")
        B[index[p], index[c]] = b
    T = np.linalg.inv(np.eye(len(columns)) - B)[:, index[OUTCOME]]
    return {c: float(T[index[c]]) for c in columns if c != OUTCOME}


def best_time(fn: Callable[[], Any], *, slow: float = 10.0, budget: float = 1.0,
              most: int = 15) -> tuple[Any, list[float]]:
    """Run ``fn`` at least 3 times, more while the total stays under ``budget`` seconds.

    A run of ``slow`` seconds or more is not repeated.  Returns the last result and every
    time (the best is reported).  No warm-up run: a tool's first call counts like any.
    """
    times: list[float] = []
    result = None
    while len(times) < most:
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
        if times[-1] >= slow or (len(times) >= 3 and sum(times) >= budget):
            break
    return result, times


# ----------------------------------------------------------------------------- tools


def run_numpy(df: pd.DataFrame, journey_map: Any, **_: Any) -> Timed:
    """The numpy limit: ``X.T @ X``, one solve per equation, totals via ``(I − B)^-1``."""
    cols = list(df.columns)
    X = np.ascontiguousarray(df.to_numpy(np.float64))
    idx = {c: i for i, c in enumerate(cols)}
    eqs = [(idx[c], [idx[p] for p in ps]) for c, ps in equations(journey_map)]
    k = idx[OUTCOME]

    def work() -> tuple[np.ndarray, np.ndarray]:
        n = X.shape[0]
        s = np.ones(n) @ X  # column sums (BLAS; faster than X.sum(axis=0) on C order)
        S = X.T @ X - np.outer(s, s) / n
        B = np.zeros((len(cols), len(cols)))
        for c, ps in eqs:
            B[ps, c] = np.linalg.solve(S[np.ix_(ps, ps)], S[ps, c])
        return B, np.linalg.inv(np.eye(len(cols)) - B)[:, k]

    (B, T), times = best_time(work)
    coefs = {f"{cols[p]}->{cols[c]}": float(B[p, c]) for c, ps in eqs for p in ps}
    return {"times": times, "coefs": coefs,
            "totals": {c: float(T[idx[c]]) for c in cols if c != OUTCOME}}


def _journeymap_records(result: Any, journey_map: Any) -> tuple[dict[str, float],
                                                                dict[str, float]]:
    column = {n.id: n.column for n in journey_map.measured_nodes}
    coefs = {f"{column[e['from']]}->{column[e['to']]}": e["estimate"]
             for e in result.edge_records if e["estimate"] is not None}
    totals = {column[e["node"]]: e["total"] for e in result.effect_records}
    return coefs, totals


def run_journeymap(df: pd.DataFrame, journey_map: Any, **_: Any) -> Timed:
    """``LinearEngine().fit(m, load_survey(df, m))``: the fit timed on prepared SurveyData.

    The fit computes every edge (se, CI, p, standardized), every total with its delta-
    method interval, NPS points of every node and role, and all role paths.  ``load_fit``
    times ``load_survey`` (every data check) plus the fit from the DataFrame.
    """
    from journeymap.data import load_survey
    from journeymap.engines import LinearEngine

    data = load_survey(df, journey_map)
    engine, times = best_time(lambda: LinearEngine().fit(journey_map, data))
    _, load_fit = best_time(lambda: LinearEngine().fit(journey_map, load_survey(df, journey_map)))
    coefs, totals = _journeymap_records(engine.result_, journey_map)
    return {"times": times, "extra_times": {"load_fit": load_fit}, "coefs": coefs,
            "totals": totals}


def run_journeymap_stream(df: pd.DataFrame | None, journey_map: Any, *, parquet: Path,
                          chunk_rows: int | None = None, **_: Any) -> Timed:
    """``fit_stream(m, parquet)``: read, check and fit chunk by chunk (nothing preloaded)."""
    from journeymap.engines import fit_stream

    kw = {} if chunk_rows is None else {"chunk_rows": chunk_rows}
    result, times = best_time(lambda: fit_stream(journey_map, parquet, **kw))
    coefs, totals = _journeymap_records(result, journey_map)
    return {"times": times, "coefs": coefs, "totals": totals}


def run_semopy(df: pd.DataFrame, journey_map: Any, **_: Any) -> Timed:
    """``semopy.Model(lavaan).fit(df)`` (ML, its defaults), totals from its estimates."""
    import semopy

    eqs = equations(journey_map)
    desc = "\n".join(f"{c} ~ {' + '.join(ps)}" for c, ps in eqs)
    cols = list(df.columns)

    def work() -> dict[str, float]:
        model = semopy.Model(desc)
        model.fit(df)
        est = model.inspect()
        reg = est[est["op"] == "~"]
        coefs = {f"{r}->{lv}": float(b) for lv, r, b in
                 zip(reg["lval"], reg["rval"], reg["Estimate"], strict=True)}
        return {"coefs": coefs, "totals": totals_from(coefs, cols)}

    out, times = best_time(work)
    return {"times": times, **out}


def run_pgmpy(df: pd.DataFrame, journey_map: Any, **_: Any) -> Timed:
    """pgmpy ``LinearGaussianBayesianNetwork(edges).fit(df)``; totals from CPD coefficients."""
    import pgmpy
    from pgmpy.models import LinearGaussianBayesianNetwork

    logging.getLogger("pgmpy").setLevel(logging.ERROR)
    pgmpy.config.set_show_progress(False)
    edges = [(p, c) for c, ps in equations(journey_map) for p in ps]
    cols = list(df.columns)

    def work() -> dict[str, Any]:
        model = LinearGaussianBayesianNetwork(edges)
        model.add_nodes_from(cols)
        model.fit(df)
        coefs = {}
        for cpd in model.get_cpds():
            for p, b in zip(cpd.evidence, cpd.beta[1:], strict=True):
                coefs[f"{p}->{cpd.variable}"] = float(b)
        return {"coefs": coefs, "totals": totals_from(coefs, cols)}

    out, times = best_time(work)
    return {"times": times, **out}


def run_dowhy(df: pd.DataFrame, journey_map: Any, **_: Any) -> Timed:
    """DoWhy GCM: explicit linear mechanisms, ``gcm.fit``, ``gcm.average_causal_effect`` per node.

    Roots get ``EmpiricalDistribution``, other nodes ``AdditiveNoiseModel`` with a linear
    regressor (OLS).  The effect of a node is ``average_causal_effect`` of ``x → x + 1``
    against ``x → x`` on the observed rows; DoWhy redraws the noise of every downstream
    node, so these totals carry Monte-Carlo error.  ``coef_totals`` are the totals from
    its fitted coefficients via ``(I − B)^-1``.  A node without a path to LTR (the
    synthetic maps have a few) has total 0; DoWhy refuses the query, so it is not asked.
    """
    import networkx as nx
    from dowhy import gcm
    from dowhy.graph import get_ordered_predecessors

    gcm.config.disable_progress_bars()
    logging.getLogger("dowhy").setLevel(logging.ERROR)
    edges = [(p, c) for c, ps in equations(journey_map) for p in ps]
    cols = list(df.columns)
    causes = [c for c in cols if c != OUTCOME]
    times: dict[str, list[float]] = {"fit_only": [], "effects_only": []}

    def work() -> dict[str, Any]:
        t0 = time.perf_counter()
        scm = gcm.StructuralCausalModel(nx.DiGraph(edges))
        for node in scm.graph.nodes:
            if scm.graph.in_degree(node) == 0:
                scm.set_causal_mechanism(node, gcm.EmpiricalDistribution())
            else:
                scm.set_causal_mechanism(node, gcm.AdditiveNoiseModel(
                    gcm.ml.create_linear_regressor()))
        gcm.fit(scm, df)
        times["fit_only"].append(time.perf_counter() - t0)
        coefs = {}
        for node in scm.graph.nodes:
            if scm.graph.in_degree(node) == 0:
                continue
            sk = scm.causal_mechanism(node).prediction_model.sklearn_model
            for p, b in zip(get_ordered_predecessors(scm.graph, node), sk.coef_, strict=True):
                coefs[f"{p}->{node}"] = float(b)
        t1 = time.perf_counter()
        ancestors = nx.ancestors(scm.graph, OUTCOME)
        totals = {}
        for node in causes:
            if node not in ancestors:  # no path to LTR: DoWhy rejects the query; T = 0
                totals[node] = 0.0
                continue
            totals[node] = float(gcm.average_causal_effect(
                scm, OUTCOME, interventions_alternative={node: lambda x: x + 1},
                interventions_reference={node: lambda x: x}, observed_data=df))
        times["effects_only"].append(time.perf_counter() - t1)
        return {"coefs": coefs, "totals": totals, "coef_totals": totals_from(coefs, cols)}

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out, all_times = best_time(work)
    return {"times": all_times, "extra_times": times, **out}


TOOLS: dict[str, Callable[..., Timed]] = {
    "numpy": run_numpy,
    "journeymap": run_journeymap,
    "journeymap_stream": run_journeymap_stream,
    "semopy": run_semopy,
    "pgmpy": run_pgmpy,
    "dowhy": run_dowhy,
}

PACKAGES = {"numpy": "numpy", "journeymap": "journeymap", "journeymap_stream": "pyarrow",
            "semopy": "semopy", "pgmpy": "pgmpy", "dowhy": "dowhy"}
IMPORTS = {"semopy": "semopy", "pgmpy": "pgmpy.models", "dowhy": "dowhy.gcm"}
