"""What the role page's "what customers said" costs the service the first time a fit's
role page is opened: reading the stored survey file again (``load_survey``) and counting
every role's touchpoints (``role_touchpoints``), as ``api.services.fits.role_touchpoints``
does once per fit before keeping the answer in memory.

Usage: python benchmarks/role_touchpoints.py [--rows 3000 50000 250000]

Prints a table and writes benchmarks/results/role_touchpoints.json with the environment.
The example map with a comment column, consent and dates; each size is a CSV written
first (above 16 MiB, about 190,000 rows here, the service streams a fit and skips
this step: a streamed fit shows no distribution).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import journeymap as jm
from journeymap.analysis.touchpoints import role_touchpoints
from journeymap.data import load_survey
from journeymap.datasets import EXAMPLE_MISSING, simulate
from journeymap.model import JourneyMap

from _common import environment, write

COMMENTS = "comments: {column: comment, consent: ok, date: date}\n"


def _map() -> JourneyMap:
    text = jm.example_map().to_yaml()
    return JourneyMap.from_text(text.replace("outcome: nps\n", COMMENTS + "outcome: nps\n", 1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, nargs="+", default=[3000, 50_000, 250_000])
    args = ap.parse_args()
    m = _map()
    result = jm.fit(m, load_survey(_frame(m, 3000), m))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.rows:
            path = Path(tmp) / f"survey-{n}.csv"
            _frame(m, n).to_csv(path, index=False)
            size = path.stat().st_size / 2**20
            t0 = time.perf_counter()
            data = load_survey(path, m)
            t1 = time.perf_counter()
            for role in m.roles:
                role_touchpoints(result, role.id, data=data)
            t2 = time.perf_counter()
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            rows.append({"rows": n, "file_mib": size, "load_s": t1 - t0,
                         "count_all_roles_s": t2 - t1, "max_rss_mib": rss})
    print(f"{'rows':>9}{'file MiB':>10}{'load s':>9}{'count s':>9}{'max RSS MiB':>13}")
    for r in rows:
        print(f"{r['rows']:>9,}{r['file_mib']:>10.1f}{r['load_s']:>9.2f}"
              f"{r['count_all_roles_s']:>9.3f}{r['max_rss_mib']:>13.0f}")
    path = write("role_touchpoints", {"environment": environment(), "runs": rows})
    print(f"wrote {path}")


def _frame(m: JourneyMap, n: int) -> pd.DataFrame:
    frame = simulate(m, n, 1, missing=EXAMPLE_MISSING).data
    rng = np.random.default_rng(2)
    frame["comment"] = np.where(rng.random(n) < 0.3, "Installationen tog för lång tid, "
                                "ring mig på 070-123 45 67", "")
    frame["ok"] = np.where(rng.random(n) < 0.6, "ja", "nej")
    return frame


if __name__ == "__main__":
    main()
