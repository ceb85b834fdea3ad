"""How fast the library refuses the worst map files, and validates a large valid map.

Usage: python benchmarks/hostile_inputs.py [--repeat 5] [--baseline DIR] [--timeout 60]

Times, in this Python process (``JourneyMap.from_yaml``; best and median of
``--repeat``, wall and CPU seconds):

* an alias bomb ("billion laughs": 11 lines, 43 million elements when expanded);
* a 5 MB file of nested brackets (``[[[[…]]]]``, 2.5 million levels);
* ``/dev/zero`` and ``/dev/urandom`` given as the map, and a named pipe (FIFO);
* a valid journey map of 5,000 nodes plus 833 roles (12,751 edges; read, checked and
  its warnings computed) and one of 9,998 nodes (just under ``MAX_MAP_NODES``).

Then runs ``journeymap validate`` on the same files as a program, once each (process
start included), with a memory cap of 2 GB and a time-out.  With ``--baseline DIR`` (a
checkout of an older journeymap, e.g. ``git archive <commit> | tar -x -C DIR``) the
programs also run on that code, for a before/after table; a run still going after
``--timeout`` seconds is stopped and reported as such.

Prints a table and writes ``benchmarks/results/hostile_inputs.json`` with the
environment.  The numbers are in docs/security.md ("Map files").
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from _common import environment, synthetic_journey, write

REPO = Path(__file__).resolve().parents[1]
MEMORY_CAP = 2 * 1024 ** 3

BOMB = "".join(f"{a}: &{a} [{', '.join([f'*{p}'] * 9 if p else ['x'] * 9)}]\n"
               for p, a in zip(["", "a", "b", "c", "d", "e", "f", "g"], "abcdefgh", strict=True)
               ) + "outcome: nps\nnodes: *h\nedges: []\n"


def make_files(folder: Path) -> dict[str, Path]:
    """The inputs, written once to ``folder``."""
    files = {
        "alias bomb (11 lines)": folder / "bomb.yaml",
        "5 MB of [[[[…]]]]": folder / "deep.yaml",
        "/dev/zero": Path("/dev/zero"),
        "/dev/urandom": Path("/dev/urandom"),
        "named pipe (FIFO)": folder / "pipe.yaml",
    }
    files["alias bomb (11 lines)"].write_text(BOMB, encoding="utf-8")
    half = 2_499_999  # 4,999,998 bytes: just under MAX_MAP_BYTES
    files["5 MB of [[[[…]]]]"].write_text("[" * half + "]" * half, encoding="utf-8")
    os.mkfifo(files["named pipe (FIFO)"])
    # synthetic_journey(n) adds n // 6 roles: 5,000 → 5,833 nodes; 8,570 → 9,998 (the
    # limit is MAX_MAP_NODES = 10,000)
    for n in (5_000, 8_570):
        data = synthetic_journey(n)
        path = folder / f"journey{n}.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False, default_flow_style=None,
                                       width=100), encoding="utf-8")
        files[f"valid map, {len(data['nodes']):,} nodes"] = path
    return {k: v for k, v in files.items() if v.exists()}


def in_process(path: Path, repeat: int) -> dict[str, Any]:
    """Best and median wall and CPU seconds of from_yaml (+ warnings), and what it said."""
    from journeymap.exceptions import JourneymapError
    from journeymap.model import JourneyMap

    def once() -> str:
        try:
            m = JourneyMap.from_yaml(path)
            _ = m.warnings
            return f"ok: {len(m.nodes):,} nodes, {len(m.edges):,} edges"
        except JourneymapError as exc:
            return "refused: " + str(exc).split(": ", 1)[-1][:70]

    said = once()  # warm-up
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        once()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return {"said": said, "wall_best_s": min(walls), "wall_median_s": statistics.median(walls),
            "cpu_best_s": min(cpus), "cpu_median_s": statistics.median(cpus)}


def as_program(path: Path, pythonpath: Path, timeout: float) -> dict[str, Any]:
    """``journeymap validate PATH`` on the code in ``pythonpath``: seconds, exit code, line."""
    # The child caps its own memory (no preexec_fn, which warns in threaded processes).
    code = (f"import resource, sys; resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_CAP}, "
            f"{MEMORY_CAP})); from journeymap.cli import main; sys.argv[0] = 'journeymap'; "
            "main()")
    env = {**os.environ, "PYTHONPATH": str(pythonpath), "NO_COLOR": "1", "COLUMNS": "300"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, "validate", str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env)
    try:
        out, err = proc.communicate(timeout=timeout)
        status: int | str = proc.returncode
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        status = f"still running after {timeout:g} s"
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    first = (err.strip() or out.strip()).splitlines()
    return {"exit": status, "wall_s": wall, "cpu_s": (after.ru_utime - before.ru_utime)
            + (after.ru_stime - before.ru_stime), "said": first[0][:90] if first else ""}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--baseline", type=Path, help="an older checkout to compare with")
    ap.add_argument("--timeout", type=float, default=60.0)
    args = ap.parse_args()

    rows: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as folder:
        files = make_files(Path(folder))
        for name, path in files.items():
            row: dict[str, Any] = {"library": in_process(path, args.repeat),
                                   "program": as_program(path, REPO, args.timeout)}
            if args.baseline is not None:
                row["baseline_program"] = as_program(path, args.baseline, args.timeout)
            rows[name] = row

    print(f"journeymap refusing hostile map files; best / median of {args.repeat} in process, "
          "one run as a program (2 GB memory cap)")
    head = f"{'input':28} {'in process (wall / CPU)':>24} {'program':>9} {'exit':>5}"
    if args.baseline is not None:
        head += f" {'before':>9} {'exit':>22}"
    print(head + "  says")
    for name, row in rows.items():
        lib, prog = row["library"], row["program"]
        line = (f"{name:28} {lib['wall_best_s']:>10.4f} s / {lib['cpu_best_s']:.4f} s "
                f"{prog['wall_s']:>7.2f} s {prog['exit']!s:>5}")
        if args.baseline is not None:
            base = row["baseline_program"]
            line += f" {base['wall_s']:>7.2f} s {base['exit']!s:>22}"
        print(line + f"  {lib['said']}")
    path = write("hostile_inputs", {"environment": environment(), "repeat": args.repeat,
                                    "memory_cap_bytes": MEMORY_CAP, "timeout_s": args.timeout,
                                    "baseline": str(args.baseline) if args.baseline else None,
                                    "rows": rows})
    print(f"wrote {path}")
    if args.baseline is not None:
        print("before:")
        for name, row in rows.items():
            print(f"  {name}: {row['baseline_program']['said']}")


if __name__ == "__main__":
    main()
