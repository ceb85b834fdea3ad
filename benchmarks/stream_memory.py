"""Peak memory and time of a streamed fit of a 10-million-row Parquet file.

Usage: python benchmarks/stream_memory.py [--rows 10000000] [--nodes 30]
       [--chunk-rows 25000 50000 100000 200000] [--envs default lean] [--path FILE]
       [--missing 0.0] [--dtype int64] [--fresh]

1. Writes a Parquet file of ``--rows`` responses of the ``synthetic_journey(--nodes)`` map
   (integer ratings, LTR 0–10, ``--dtype`` columns): numpy draws the linear model of
   :func:`journeymap.simulate` one row group at a time and ``pyarrow.parquet.ParquetWriter``
   writes it, so generation never holds the file.  The first ``--slice-rows`` rows go to a
   second file too.  A file with the same parameters (kept in its metadata) is reused
   unless ``--fresh``.  Generation runs in a child, so this process stays small.
2. Fits the whole file with ``journeymap.engines.fit_stream(m, path, chunk_rows=...)``,
   each chunk size in its own subprocess, and reports the fit's wall time (best of
   ``--repeat``) and peak RSS:
   ``VmHWM`` read in the child at its end (the number compared with the 300 MB target),
   with ``ru_maxrss`` from ``wait4`` as a cross-check, the child's RSS after its imports
   (Python, numpy, pandas, pyarrow, scipy, journeymap) and the peak of pyarrow's pool.
   ``--envs``: ``default`` runs with the allocators as installed (pyarrow's mimalloc pool,
   glibc malloc); ``lean`` with ``ARROW_DEFAULT_MEMORY_POOL=system`` and
   ``MALLOC_MMAP_THRESHOLD_=131072`` (freed chunk buffers go back to the system at once).
3. On the slice: the streamed fit against the in-memory ``journeymap.fit`` (every edge
   estimate and se and every total effect: max relative difference, must be ≤ 1e-9),
   and the in-memory peak for contrast.

Prints a table and writes benchmarks/results/stream_memory.json (stream_memory_missing.json
with ``--missing``) with the environment.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from _child import emit, memory_mb, run_child

from _common import environment, synthetic_journey, write

TARGET_MB = 300.0
SCRIPT = str(Path(__file__).resolve())
ENVS: dict[str, dict[str, str]] = {
    "default": {},
    "lean": {"ARROW_DEFAULT_MEMORY_POOL": "system", "MALLOC_MMAP_THRESHOLD_": "131072"},
}


def journey(nodes: int) -> Any:
    from journeymap import JourneyMap

    return JourneyMap.from_dict(synthetic_journey(nodes))


# ------------------------------------------------------------------ generation


def generate(path: Path, slice_path: Path, params: dict[str, Any], *, group_rows: int,
             slice_rows: int) -> None:
    """Write the survey row group by row group.

    The model is :func:`journeymap.simulate`'s (its planted coefficients, intercepts and
    noise for this map and seed), drawn here with numpy per row group.  With
    ``missing > 0`` every third touchpoint is blank with that probability (MCAR).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from journeymap import simulate

    rows, seed, missing = params["rows"], params["seed"], params["missing"]
    m = journey(params["nodes"])
    truth = simulate(m, 2, seed).truth
    coefs, intercepts, sds = truth["coefficients"], truth["intercepts"], truth["noise_sd"]
    order = [n for n in m.topological_order if m.node(n).measured]
    parents = {j: [p for p in m.parents(j) if m.node(p).measured] for j in order}
    touch = [n.id for n in m.measured_nodes if n.kind == "touchpoint"]
    blank_p = dict.fromkeys(touch[::3], missing) if missing > 0 else {}
    columns = [n.column for n in m.measured_nodes]
    np_type = np.dtype(params["dtype"])
    schema = pa.schema([(c, pa.from_numpy_dtype(np_type)) for c in columns],
                       metadata={"journeymap_bench": json.dumps(params)})
    tmp, tmp_slice = path.with_suffix(".tmp"), slice_path.with_suffix(".tmp")
    with pq.ParquetWriter(tmp, schema) as writer, pq.ParquetWriter(tmp_slice, schema) as part:
        for start in range(0, rows, group_rows):
            n = min(group_rows, rows - start)
            rng = np.random.default_rng([seed, start])
            used: dict[str, np.ndarray] = {}
            arrays: dict[str, pa.Array] = {}
            for j in order:
                node = m.node(j)
                assert node.scale is not None
                assert node.column is not None
                latent = intercepts[j] + rng.normal(0.0, sds[j], size=n)
                for p in parents[j]:
                    latent += coefs[f"{p}->{j}"] * used[p]
                observed = np.clip(np.rint(latent), math.ceil(node.scale[0]),
                                   math.floor(node.scale[1]))
                absent = rng.random(n) < blank_p[j] if j in blank_p else None
                used[j] = observed if absent is None else np.where(absent, latent, observed)
                arrays[node.column] = pa.array(observed.astype(np_type), mask=absent)
            table = pa.table([arrays[c] for c in columns], schema=schema)
            writer.write_table(table, row_group_size=group_rows)
            if start < slice_rows:
                part.write_table(table.slice(0, slice_rows - start), row_group_size=group_rows)
    tmp.replace(path)
    tmp_slice.replace(slice_path)


def child_prepare(args: argparse.Namespace) -> None:
    """Reuse or write the file and its slice; report the file's shape."""
    import pyarrow
    import pyarrow.parquet as pq

    params = json.loads(args.params)
    path, slice_path = Path(args.path), Path(args.slice_path)
    try:
        meta = pq.read_schema(path).metadata or {}
        stored = json.loads(meta[b"journeymap_bench"])
    except (OSError, KeyError, ValueError, pyarrow.ArrowException):
        stored = None
    gen_s = None
    if args.fresh or stored != params or not slice_path.exists():
        t0 = time.perf_counter()
        generate(path, slice_path, params, group_rows=args.group_rows,
                 slice_rows=args.slice_rows)
        gen_s = time.perf_counter() - t0
    md = pq.ParquetFile(path).metadata
    emit(args.out, {"generate_s": gen_s, "columns": md.num_columns, "rows": md.num_rows,
                    "row_groups": md.num_row_groups, "file_mb": path.stat().st_size / 1e6,
                    "pyarrow": pyarrow.__version__, "duckdb": _version("duckdb")})


def _version(module: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(module)
    except PackageNotFoundError:
        return None


# ------------------------------------------------------------------ fit children


def _warm_imports() -> None:
    """Import everything a fit uses, so RSS after this is the fixed cost."""
    import pyarrow.parquet  # noqa: F401

    import journeymap.engines.linear
    import journeymap.sources  # noqa: F401


def _numbers(result: Any) -> dict[str, list[float]]:
    edges = [e for e in result.edge_records if e["estimate"] is not None]
    return {"estimate": [e["estimate"] for e in edges], "se": [e["se"] for e in edges],
            "total": [e["total"] for e in result.effect_records]}


def child_fit(args: argparse.Namespace) -> None:
    """``stream``: fit_stream over the file; ``memory``: jm.fit on the whole file at once."""
    _warm_imports()
    import pyarrow as pa

    import journeymap as jm
    from journeymap.engines import fit_stream

    m = journey(args.nodes)
    after_imports = memory_mb("VmRSS")
    chunks: list[int] = []
    walls = []
    for _ in range(args.repeat):
        chunks.clear()
        t0 = time.perf_counter()
        if args.child == "stream":
            result = fit_stream(m, args.path, chunk_rows=args.chunk_rows[0],
                                progress=lambda done, total: chunks.append(done))
        else:
            result = jm.fit(m, args.path)
        walls.append(time.perf_counter() - t0)
    emit(args.out, {"wall_s": min(walls), "walls_s": walls, "vmhwm_mb": memory_mb("VmHWM"),
                    "rss_after_imports_mb": after_imports,
                    "arrow_pool_peak_mb": pa.default_memory_pool().max_memory() / 1e6,
                    "arrow_pool": pa.default_memory_pool().backend_name,
                    "n": result.nps.n, "n_responses": result.n_responses,
                    "chunks": len(chunks), "numbers": _numbers(result)})


# ------------------------------------------------------------------ parent


def max_rel_diff(a: dict[str, list[float]], b: dict[str, list[float]]) -> float:
    worst = 0.0
    for key in a:
        x, y = np.asarray(a[key]), np.asarray(b[key])
        assert x.shape == y.shape, key
        worst = max(worst, float(np.max(np.abs(x - y) / np.maximum(np.abs(x), 1e-300))))
    return worst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--nodes", type=int, default=30)
    ap.add_argument("--chunk-rows", type=int, nargs="+",
                    default=[25_000, 50_000, 100_000, 200_000])
    ap.add_argument("--envs", nargs="+", choices=sorted(ENVS), default=["default", "lean"])
    ap.add_argument("--path", type=Path, default=None,
                    help="Parquet file to write or reuse (default /tmp/journeymap_stream_"
                         "<rows>x<nodes>.parquet)")
    ap.add_argument("--slice-rows", type=int, default=1_000_000)
    ap.add_argument("--group-rows", type=int, default=500_000, help="rows per row group")
    ap.add_argument("--missing", type=float, default=0.0,
                    help="share of blanks in every third touchpoint (default none)")
    ap.add_argument("--dtype", default="int64", help="column type in the file (int64, int8)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fresh", action="store_true", help="regenerate even if the file exists")
    ap.add_argument("--timeout", type=float, default=1800.0)
    ap.add_argument("--repeat", type=int, default=2,
                    help="fits per child; the best time is reported (peak is over all)")
    ap.add_argument("--child", choices=["prepare", "stream", "memory"], help=argparse.SUPPRESS)
    ap.add_argument("--params", help=argparse.SUPPRESS)
    ap.add_argument("--slice-path", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child == "prepare":
        child_prepare(args)
        return
    if args.child in ("stream", "memory"):
        child_fit(args)
        return

    tag = f"{args.rows}x{args.nodes}" + (f"_m{args.missing:g}" if args.missing else "") + (
        f"_{args.dtype}" if args.dtype != "int64" else "")
    path = args.path or Path(f"/tmp/journeymap_stream_{tag}.parquet")
    slice_rows = min(args.slice_rows, args.rows)
    slice_path = path.with_name(path.stem + f".first{slice_rows}.parquet")
    params = {"rows": args.rows, "nodes": args.nodes, "seed": args.seed,
              "missing": args.missing, "dtype": args.dtype}
    print(f"preparing {path} ({args.rows:,} rows × {args.nodes} nodes) …", flush=True)
    prep = run_child([SCRIPT, "--child", "prepare", "--path", str(path), "--slice-path",
                      str(slice_path), "--params", json.dumps(params), "--slice-rows",
                      str(slice_rows), "--group-rows", str(args.group_rows),
                      *(["--fresh"] if args.fresh else [])], args.timeout)
    if prep.status != "ok":
        sys.exit(f"could not write the data: {prep.status}\n{prep.log}")
    info = prep.result
    common = ["--nodes", str(args.nodes)]

    def fit(kind: str, file: Path, chunk_rows: int | None, env_name: str, what: str,
            rows: int) -> dict[str, Any]:
        argv = [SCRIPT, "--child", kind, "--path", str(file), "--repeat", str(args.repeat),
                *common]
        if chunk_rows is not None:
            argv += ["--chunk-rows", str(chunk_rows)]
        run = run_child(argv, args.timeout, ENVS[env_name])
        if run.status != "ok":
            print(f"{what} ({env_name}): {run.status}\n{run.log}", file=sys.stderr)
        row = {"what": what, "rows": rows, "chunk_rows": chunk_rows, "env": env_name,
               "status": run.status, "ru_maxrss_mb": run.maxrss_mb,
               "sampled_hwm_mb": run.hwm_mb, "process_wall_s": run.wall_s, **run.result}
        print(f"  {what:<34} {env_name:<8} {chunk_rows or '':>8} {run.status:<8}"
              f"{row.get('wall_s', math.nan):7.2f} s {row.get('vmhwm_mb', math.nan):7.0f} MB",
              flush=True)
        return row

    runs: list[dict[str, Any]] = []
    for env_name in args.envs:
        for chunk_rows in args.chunk_rows:
            runs.append(fit("stream", path, chunk_rows, env_name,
                            f"fit_stream, {args.rows:,} rows", args.rows))
    small = min(args.chunk_rows)
    sliced_stream = fit("stream", slice_path, small, "default",
                        f"fit_stream, {slice_rows:,}-row slice", slice_rows)
    sliced_memory = fit("memory", slice_path, None, "default",
                        f"in memory (jm.fit), {slice_rows:,}-row slice", slice_rows)
    runs += [sliced_stream, sliced_memory]

    slice_diff = (max_rel_diff(sliced_memory["numbers"], sliced_stream["numbers"])
                  if sliced_memory["status"] == sliced_stream["status"] == "ok" else None)
    full = [r for r in runs if r["rows"] == args.rows and r["status"] == "ok"
            and r["what"].startswith("fit_stream")]
    chunk_diff = (max(max_rel_diff(full[0]["numbers"], r["numbers"]) for r in full[1:])
                  if len(full) > 1 else None)

    print(f"\n{args.rows:,} rows × {info['columns']} columns ({args.nodes}-node synthetic "
          f"journey), Parquet {info['file_mb']:,.0f} MB, {info['row_groups']} row groups, "
          f"{args.dtype}" + (f", blanks {args.missing:g} in every 3rd touchpoint"
                             if args.missing else ""))
    head = (f"{'what':<40}{'env':<9}{'chunk':>8}{'fit s':>8}{'peak MB':>9}{'ru_max':>8}"
            f"{'imports':>9}{'arrow':>7}{'≤300':>6}")
    print(head)
    print("-" * len(head))
    for r in runs:
        if r["status"] != "ok":
            print(f"{r['what']:<40}{r['env']:<9}{r['chunk_rows'] or '':>8}{r['status']:>8}")
            continue
        within = ("yes" if r["vmhwm_mb"] <= TARGET_MB else "no") if "stream" in r["what"] else ""
        print(f"{r['what']:<40}{r['env']:<9}{r['chunk_rows'] or '':>8}{r['wall_s']:>8.2f}"
              f"{r['vmhwm_mb']:>9.0f}{r['ru_maxrss_mb']:>8.0f}{r['rss_after_imports_mb']:>9.0f}"
              f"{r['arrow_pool_peak_mb']:>7.0f}{within:>6}")
    print("peak = VmHWM of the child (MB = 10⁶ bytes); ru_max = its ru_maxrss (wait4); "
          "imports = its RSS after importing\nnumpy, pandas, pyarrow, scipy and journeymap; "
          "arrow = peak of pyarrow's memory pool")
    if slice_diff is not None:
        print(f"slice: streamed vs in-memory estimates, se and totals: max relative "
              f"difference {slice_diff:.1e} ({'≤' if slice_diff <= 1e-9 else '>'} 1e-9)")
    if chunk_diff is not None:
        print(f"full file, all chunk sizes: max relative difference {chunk_diff:.1e}")
    for r in runs:
        r.pop("numbers", None)
    out = write("stream_memory" + ("_missing" if args.missing else ""), {
        "environment": {**environment(), "pyarrow": info["pyarrow"], "duckdb": info["duckdb"]},
        "rows": args.rows, "nodes": args.nodes, "columns": info["columns"],
        "dtype": args.dtype, "missing": args.missing, "file_mb": info["file_mb"],
        "row_groups": info["row_groups"], "generate_s": info["generate_s"],
        "target_peak_mb": TARGET_MB, "envs": {k: ENVS[k] for k in args.envs}, "runs": runs,
        "slice_rows": slice_rows, "slice_max_rel_diff": slice_diff,
        "chunk_sizes_max_rel_diff": chunk_diff})
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
