"""journeymap against the numpy limit and peer libraries: fit + every node's total effect.

Usage: python benchmarks/peers.py [--nodes 10 30 100] [--rows 10000 100000 1000000]
       [--tools numpy journeymap journeymap_stream semopy pgmpy dowhy] [--timeout 600]

For each map size (``synthetic_journey(nodes)``) and number of rows, one data set is
drawn with ``journeymap.simulate(m, rows, seed, discrete=True)`` (integer ratings, LTR
0–10, no missing values) and written to Parquet; every tool then runs in a subprocess
of its own on the same data and is timed on "fit + every measured node's total effect
on LTR" (the data already in memory, untimed — except ``journeymap_stream``, which
reads the Parquet file chunk by chunk, and ``journeymap``'s separate ``load+fit``):

* ``numpy`` — the limit: ``X.T @ X``, one solve per equation, totals via ``(I − B)^-1``;
* ``journeymap`` — ``LinearEngine().fit(m, load_survey(df, m))`` timed on the prepared
  SurveyData; it also computes standard errors, intervals, NPS points and role paths;
* ``journeymap_stream`` — ``journeymap.engines.fit_stream(m, parquet)``;
* ``semopy`` — ``semopy.Model(lavaan).fit(df)``, totals from its estimates;
* ``pgmpy`` — ``LinearGaussianBayesianNetwork.fit(df)``, totals from CPD coefficients;
* ``dowhy`` — GCM with explicit linear mechanisms, ``gcm.fit``, and
  ``gcm.average_causal_effect`` (x → x + 1) for every node.

Every child runs with ``--blas-threads`` BLAS threads (default 1: the machine these
numbers come from has 2 cores shared with other jobs, where two OpenBLAS threads made
``X.T @ X`` erratic).  Times are the best of at least three runs (more while they take
under 1 s in all; one when a run takes 10 s or more).  Peak memory is the child's
``VmHWM`` (MB = 10⁶ bytes; it includes Python, the imports and the data held as a
DataFrame).  Coefficients and totals are compared with the numpy
limit (max absolute difference).  A child that runs past ``--timeout`` is killed and
recorded as "timeout"; a tool that does not import is "unavailable".

Writes benchmarks/results/peers.json (with the environment and package versions) and
benchmarks/results/peers.md.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from importlib import import_module
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from _child import emit, memory_mb, run_child

from _common import RESULTS, environment, synthetic_journey, write

SCRIPT = str(Path(__file__).resolve())
ALL_TOOLS = ["numpy", "journeymap", "journeymap_stream", "semopy", "pgmpy", "dowhy"]
LABEL = {"numpy": "numpy limit", "journeymap": "journeymap (fit on SurveyData)",
         "journeymap_load_fit": "journeymap load_survey + fit",
         "journeymap_stream": "journeymap fit_stream (Parquet)", "semopy": "semopy",
         "pgmpy": "pgmpy LinearGaussianBN", "dowhy": "DoWhy GCM (fit + all ACE)",
         "dowhy_fit": "DoWhy GCM fit only"}
VERSIONED = ["numpy", "pandas", "scipy", "pyarrow", "duckdb", "semopy", "pgmpy", "dowhy",
             "scikit-learn", "networkx", "statsmodels"]


def journey(nodes: int) -> Any:
    from journeymap import JourneyMap

    return JourneyMap.from_dict(synthetic_journey(nodes))


def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in VERSIONED:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


# ---------------------------------------------------------------------- children


def child_prepare(args: argparse.Namespace) -> None:
    """Draw the data (discrete, complete) once and write it as Parquet."""
    import pyarrow.parquet as pq

    from journeymap import simulate

    path = Path(args.data)
    params = {"nodes": args.nodes[0], "rows": args.rows[0], "seed": args.seed}
    try:
        stored = json.loads((pq.read_schema(path).metadata or {})[b"journeymap_bench"])
    except (OSError, KeyError, ValueError):
        stored = None
    if stored != params:
        m = journey(args.nodes[0])
        sim = simulate(m, args.rows[0], seed=args.seed, discrete=True)
        cols = [n.column for n in m.measured_nodes]
        df = sim.data[cols].astype("int64")
        import pyarrow as pa

        table = pa.Table.from_pandas(df, preserve_index=False)
        table = table.replace_schema_metadata({**(table.schema.metadata or {}),
                                               b"journeymap_bench": json.dumps(params)})
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path)
    emit(args.out, {"path": str(path)})


def child_tool(args: argparse.Namespace) -> None:
    """Run one tool on one data set; emit its times, coefficients and totals."""
    from _peers_workers import IMPORTS, TOOLS

    tool = args.child_tool
    try:
        if tool in IMPORTS:
            import_module(IMPORTS[tool])
    except Exception as exc:  # any import failure makes the tool unavailable
        emit(args.out, {"status": "unavailable", "error": f"{type(exc).__name__}: {exc}"})
        return
    import pandas as pd

    m = journey(args.nodes[0])
    df = None
    if tool != "journeymap_stream":
        df = pd.read_parquet(args.data)
        if tool not in ("journeymap",):
            df = df.astype("float64")  # peers and the numpy limit get floats
    after_load = memory_mb("VmRSS")
    out = TOOLS[tool](df, m, parquet=Path(args.data), chunk_rows=args.chunk_rows)
    emit(args.out, {"status": "ok", "rss_after_load_mb": after_load,
                    "vmhwm_mb": memory_mb("VmHWM"), **out})


# ---------------------------------------------------------------------- parent


def max_abs_diff(a: dict[str, float], b: dict[str, float]) -> float:
    if set(a) != set(b):
        return math.inf
    return max((abs(a[k] - b[k]) for k in a), default=0.0)


def fmt(x: float | None, spec: str) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


def fmt_time(t: float | None) -> str:
    return "–" if t is None else f"{t:.4f}" if t < 1 else f"{t:.2f}"


def cell_rows(cell: dict[str, Any]) -> list[dict[str, Any]]:
    """One table row per timing: a tool, plus journeymap's load+fit and DoWhy's fit only."""
    rows = []
    base = cell["tools"].get("numpy", {}).get("time_s")
    for tool, rec in cell["tools"].items():
        entries = [(tool, rec.get("time_s"))]
        if tool == "journeymap" and rec.get("load_fit_s") is not None:
            entries.append(("journeymap_load_fit", rec["load_fit_s"]))
        if tool == "dowhy" and rec.get("fit_only_s") is not None:
            entries.append(("dowhy_fit", rec["fit_only_s"]))
        for name, t in entries:
            rows.append({"name": name, "status": rec["status"], "time_s": t,
                         "ratio": t / base if t is not None and base else None,
                         "peak_mb": rec.get("peak_mb"), "coef_diff": rec.get("coef_diff"),
                         "total_diff": rec.get("total_diff")
                         if name not in ("dowhy_fit",) else None})
    return rows


def markdown(payload: dict[str, Any]) -> str:
    lines = ["# journeymap against the numpy limit and peers",
             "",
             "Fit + every measured node's total effect on LTR, on the same data "
             "(`synthetic_journey(nodes)`, `simulate(discrete=True)`, no missing values). "
             "Time: best of ≥ 3 runs (one when a run takes ≥ 10 s), seconds; "
             "× numpy: time / numpy limit; peak: the child process's VmHWM in MB "
             "(Python, imports and the DataFrame included; `fit_stream` never loads "
             "the data); Δcoef / Δtotal: max absolute difference from the numpy limit "
             "(DoWhy's totals are Monte-Carlo `average_causal_effect`). "
             f"BLAS threads per child: {payload['blas_threads']}. "
             "Timeouts per tool and cell: " + ", ".join(
                 f"{k} {v:.0f} s" for k, v in payload["timeouts_s"].items()) + ".",
             ""]
    env = payload["environment"]
    lines += [f"Machine: {env['cpus']} CPUs, {env['platform']}, Python {env['python']}; "
              f"{', '.join(f'{k} {v}' for k, v in payload['versions'].items() if v)}.", ""]
    for cell in payload["cells"]:
        lines += [f"## {cell['nodes']} nodes ({cell['columns']} columns, {cell['equations']} "
                  f"equations) × {cell['rows']:,} rows", "",
                  "| tool | time s | × numpy | peak MB | Δcoef | Δtotal |",
                  "|---|---:|---:|---:|---:|---:|"]
        for r in cell_rows(cell):
            if r["status"] != "ok":
                extra = f" ({r['time_s']:.0f} s)" if r["status"] == "timeout" and r[
                    "time_s"] else ""
                lines.append(f"| {LABEL[r['name']]} | {r['status']}{extra} | – | "
                             f"{fmt(r['peak_mb'], '.0f')} | – | – |")
                continue
            lines.append(f"| {LABEL[r['name']]} | {fmt_time(r['time_s'])} | "
                         f"{fmt(r['ratio'], '.2f')} | {fmt(r['peak_mb'], '.0f')} | "
                         f"{fmt(r['coef_diff'], '.1e')} | {fmt(r['total_diff'], '.1e')} |")
        lines.append("")
    lines += ["## Targets", ""] + [f"- {t}" for t in payload["targets"]] + [""]
    return "\n".join(lines)


def targets(cells: list[dict[str, Any]]) -> list[str]:
    """The targets of issue 5, checked on every cell that has the tools."""
    out = []
    for cell in cells:
        t = cell["tools"]
        where = f"{cell['nodes']} nodes × {cell['rows']:,}"

        def ok(tool: str, tools: dict[str, Any] = t) -> bool:
            return tools.get(tool, {}).get("status") == "ok"

        if ok("numpy") and ok("journeymap"):
            r = t["journeymap"]["time_s"] / t["numpy"]["time_s"]
            out.append(f"{where}: in memory {r:.2f}× the numpy limit (target ≤ 2×): "
                       f"{'met' if r <= 2 else 'NOT met'}")
        if ok("numpy") and ok("journeymap_stream"):
            r = t["journeymap_stream"]["time_s"] / t["numpy"]["time_s"]
            out.append(f"{where}: streaming {r:.2f}× the numpy limit (target ≤ 3×): "
                       f"{'met' if r <= 3 else 'NOT met'}")
        for peer, goal in (("semopy", 8), ("pgmpy", None), ("dowhy", 100)):
            if not ok("journeymap"):
                continue
            rec = t.get(peer, {})
            if rec.get("status") == "ok":
                r = rec["time_s"] / t["journeymap"]["time_s"]
                verdict = "" if goal is None else (
                    f" (target ≥ {goal}×: {'met' if r >= goal else 'NOT met'})")
                out.append(f"{where}: journeymap {r:.0f}× faster than {peer}{verdict}")
            elif rec.get("status") == "timeout" and goal is not None:
                r = rec["time_s"] / t["journeymap"]["time_s"]
                out.append(f"{where}: {peer} timed out after {rec['time_s']:.0f} s: journeymap "
                           f"> {r:.0f}× faster (target ≥ {goal}×)")
    streams: dict[int, list[tuple[int, float]]] = {}
    for cell in cells:
        rec = cell["tools"].get("journeymap_stream", {})
        if rec.get("status") == "ok":
            streams.setdefault(cell["nodes"], []).append((cell["rows"], rec["peak_mb"]))
    for nodes, peaks in sorted(streams.items()):
        if len(peaks) > 1:
            shown = ", ".join(f"{r:,}: {p:.0f} MB" for r, p in sorted(peaks))
            out.append(f"streaming peak memory at {nodes} nodes by rows: {shown}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodes", type=int, nargs="+", default=[30])
    ap.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--tools", nargs="+", choices=ALL_TOOLS, default=ALL_TOOLS)
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per tool and cell")
    ap.add_argument("--tool-timeout", nargs="+", default=[], metavar="TOOL=SECONDS",
                    help="a different timeout for some tools, e.g. dowhy=300")
    ap.add_argument("--blas-threads", type=int, default=1,
                    help="BLAS/OpenMP threads in every child (default 1; 0 = as installed). "
                         "On a shared 2-core machine multi-threaded OpenBLAS is erratic "
                         "(X.T @ X of 1 M × 100 took 0.5 s or 15 s)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--chunk-rows", type=int, default=None,
                    help="fit_stream chunk size (default: the library's)")
    ap.add_argument("--data-dir", type=Path, default=Path("/tmp/journeymap_peers"))
    ap.add_argument("--name", default="peers", help="results file name (default peers)")
    ap.add_argument("--child", choices=["prepare", "tool"], help=argparse.SUPPRESS)
    ap.add_argument("--child-tool", help=argparse.SUPPRESS)
    ap.add_argument("--data", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child == "prepare":
        child_prepare(args)
        return
    if args.child == "tool":
        child_tool(args)
        return

    tools = ["numpy", *[t for t in args.tools if t != "numpy"]]  # the reference first
    timeouts = dict.fromkeys(tools, args.timeout)
    for item in args.tool_timeout:
        name, _, seconds = item.partition("=")
        if name not in timeouts:
            ap.error(f"--tool-timeout: unknown tool {name!r}")
        timeouts[name] = float(seconds)
    threads_env = {} if args.blas_threads <= 0 else dict.fromkeys(
        ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"), str(args.blas_threads))
    unavailable: dict[str, str] = {}
    cells: list[dict[str, Any]] = []
    started = time.perf_counter()
    payload: dict[str, Any] = {}
    for nodes in args.nodes:
        m = journey(nodes)
        n_cols = len(m.measured_nodes)
        n_eqs = sum(1 for n in m.measured_nodes
                    if any(m.node(p).measured for p in m.parents(n.id)))
        for rows in args.rows:
            data = args.data_dir / f"journey{nodes}_rows{rows}_seed{args.seed}.parquet"
            common = ["--nodes", str(nodes), "--rows", str(rows), "--seed", str(args.seed),
                      "--data", str(data)]
            prep = run_child([SCRIPT, "--child", "prepare", *common], args.timeout)
            if prep.status != "ok":
                sys.exit(f"could not write {data}: {prep.status}\n{prep.log}")
            cell: dict[str, Any] = {"nodes": nodes, "rows": rows, "columns": n_cols,
                                    "equations": n_eqs, "tools": {}}
            for tool in tools:
                if tool in unavailable:
                    cell["tools"][tool] = {"status": "unavailable", "error": unavailable[tool]}
                    continue
                argv = [SCRIPT, "--child", "tool", "--child-tool", tool, *common]
                if args.chunk_rows:
                    argv += ["--chunk-rows", str(args.chunk_rows)]
                run = run_child(argv, timeouts[tool], threads_env)
                res = run.result
                status = res.get("status", run.status)
                rec: dict[str, Any] = {"status": status, "process_wall_s": run.wall_s,
                                       "peak_mb": res.get("vmhwm_mb", run.hwm_mb or None),
                                       "ru_maxrss_mb": run.maxrss_mb}
                if status == "unavailable":
                    unavailable[tool] = res.get("error", "")
                    rec["error"] = unavailable[tool]
                elif status == "timeout":
                    rec["time_s"] = run.wall_s
                elif status == "error":
                    rec["error"] = run.log[-1500:]
                else:
                    times = res["times"]
                    rec.update(time_s=min(times), times_s=times,
                               rss_after_load_mb=res["rss_after_load_mb"],
                               coefs=res["coefs"], totals=res["totals"])
                    extra = res.get("extra_times", {})
                    if "load_fit" in extra:
                        rec["load_fit_s"] = min(extra["load_fit"])
                    if "fit_only" in extra:
                        rec["fit_only_s"] = min(extra["fit_only"])
                        rec["effects_only_s"] = min(extra["effects_only"])
                    if "coef_totals" in res:
                        rec["coef_totals"] = res["coef_totals"]
                    ref = cell["tools"].get("numpy", {})
                    if ref.get("status") == "ok":
                        rec["coef_diff"] = max_abs_diff(ref["coefs"], rec["coefs"])
                        rec["total_diff"] = max_abs_diff(ref["totals"], rec["totals"])
                        if "coef_totals" in rec:
                            rec["coef_total_diff"] = max_abs_diff(ref["totals"],
                                                                  rec["coef_totals"])
                cell["tools"][tool] = rec
                shown = (f"{rec['time_s']:.3f} s" if status == "ok" else status)
                peak, diff = fmt(rec["peak_mb"], ".0f"), fmt(rec.get("coef_diff"), ".1e")
                print(f"{nodes:>4} nodes × {rows:>9,} rows  {tool:<18} {shown:>12}  peak "
                      f"{peak:>5} MB  Δcoef {diff}  [{time.perf_counter() - started:.0f} s]",
                      flush=True)
                if status == "error":
                    print(run.log[-1500:], file=sys.stderr)
            cells.append(cell)
            payload = {"environment": environment(), "versions": versions(),
                       "timeout_s": args.timeout, "timeouts_s": timeouts, "seed": args.seed,
                       "blas_threads": args.blas_threads or "as installed",
                       "chunk_rows": args.chunk_rows, "cells": cells,
                       "unavailable": unavailable, "targets": targets(cells)}
            lean = json.loads(json.dumps(payload))
            for c in lean["cells"]:  # the JSON keeps coefficients of the reference only
                for name, r in c["tools"].items():
                    if name != "numpy":
                        for key in ("coefs", "totals", "coef_totals"):
                            r.pop(key, None)
            write(args.name, lean)
            (RESULTS / f"{args.name}.md").write_text(markdown(payload))
    print()
    print(markdown(payload))
    print(f"wrote {RESULTS / (args.name + '.json')} and {RESULTS / (args.name + '.md')} "
          f"in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
