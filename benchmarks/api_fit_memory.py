"""Peak memory of the HTTP server while it stores and fits a large survey.

Usage: python benchmarks/api_fit_memory.py [--rows 2000000] [--fits 1 2]
                                           [--code DIR] [--label NAME]

Writes a CSV of ``--rows`` responses of the bundled example journey
(``journeymap.datasets.example_data``; kept in the temporary folder and reused), starts
``journeymap serve`` on 127.0.0.1 (one process; a temporary SQLite database) and, with
the server's own memory read from ``/proc/PID/status``:

1. ``VmRSS`` after start-up and one small fit (the baseline);
2. uploads the file: the peak (``VmHWM``, reset before through ``/proc/PID/clear_refs``)
   and ``VmRSS`` after;
3. for each ``--fits`` count N: resets the peak, starts N fits of the upload at once,
   waits for all, and reports the peak and what the fits added to it
   (peak − RSS before the fits; the target is ≤ 500 MB for one fit) and ``VmRSS`` after.

``--code DIR`` runs the server with ``PYTHONPATH=DIR`` (e.g. an export of an older
commit, for a before/after comparison).  Only 127.0.0.1 is contacted.  Prints a table
and writes ``benchmarks/results/api_fit_memory[_LABEL].json`` with the environment.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from _common import environment, write

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
JOURNEYMAP = Path(sys.executable).with_name("journeymap")
TARGET_ADDED_MB = 500.0
MAX_ROWS = 20_000_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _status_mb(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise SystemExit(f"no {field} in /proc/{pid}/status")


def _reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS


def _env(code: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEYMAP_")}
    env["JOURNEYMAP_MAX_UPLOAD_BYTES"] = str(2**31)
    env["JOURNEYMAP_WORKERS"] = "2"
    env["PYTHONPATH"] = str(code or ROOT)
    return env


def _start(db: str, data_dir: Path, log: Path, env: dict[str, str]
           ) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen([str(JOURNEYMAP), "serve", "--host", "127.0.0.1", "--port",
                                 str(port), "--db", db, "--data-dir", str(data_dir),
                                 "--log-level", "warning"],
                                stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start within 60 s")


def _wait(c: httpx.Client, fit_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        body: dict[str, Any] = c.get(f"/v1/fits/{fit_id}").json()
        if body["status"] in ("done", "failed"):
            if body["status"] == "failed":
                raise SystemExit(f"fit failed: {body['error']}")
            return body
        time.sleep(0.2)
    raise SystemExit("the fit did not finish within 30 minutes")


def survey(rows: int) -> Path:
    folder = Path(tempfile.gettempdir()) / "journeymap-bench"
    path = folder / f"api_fit_memory_{rows}.csv"
    if not path.exists():
        from journeymap.datasets import example_data

        folder.mkdir(exist_ok=True)
        part = path.with_suffix(".partial")
        example_data(n=rows, seed=7).data.to_csv(part, index=False)
        part.rename(path)
    return path


def run(rows: int, fits: list[int], code: Path | None, tmp: Path) -> dict[str, Any]:
    data = survey(rows)
    env = _env(code)
    key = subprocess.run([str(JOURNEYMAP), "admin", "create-workspace", "bench", "--db",
                          f"sqlite:///{tmp / 'bench.db'}"], capture_output=True, text=True,
                         env=env, timeout=120, check=True).stdout.strip()
    proc, url = _start(f"sqlite:///{tmp / 'bench.db'}", tmp / "data", tmp / "server.log", env)
    pid = proc.pid
    out: dict[str, Any] = {"rows": rows, "file_mb": data.stat().st_size / 2**20}
    try:
        with httpx.Client(base_url=url, timeout=1800,
                          headers={"Authorization": f"Bearer {key}"}) as c:
            m = c.post("/v1/maps", json={"source": (EXAMPLES / "kitchen_b2b.yaml").read_text(
                encoding="utf-8")}).json()
            with (EXAMPLES / "kitchen_b2b.csv").open("rb") as f:
                small = c.post("/v1/datasets", files={"file": ("k.csv", f, "text/csv")}).json()
            _wait(c, c.post("/v1/fits", json={"map_id": m["id"],
                                              "dataset_id": small["id"]}).json()["id"])
            out["baseline_rss_mb"] = _status_mb(pid, "VmRSS")
            _reset_peak(pid)
            t = time.perf_counter()
            with data.open("rb") as f:
                d = c.post("/v1/datasets", files={"file": ("big.csv", f, "text/csv")})
            d.raise_for_status()
            out["upload_s"] = time.perf_counter() - t
            out["upload_peak_mb"] = _status_mb(pid, "VmHWM")
            out["after_upload_rss_mb"] = _status_mb(pid, "VmRSS")
            out["fits"] = []
            for n in fits:
                before = _status_mb(pid, "VmRSS")
                _reset_peak(pid)
                t = time.perf_counter()
                ids = [c.post("/v1/fits", json={"map_id": m["id"],
                                                "dataset_id": d.json()["id"]}).json()["id"]
                       for _ in range(n)]
                for i in ids:
                    _wait(c, i)
                peak = _status_mb(pid, "VmHWM")
                out["fits"].append({"at_once": n, "seconds": time.perf_counter() - t,
                                    "rss_before_mb": before, "peak_mb": peak,
                                    "added_mb": peak - before,
                                    "rss_after_mb": _status_mb(pid, "VmRSS")})
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--fits", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--code", type=Path, default=None,
                    help="run the server from this source folder (PYTHONPATH)")
    ap.add_argument("--label", default="", help="suffix of the JSON file")
    args = ap.parse_args()
    if not 1 <= args.rows <= MAX_ROWS or not all(1 <= n <= 4 for n in args.fits):
        raise SystemExit(f"--rows must be 1..{MAX_ROWS:,} and --fits 1..4")
    with tempfile.TemporaryDirectory(prefix="jm-fit-memory-") as tmp:
        out = run(args.rows, args.fits, args.code, Path(tmp))
    out["code"] = str(args.code or ROOT)
    out["target_added_mb"] = TARGET_ADDED_MB
    out["environment"] = environment()
    print(f"{out['rows']:,} rows ({out['file_mb']:.0f} MB CSV); server code: {out['code']}")
    print(f"{'step':<22} {'seconds':>8} {'RSS before':>11} {'peak':>8} {'added':>8} "
          f"{'RSS after':>10}")
    print(f"{'upload':<22} {out['upload_s']:>8.1f} {out['baseline_rss_mb']:>9.0f}MB "
          f"{out['upload_peak_mb']:>6.0f}MB "
          f"{out['upload_peak_mb'] - out['baseline_rss_mb']:>6.0f}MB "
          f"{out['after_upload_rss_mb']:>8.0f}MB")
    for f in out["fits"]:
        label = f"{f['at_once']} fit(s) at once"
        print(f"{label:<22} {f['seconds']:>8.1f} "
              f"{f['rss_before_mb']:>9.0f}MB {f['peak_mb']:>6.0f}MB {f['added_mb']:>6.0f}MB "
              f"{f['rss_after_mb']:>8.0f}MB")
    path = write("api_fit_memory" + (f"_{args.label}" if args.label else ""), out)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
