"""The role card as PDF: WeasyPrint against headless Chromium (the engine choice).

Usage: python benchmarks/card_pdf.py [--role installer] [--repeat 3]

Builds the example's card (``role_card``, the bundled kitchen map fitted to its data)
in English and Finnish (the longest words) and turns the same HTML page into an A4
PDF with

- WeasyPrint in a fresh Python process (import, layout, PDF: what ``journeymap card
  --format pdf`` costs) and inside a running process (what a server pays per card
  after the first);
- Debian's Chromium, ``chromium --headless --print-to-pdf`` (one browser per card).

For each it reports the median wall time over ``--repeat`` runs, the peak resident
memory of the process (GNU ``time``; for Chromium the largest of its processes; in
process, how much the running process's peak grew with its first card), the pages of
the PDF (pypdf) and its size.
Prints a table and writes benchmarks/results/card_pdf.json.
"""

from __future__ import annotations

import argparse
import io
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import environment, write

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

_WEASY_CHILD = """
import sys
from journeymap.render.pdf import html_pdf
pdf = html_pdf(open(sys.argv[1], encoding="utf-8").read())
open(sys.argv[2], "wb").write(pdf)
"""


def _pages(pdf: bytes) -> int:
    import pypdf

    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def _child(cmd: list[str]) -> tuple[float, float | None]:
    """Wall seconds of ``cmd`` and its peak RSS in MB, measured by GNU ``time`` (a small
    process: a child forked from this large one would start its count at this one's
    size), or None without ``/usr/bin/time``."""
    timer = Path("/usr/bin/time")
    full = [str(timer), "-f", "%M", *cmd] if timer.exists() else cmd
    t = time.perf_counter()
    done = subprocess.run(full, check=True, capture_output=True, text=True, timeout=120)
    wall = time.perf_counter() - t
    if not timer.exists():
        return wall, None
    return wall, int(done.stderr.strip().splitlines()[-1]) / 1024


def _peak(runs: list[tuple[float, float | None]]) -> float | None:
    peaks = [r for _, r in runs if r is not None]
    return max(peaks) if peaks else None


def _row(engine: str, lang: str, walls: list[float], rss: float | None,
         pdf: bytes) -> dict[str, Any]:
    return {"engine": engine, "lang": lang, "median_s": round(statistics.median(walls), 3),
            "peak_rss_mb": None if rss is None else round(rss, 1), "pages": _pages(pdf),
            "bytes": len(pdf)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--role", default="installer")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import journeymap as jm
    from journeymap.render import role_card
    from journeymap.render.pdf import html_pdf

    result = jm.fit(jm.example_map(), jm.example_data().data)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for lang in ("en", "fi"):
            page = folder / f"card-{lang}.html"
            page.write_text(role_card(result, args.role, lang=lang), encoding="utf-8")
            out = folder / "out.pdf"
            # WeasyPrint, a fresh process per card (the CLI)
            runs = [_child([sys.executable, "-c", _WEASY_CHILD, str(page), str(out)])
                    for _ in range(args.repeat)]
            rows.append(_row("weasyprint (new process)", lang, [w for w, _ in runs],
                             _peak(runs), out.read_bytes()))
            # WeasyPrint inside a running process (the server, after its first card)
            html = page.read_text(encoding="utf-8")
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            html_pdf(html)  # the first card imports WeasyPrint
            grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
            walls = []
            for _ in range(args.repeat):
                t = time.perf_counter()
                pdf = html_pdf(html)
                walls.append(time.perf_counter() - t)
            rows.append(_row("weasyprint (warm, in process)", lang, walls, grown, pdf))
            # Chromium, one headless browser per card
            if Path(CHROMIUM).exists():
                cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                       "--no-pdf-header-footer", f"--print-to-pdf={out}", page.as_uri()]
                runs = [_child(cmd) for _ in range(args.repeat)]
                rows.append(_row("chromium --headless", lang, [w for w, _ in runs],
                                 _peak(runs), out.read_bytes()))

    print(f"{'engine':32} {'lang':4} {'median s':>9} {'peak RSS MB':>12} {'pages':>5} "
          f"{'bytes':>8}")
    for r in rows:
        rss = "–" if r["peak_rss_mb"] is None else f"{r['peak_rss_mb']:.0f}"
        print(f"{r['engine']:32} {r['lang']:4} {r['median_s']:9.2f} {rss:>12} "
              f"{r['pages']:5d} {r['bytes']:8d}")
    print("(peak RSS: the whole process; for Chromium the "
          "largest of the processes it runs, a lower bound for its total; in process: how "
          "much the peak of the running process grew with its first card)")
    path = write("card_pdf", {"environment": environment(), "role": args.role, "rows": rows})
    print(f"written {path}")


if __name__ == "__main__":
    main()
