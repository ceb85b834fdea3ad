"""Reading and checking survey files: CSV, TSV and Parquet, in memory and streamed.

Usage: python benchmarks/read_speed.py [--rows 1000000] [--nodes 30] [--missing 0.1]
       [--repeat 3] [--dir /tmp/journeymap_read]

Writes the same simulated responses (``synthetic_journey(--nodes)``, integer ratings, a
share ``--missing`` of ratings blank = not experienced) as CSV, TSV (semicolon-free) and
Parquet, then times, best of ``--repeat`` after one warm-up:

* in memory: ``load_survey(path, map)`` (read the file, apply every data check) and
  ``journeymap.fit(map, path)``;
* streamed: ``fit_stream(map, path)`` (read, check and fit chunk by chunk);
* for contrast, ``pandas.read_csv`` / ``pandas.read_parquet`` alone (no checks).

Every fit's estimates are compared with the in-memory fit of the Parquet file (max
relative difference of edge estimates, SEs and totals). Prints a table and writes
benchmarks/results/read_speed.json with the environment.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from _common import best_of, environment, synthetic_journey, write


def numbers(result: Any) -> np.ndarray:
    """Edge estimates and SEs and total effects of a FitResult, in a fixed order."""
    d = result.to_dict()
    out = [v for e in d["edges"] for v in (e.get("estimate"), e.get("se")) if v is not None]
    out += [e["total"] for e in d["effects"] if e.get("total") is not None]
    return np.array(out, dtype=float)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--nodes", type=int, default=30)
    ap.add_argument("--missing", type=float, default=0.1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/journeymap_read"))
    args = ap.parse_args()

    import pandas as pd

    import journeymap as jm
    from journeymap.data import load_survey
    from journeymap.engines import fit_stream

    m = jm.JourneyMap.from_dict(synthetic_journey(args.nodes))
    gaps = {n.id: args.missing for n in m.measured_nodes if n.id != m.outcome} \
        if args.missing else None
    df = jm.simulate(m, args.rows, seed=1, missing=gaps).data
    df = df[[c for n in m.measured_nodes for c in n.columns]]
    args.dir.mkdir(parents=True, exist_ok=True)
    paths = {"CSV": args.dir / "survey.csv", "TSV": args.dir / "survey.tsv",
             "Parquet": args.dir / "survey.parquet"}
    df.to_csv(paths["CSV"], index=False)
    df.to_csv(paths["TSV"], index=False, sep="\t")
    df.to_parquet(paths["Parquet"], index=False)

    reference = numbers(jm.fit(m, paths["Parquet"]))
    rows: list[dict[str, Any]] = []

    def run(fmt: str, what: str, fn: Any, check: bool) -> None:
        best, median = best_of(fn, args.repeat)
        diff = None
        if check:
            got = numbers(fn())
            diff = float(np.max(np.abs(got - reference) / np.maximum(np.abs(reference), 1e-12)))
        rows.append({"format": fmt, "what": what, "best_s": best, "median_s": median,
                     "max_rel_diff": diff,
                     "mb": paths[fmt].stat().st_size / 1e6})

    for fmt, path in paths.items():
        if fmt == "Parquet":
            run(fmt, "pandas.read_parquet (no checks)", lambda p=path: pd.read_parquet(p), False)
        else:
            sep = "\t" if fmt == "TSV" else ","
            run(fmt, "pandas.read_csv (no checks)",
                lambda p=path, s=sep: pd.read_csv(p, sep=s), False)
        run(fmt, "load_survey (read + checks)", lambda p=path: load_survey(p, m), False)
        run(fmt, "jm.fit in memory", lambda p=path: jm.fit(m, p), True)
        run(fmt, "fit_stream", lambda p=path: fit_stream(m, p), True)

    print(f"{args.rows:,} rows × {args.nodes} nodes, {args.missing:.0%} of ratings blank; "
          f"best / median of {args.repeat}")
    print(f"{'format':<9}{'MB':>7}  {'what':<34}{'best s':>9}{'median s':>10}{'Δ rel':>10}")
    for r in rows:
        diff = "" if r["max_rel_diff"] is None else f"{r['max_rel_diff']:.1e}"
        print(f"{r['format']:<9}{r['mb']:>7.1f}  {r['what']:<34}{r['best_s']:>9.3f}"
              f"{r['median_s']:>10.3f}{diff:>10}")
    path = write("read_speed", {"environment": environment(), "rows": args.rows,
                                "nodes": args.nodes, "missing": args.missing,
                                "repeat": args.repeat, "results": rows})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
