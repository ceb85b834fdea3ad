"""Render speed of the example map: DOT source, SVG and PNG through graphviz, role card.

Usage: python benchmarks/render_speed.py [--repeat 5]

Prints a table and writes benchmarks/results/render_speed.json with the environment.
The map is the bundled example (20 nodes, 23 edges) fitted to examples/kitchen_b2b.csv;
"to_dot" builds the DOT text only, "render svg/png" include running graphviz's ``dot``
(one process per call), "role card html" renders the installer's highlighted SVG and the
page.  The target is under 1 s for each.
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

from _common import best_of, environment, write

TARGET_S = 1.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    import journeymap as jm
    from journeymap.render import render, role_card, to_dot

    examples = Path(__file__).resolve().parents[1] / "examples"
    m = jm.example_map()
    result = jm.fit(m, examples / "kitchen_b2b.csv")
    cases = [
        ("to_dot", lambda: to_dot(m, result)),
        ("to_dot role=installer", lambda: to_dot(m, result, role="installer")),
        ("render svg", lambda: render(m, result, format="svg")),
        ("render png (150 dpi)", lambda: render(m, result, format="png")),
        ("render svg lanes=stage", lambda: render(m, result, lanes="stage", format="svg")),
        ("role card html", lambda: role_card(result, "installer")),
        ("role card md", lambda: role_card(result, "installer", format="md")),
    ]
    rows = []
    for name, fn in cases:
        best, med = best_of(fn, args.repeat)
        rows.append((name, best, med))
    version = subprocess.run(["dot", "-V"], capture_output=True, text=True,
                             check=False).stderr.strip()
    print(f"example map ({len(m.nodes)} nodes, {len(m.edges)} edges), {version}; "
          f"best / median of {args.repeat}")
    print(f"{'what':<28}{'best s':>10}{'median s':>10}{'< 1 s':>8}")
    for name, b, md in rows:
        print(f"{name:<28}{b:>10.4f}{md:>10.4f}{'yes' if md < TARGET_S else 'NO':>8}")
    env = environment()
    env["graphviz"] = version
    path = write("render_speed", {
        "environment": env, "repeat": args.repeat, "nodes": len(m.nodes),
        "edges": len(m.edges), "target_s": TARGET_S,
        "timings_s": {name: {"best": b, "median": md} for name, b, md in rows}})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
