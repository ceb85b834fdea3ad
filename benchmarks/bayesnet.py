"""Speed of the bayesnet engine against pgmpy: fitting the tables, and intervention queries.

Usage: python benchmarks/bayesnet.py [--rows 1000000] [--nodes 10] [--repeat 3] [--queries 500]

The journey is ``synthetic_journey(nodes)`` (touchpoints 1–5, factors 1–7, LTR 0–10 with
11 states; the outcome has 6 parents, 42,875 parent combinations) with data simulated by
``journeymap.simulate`` (whole-number ratings, complete).  Prints a table and writes
benchmarks/results/bayesnet.json with the environment.

* **pgmpy fit**: ``DiscreteBayesianNetwork(edges).fit(df, estimator=
  DiscreteBayesianEstimator(prior_type="BDeu", equivalent_sample_size=10,
  state_names=…))`` on the integer DataFrame.
* **journeymap tables → pgmpy model**: the same fitted ``DiscreteBayesianNetwork`` (BDeu
  tables, same state names; equal to pgmpy's to 1e-10, see tests/test_bayesnet.py) from
  the checked data: states, counts by ``np.bincount``, tables, ``TabularCPD`` objects.
* **journeymap engine fit, no intervals**: ``BayesNetEngine(draws=0).fit`` — tables and
  every effect, role and edge record (no pgmpy object).
* **journeymap engine fit (default)**: the same with 200 posterior draws for the intervals
  (and with 100 draws).
* **queries** (median of many): ``P(LTR | do(X = x))`` for every state x of a node with
  parents (our contraction vs pgmpy ``model.do([X])`` + ``VariableElimination``, one x per
  query, as a user would call it), and the NPS-point shift effect of X (point only, and
  with its 200 posterior draws).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

from _common import best_of, environment, synthetic_journey, write


def median_ms(fn: Callable[[], Any], n: int) -> float:
    fn()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1000 * statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--nodes", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--queries", type=int, default=500)
    args = ap.parse_args()

    import pgmpy

    from journeymap import JourneyMap, simulate
    from journeymap.data import load_survey
    from journeymap.engines.bayesnet import BayesNetEngine, quiet_pgmpy

    t0 = time.perf_counter()
    with quiet_pgmpy():
        from pgmpy.inference import VariableElimination
        from pgmpy.models import DiscreteBayesianNetwork
        from pgmpy.parameter_estimator import DiscreteBayesianEstimator
    import_s = time.perf_counter() - t0

    m = JourneyMap.from_dict(synthetic_journey(args.nodes))
    sim = simulate(m, args.rows, seed=1, missing={})
    data = load_survey(sim.data, m)
    measured = [n.id for n in m.measured_nodes]
    frame = sim.data[[m.node(n).column or n for n in measured]].astype("int64")
    frame.columns = measured
    edges = [(e.source, e.target) for e in m.edges
             if m.node(e.source).measured and m.node(e.target).measured]
    eng = BayesNetEngine(draws=0)
    state_names = {n: list(s.names) for n, s in eng.fit_network(m, data)[0].states.items()}

    def pgmpy_fit() -> Any:
        with quiet_pgmpy():
            model = DiscreteBayesianNetwork(edges)
            return model.fit(frame, estimator=DiscreteBayesianEstimator(
                prior_type="BDeu", equivalent_sample_size=10, state_names=state_names))

    def tables_to_pgmpy() -> Any:
        return BayesNetEngine(draws=0).fit_network(m, data)[0].to_pgmpy()

    def engine_no_draws() -> None:
        BayesNetEngine(draws=0).fit(m, data)

    def engine_default() -> None:
        BayesNetEngine().fit(m, data)

    def engine_100() -> None:
        BayesNetEngine(draws=100).fit(m, data)

    timings = {}
    for name, fn in (("pgmpy fit (BDeu, state_names)", pgmpy_fit),
                     ("journeymap tables → pgmpy model", tables_to_pgmpy),
                     ("journeymap engine fit, no intervals", engine_no_draws),
                     ("journeymap engine fit (100 draws)", engine_100),
                     ("journeymap engine fit (200 draws, default)", engine_default)):
        timings[name] = best_of(fn, args.repeat)

    # ------------------------------------------------------------------ queries
    node = "f0"  # a factor with parents, upstream of the outcome through two routes
    point = BayesNetEngine(draws=0).fit(m, data).state_
    full = BayesNetEngine().fit(m, data).state_
    model = point.to_pgmpy()
    names = point.states[node].names
    state_index = len(names) // 2

    def pgmpy_do_query() -> Any:
        with quiet_pgmpy():
            return VariableElimination(model.do([node])).query(
                ["nps"], evidence={node: names[state_index]}, show_progress=False)

    with quiet_pgmpy():
        ve_do = VariableElimination(model.do([node]))

    def pgmpy_cached_query() -> Any:
        with quiet_pgmpy():
            return ve_do.query(["nps"], evidence={node: names[state_index]},
                               show_progress=False)

    queries = {
        "ours: P(LTR | do(X=x)) for all x": median_ms(lambda: point.interventional(node),
                                                      args.queries),
        "ours: NPS-point shift effect of X": median_ms(lambda: point.total({node: 1.0}),
                                                       args.queries),
        "ours: shift effect with 200 draws": median_ms(lambda: full.total({node: 1.0}),
                                                       max(20, args.queries // 10)),
        "pgmpy: model.do + VE query, one x": median_ms(pgmpy_do_query,
                                                       max(20, args.queries // 10)),
        "pgmpy: cached do-model VE query, one x": median_ms(pgmpy_cached_query,
                                                            max(20, args.queries // 10)),
    }
    pg = timings["pgmpy fit (BDeu, state_names)"][0]
    print(f"{args.nodes} measured nodes × {args.rows:,} rows; best / median of {args.repeat}")
    print(f"{'fit':<44}{'best s':>10}{'median s':>10}{'× pgmpy':>10}")
    for name, (b, md) in timings.items():
        print(f"{name:<44}{b:>10.3f}{md:>10.3f}{b / pg:>10.2f}")
    print(f"{'query (median)':<44}{'ms':>10}")
    for name, ms in queries.items():
        print(f"{name:<44}{ms:>10.3f}")
    print(f"{'import pgmpy models+inference (s)':<44}{import_s:>10.3f}")
    path = write("bayesnet", {
        "environment": {**environment(), "pgmpy": pgmpy.__version__},
        "rows": args.rows, "nodes": args.nodes, "repeat": args.repeat,
        "outcome_parent_combinations": int(point.counts["nps"][0].size),
        "fit_s": {k: {"best": b, "median": md, "ratio_to_pgmpy_best": b / pg}
                  for k, (b, md) in timings.items()},
        "query_ms_median": queries, "query_node": node,
        "pgmpy_import_s": import_s})
    print(f"wrote {path}")


if __name__ == "__main__":
    with warnings.catch_warnings():
        main()
