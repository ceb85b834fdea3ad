"""Import time of ``journeymap`` in fresh interpreters, against the 0.3 s target.

Usage: python benchmarks/import_time.py [--repeat 9]

Prints a table and writes benchmarks/results/import_time.json with the environment.
Each run starts a new Python process and times ``import journeymap`` alone (the
interpreter's own start-up is not counted), then the same with the first public name
used (``journeymap.JourneyMap``, which loads the map module and its dependencies).
The test suite checks only *what* the import loads (tests/test_public_api.py); how
long it takes is measured here, since a timing fails at random on a loaded machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

from _common import environment, write

TARGET_S = 0.3
CASES = {
    "import journeymap": "import journeymap",
    "import journeymap; journeymap.JourneyMap": "import journeymap; journeymap.JourneyMap",
}


def _once(statement: str) -> float:
    code = ("import time; t = time.perf_counter(); "
            f"{statement}; print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return float(out.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=9)
    args = ap.parse_args()

    timings = {}
    for name, statement in CASES.items():
        _once(statement)  # warm the file system cache and the bytecode files
        timings[name] = [_once(statement) for _ in range(args.repeat)]
    print(f"fresh interpreter per run; best / median of {args.repeat}")
    print(f"{'what':<44}{'best s':>9}{'median s':>10}{'< 0.3 s':>9}")
    for name, times in timings.items():
        med = statistics.median(times)
        ok = ("yes" if med < TARGET_S else "NO") if name == "import journeymap" else ""
        print(f"{name:<44}{min(times):>9.3f}{med:>10.3f}{ok:>9}")
    path = write("import_time", {
        "environment": environment(), "repeat": args.repeat, "target_s": TARGET_S,
        "timings_s": {name: {"best": min(t), "median": statistics.median(t), "all": t}
                      for name, t in timings.items()}})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
