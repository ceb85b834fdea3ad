"""How long graphviz takes as maps grow, and how fast a map too large to draw is refused.

Usage: python benchmarks/render_limits.py [--sizes 100,200,400,800] [--refuse 5000]

Maps are journey-shaped (``_common.synthetic_journey``: touchpoints in stages with 1-3
parents each, factors, the outcome and one role per six nodes).  For each size the
script times building the DOT text and running graphviz ``dot -Tsvg`` on it (one run;
the drawing limit is bypassed here so that sizes beyond it can be measured, with a
generous timeout), then the largest such map still drawn at the limits of
``journeymap.limits`` (``MAX_RENDER_NODES`` nodes, ``MAX_RENDER_EDGES`` edges), and the
time ``render`` takes to refuse a map of ``--refuse`` nodes (best of 5; loading and
validating the map is timed separately).  The largest map within the limits is also
fitted to 3,000 simulated responses and drawn with its figures (``--no-fit`` skips
it).  Prints a table and writes
benchmarks/results/render_limits.json.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import time
from typing import Any

from _common import best_of, environment, synthetic_journey, write


def _largest_within_limits() -> int:
    """The largest ``synthetic_journey`` size whose map is still drawn."""
    from journeymap import limits
    from journeymap.model import JourneyMap

    best = 10
    for n in range(10, limits.MAX_RENDER_NODES + 1, 5):
        m = JourneyMap.from_dict(synthetic_journey(n))
        if len(m.nodes) <= limits.MAX_RENDER_NODES and len(m.edges) <= limits.MAX_RENDER_EDGES:
            best = n
    return best


def _dot_row(n: int, timeout: float) -> dict[str, Any]:
    from journeymap import limits
    from journeymap.exceptions import RenderError
    from journeymap.model import JourneyMap
    from journeymap.render import graph, to_dot

    m = JourneyMap.from_dict(synthetic_journey(n))
    t = time.perf_counter()
    dot = to_dot(m)
    t_dot = time.perf_counter() - t
    t = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        graph._run_dot(dot.encode("utf-8"), "svg", timeout)
        t_graphviz: float | None = time.perf_counter() - t
    except RenderError:  # did not finish within the benchmark's own timeout
        t_graphviz = None
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    drawn = len(m.nodes) <= limits.MAX_RENDER_NODES and len(m.edges) <= limits.MAX_RENDER_EDGES
    return {"size": n, "nodes": len(m.nodes), "edges": len(m.edges), "dot_bytes": len(dot),
            "to_dot_s": t_dot, "graphviz_s": t_graphviz, "graphviz_cpu_s": cpu,
            "drawn_at_limits": drawn}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", default="100,200,400,800")
    ap.add_argument("--refuse", type=int, default=5000)
    ap.add_argument("--no-fit", action="store_true",
                    help="skip drawing the largest map with the figures of a fit")
    ap.add_argument("--timeout", type=float, default=120.0,
                    help="seconds graphviz may take per size in this benchmark")
    args = ap.parse_args()

    from journeymap import limits
    from journeymap.exceptions import MapTooLargeError
    from journeymap.model import JourneyMap
    from journeymap.render import graph, render

    sizes = [int(s) for s in args.sizes.split(",") if s]
    largest = _largest_within_limits()
    rows = [_dot_row(n, args.timeout) for n in sorted({*sizes, largest})]

    fitted: dict[str, Any] | None = None
    if not args.no_fit:
        import journeymap as jm
        from journeymap.datasets import simulate

        m = JourneyMap.from_dict(synthetic_journey(largest))
        result = jm.fit(m, simulate(m, 3000, seed=1).data)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        svg = render(m, result, format="svg")
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        fitted = {"nodes": len(m.nodes), "edges": len(m.edges), "svg_bytes": len(svg),
                  "render_s": wall, "graphviz_cpu_s": (after.ru_utime - before.ru_utime)
                  + (after.ru_stime - before.ru_stime)}

    t = time.perf_counter()
    big = JourneyMap.from_dict(synthetic_journey(args.refuse))
    t_load = time.perf_counter() - t

    def refuse() -> None:
        try:
            render(big, format="svg")
        except MapTooLargeError:
            return
        raise AssertionError("the large map was drawn")

    refuse_best, refuse_median = best_of(refuse, 5)
    role = big.roles[0].id

    def refuse_role() -> None:
        try:
            render(big, role=role, format="svg")
        except MapTooLargeError:
            return

    role_best, role_median = best_of(refuse_role, 3)
    try:
        render(big, role=role, format="dot")
        role_routes = len(graph._context(big, None, role, 30).on_path)
    except MapTooLargeError:  # pragma: no cover - format dot is never refused
        role_routes = -1
    role_refused = role_routes > limits.MAX_RENDER_NODES

    version = subprocess.run(["dot", "-V"], capture_output=True, text=True,
                             check=False).stderr.strip()
    print(f"{version}; limits: {limits.MAX_RENDER_NODES} nodes, {limits.MAX_RENDER_EDGES:,} "
          f"edges, {limits.RENDER_TIMEOUT_S:g} s timeout")
    print(f"{'size':>6}{'nodes':>7}{'edges':>7}{'DOT KB':>8}{'to_dot s':>10}"
          f"{'dot wall s':>12}{'dot CPU s':>11}  drawn")
    for r in rows:
        g = "—" if r["graphviz_s"] is None else f"{r['graphviz_s']:.2f}"
        print(f"{r['size']:>6}{r['nodes']:>7}{r['edges']:>7}{r['dot_bytes'] / 1000:>8.0f}"
              f"{r['to_dot_s']:>10.3f}{g:>12}{r['graphviz_cpu_s']:>11.2f}  "
              f"{'yes' if r['drawn_at_limits'] else 'refused'}")
    print(f"largest journey map drawn at the limits: size {largest}")
    if fitted is not None:
        print(f"  with the figures of a fit: render {fitted['render_s']:.2f} s "
              f"(graphviz CPU {fitted['graphviz_cpu_s']:.2f} s), "
              f"SVG {fitted['svg_bytes'] / 1e6:.1f} MB")
    print(f"{len(big.nodes):,}-node map ({len(big.edges):,} edges): load + validate "
          f"{t_load:.2f} s; render refuses it in {refuse_best * 1000:.3f} ms (best of 5); "
          f"role '{role}' view ({role_routes:,} nodes on its routes) "
          f"{'refused' if role_refused else 'drawn'} in {role_best:.3f} s (best of 3)")
    env = environment()
    env["graphviz"] = version
    path = write("render_limits", {
        "environment": env,
        "limits": {"max_render_nodes": limits.MAX_RENDER_NODES,
                   "max_render_edges": limits.MAX_RENDER_EDGES,
                   "max_dot_bytes": limits.MAX_DOT_BYTES,
                   "render_timeout_s": limits.RENDER_TIMEOUT_S},
        "sizes": rows, "largest_drawn_size": largest, "largest_fitted": fitted,
        "refuse": {"size": args.refuse, "nodes": len(big.nodes), "edges": len(big.edges),
                   "load_s": t_load, "refuse_best_s": refuse_best,
                   "refuse_median_s": refuse_median, "role_view_best_s": role_best,
                   "role_view_median_s": role_median,
                   "role_routes_nodes": role_routes, "role_view_refused": role_refused}})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
