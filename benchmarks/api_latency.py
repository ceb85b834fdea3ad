"""Latency of the HTTP API on loopback, and the time from upload to a finished fit.

Usage: python benchmarks/api_latency.py [--requests 200] [--concurrency 200 20]
                                        [--rows 100000] [--db URL]

Starts ``journeymap serve`` on 127.0.0.1 (a free port; a temporary SQLite database
unless ``--db`` is given), creates a workspace with the CLI, uploads the bundled
example and fits it.  Then, for each concurrency level, sends ``--requests``
requests (half ``GET /v1/fits/{id}/drivers``, half ``GET /v1/fits/{id}/roles/{role}``
over the map's roles) over that many kept-alive connections, all released at once,
and reports p50 / p99 / max latency and the throughput.  The client is a minimal
asyncio HTTP/1.1 client in this process (on the same cores as the server), so that
the numbers are the server's rather than an HTTP library's.  Last, it uploads a
simulated survey of ``--rows`` responses and measures upload → fit ``done``
(polling every 20 ms).

Only 127.0.0.1 is contacted; request counts and times are bounded.  Prints a table
and writes benchmarks/results/api_latency.json with the environment.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
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
TIMEOUT = 60.0
MAX_REQUESTS = 5000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _start(db: str, data_dir: Path, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEYMAP_")}
    with log.open("wb") as out:
        proc = subprocess.Popen([str(JOURNEYMAP), "serve", "--host", "127.0.0.1", "--port",
                                 str(port), "--db", db, "--data-dir", str(data_dir),
                                 "--log-level", "warning"], stdout=out,
                                stderr=subprocess.STDOUT, env=env)
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


def _key(db: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEYMAP_")}
    r = subprocess.run([str(JOURNEYMAP), "admin", "create-workspace",
                        f"bench-{os.getpid()}-{time.time_ns()}", "--db", db],
                       capture_output=True, text=True, env=env, timeout=120, check=True)
    return r.stdout.strip()


def _wait_done(c: httpx.Client, fit_id: str, poll: float = 0.02) -> dict[str, Any]:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        body: dict[str, Any] = c.get(f"/v1/fits/{fit_id}").json()
        if body["status"] in ("done", "failed"):
            if body["status"] == "failed":
                raise SystemExit(f"fit failed: {body['error']}")
            return body
        time.sleep(poll)
    raise SystemExit("the fit did not finish within 600 s")


def _fit(c: httpx.Client, map_id: str, path: Path) -> tuple[dict[str, Any], dict[str, float]]:
    """Upload ``path``, fit it; returns the fit and the seconds of each step."""
    t0 = time.perf_counter()
    with path.open("rb") as f:
        d = c.post("/v1/datasets", files={"file": (path.name, f, "text/csv")})
    d.raise_for_status()
    t1 = time.perf_counter()
    r = c.post("/v1/fits", json={"map_id": map_id, "dataset_id": d.json()["id"]})
    r.raise_for_status()
    fit = _wait_done(c, r.json()["id"])
    t2 = time.perf_counter()
    from datetime import datetime

    run = (datetime.fromisoformat(fit["finished_at"])
           - datetime.fromisoformat(fit["started_at"])).total_seconds()
    return fit, {"upload_s": t1 - t0, "queue_and_fit_s": t2 - t1, "fit_in_worker_s": run,
                 "upload_to_done_s": t2 - t0}


async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
               ) -> int:
    """One GET on a kept-alive HTTP/1.1 connection; returns the status code."""
    writer.write(request)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(int(line.split(":", 1)[1]) for line in lines
                  if line.lower().startswith("content-length:"))
    await reader.readexactly(length)
    return int(lines[0].split()[1])


async def _burst(url: str, key: str, paths: list[str], concurrency: int) -> dict[str, Any]:
    """``paths`` over ``concurrency`` kept-alive connections, all started at once.

    A minimal asyncio HTTP/1.1 client, so that the numbers are the server's and not a
    client library's; connections are opened (and used once) before timing starts.
    """
    host, port = url.removeprefix("http://").split(":")
    queue: asyncio.Queue[str] = asyncio.Queue()
    for p in paths:
        queue.put_nowait(p)
    latencies: dict[str, list[float]] = {}
    errors = 0

    def request(path: str) -> bytes:
        return (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Authorization: Bearer {key}\r\n\r\n").encode()

    conns = [await asyncio.wait_for(asyncio.open_connection(host, int(port)), TIMEOUT)
             for _ in range(min(concurrency, len(paths)))]
    for reader, writer in conns:  # warm each connection once
        await asyncio.wait_for(_get(reader, writer, request("/healthz")), TIMEOUT)
    start_line = asyncio.Event()

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal errors
        await start_line.wait()
        while not queue.empty():
            path = queue.get_nowait()
            t = time.perf_counter()
            status = await asyncio.wait_for(_get(reader, writer, request(path)), TIMEOUT)
            dt = time.perf_counter() - t
            errors += status != 200
            kind = "drivers" if path.endswith("/drivers") else "roles/{role}"
            latencies.setdefault(kind, []).append(dt)

    tasks = [asyncio.create_task(client(r, w)) for r, w in conns]
    await asyncio.sleep(0)
    start = time.perf_counter()
    start_line.set()
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - start
    for _reader, writer in conns:
        writer.close()
    every = [x for v in latencies.values() for x in v]
    return {"concurrency": concurrency, "requests": len(paths), "errors": errors,
            "wall_s": wall, "throughput_rps": len(paths) / wall,
            "all": _summary(every), **{k: _summary(v) for k, v in latencies.items()}}


def _summary(xs: list[float]) -> dict[str, float]:
    ms = sorted(x * 1000 for x in xs)
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return {"p50_ms": q[49], "p99_ms": q[98], "max_ms": ms[-1], "n": len(ms)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[200, 20])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--db", default=None, help="database URL (default: temporary SQLite)")
    args = ap.parse_args()
    if not 1 <= args.requests <= MAX_REQUESTS:
        raise SystemExit(f"--requests must be 1 to {MAX_REQUESTS}")

    with tempfile.TemporaryDirectory(prefix="jm-bench-") as tmp_name:
        tmp = Path(tmp_name)
        db = args.db or f"sqlite:///{tmp / 'bench.db'}"
        key = _key(db)
        proc, url = _start(db, tmp / "data", tmp / "server.log")
        try:
            out = _run(url, key, args, tmp)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    out["database"] = db.split(":", 1)[0]
    out["environment"] = environment()
    path = write("api_latency", out)
    print(f"\nwritten to {path}")


def _run(url: str, key: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    with httpx.Client(base_url=url, timeout=TIMEOUT,
                      headers={"Authorization": f"Bearer {key}"}) as c:
        m = c.post("/v1/maps", json={"source": (EXAMPLES / "kitchen_b2b.yaml").read_text(
            encoding="utf-8"), "filename": "kitchen_b2b.yaml"})
        m.raise_for_status()
        fit, _steps = _fit(c, m.json()["id"], EXAMPLES / "kitchen_b2b.csv")
        roles = [r["role"] for r in fit["result"]["roles"]]
        base = f"/v1/fits/{fit['id']}"
        paths = [f"{base}/drivers" if i % 2 == 0 else f"{base}/roles/{roles[i // 2 % len(roles)]}"
                 for i in range(args.requests)]
        for p in set(paths):  # warm the caches, as a server in use has them
            c.get(p).raise_for_status()

        bursts = [asyncio.run(_burst(url, key, paths, n)) for n in args.concurrency]

        from journeymap.datasets import example_data

        big = tmp / f"survey_{args.rows}.csv"
        example_data(n=args.rows, seed=7).data.to_csv(big, index=False)
        _fit_big, steps = _fit(c, m.json()["id"], big)
        steps["rows"] = args.rows
        steps["file_mb"] = big.stat().st_size / 2**20

    print(f"{'concurrency':>11} {'requests':>8} {'route':<14} {'p50 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8} {'req/s':>7}")
    for b in bursts:
        for route in ("drivers", "roles/{role}", "all"):
            s = b[route]
            print(f"{b['concurrency']:>11} {s['n']:>8} {route:<14} {s['p50_ms']:>8.1f} "
                  f"{s['p99_ms']:>8.1f} {s['max_ms']:>8.1f} "
                  f"{b['throughput_rps'] if route == 'all' else float('nan'):>7.0f}")
        if b["errors"]:
            print(f"  {b['errors']} requests did not answer 200")
    print(f"\nupload → fit done, {args.rows:,} rows ({steps['file_mb']:.1f} MB CSV): "
          f"{steps['upload_to_done_s']:.2f} s (upload {steps['upload_s']:.2f} s, queue + fit "
          f"{steps['queue_and_fit_s']:.2f} s, of which in the worker "
          f"{steps['fit_in_worker_s']:.2f} s)")
    return {"bursts": bursts, "upload_to_fit": steps, "target_p99_ms": 25.0}


if __name__ == "__main__":
    main()
