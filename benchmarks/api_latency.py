"""Latency of the HTTP API on loopback, and the time from upload to a finished fit.

Usage: python benchmarks/api_latency.py [--workers 1 2] [--requests 200]
                                        [--concurrency 200 20] [--rounds 10]
                                        [--rows 100000] [--db URL]

For each ``--workers`` count, starts ``journeymap serve --workers N`` on 127.0.0.1 (a
free port; a temporary SQLite database unless ``--db`` is given), creates a workspace
with the CLI, uploads the bundled example and fits it.  Then, for each concurrency
level, a client in its own process sends ``--requests`` requests (half
``GET /v1/fits/{id}/drivers``, half ``GET /v1/fits/{id}/roles/{role}`` over the map's
roles) over that many kept-alive connections, all released at once, ``--rounds`` times;
it reports p50 / p99 / max latency over all rounds, the worst round's p99 and the
throughput.

The client: a separate process (not the server's), an asyncio event loop (uvloop when
installed) and a minimal raw-socket HTTP/1.1 client, one kept-alive connection per
request in flight, opened before timing; before timing, every connection asks for every
path once, so every server process has the answers in memory, as a server in use has.
A request's latency is from just before its bytes are written to the socket until the
last byte of its body is read.  The client shares the machine's cores with the server.
Last, it uploads a simulated survey of ``--rows`` responses and measures upload → fit
``done`` (polling every 20 ms).

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
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import httpx

from _common import environment, write

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
JOURNEYMAP = Path(sys.executable).with_name("journeymap")
TIMEOUT = 60.0
MAX_REQUESTS = 5000
MAX_ROUNDS = 100
TARGET_P99_MS = 25.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _start(db: str, data_dir: Path, log: Path, workers: int
           ) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEYMAP_")}
    with log.open("wb") as out:
        proc = subprocess.Popen([str(JOURNEYMAP), "serve", "--host", "127.0.0.1", "--port",
                                 str(port), "--db", db, "--data-dir", str(data_dir),
                                 "--log-level", "warning",
                                 *(["--workers", str(workers)] if workers > 1 else [])],
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


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()  # uvicorn stops its worker processes and waits for them
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


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


# ------------------------------------------------------------------ the client
async def _get(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
               ) -> int:
    """One GET on a kept-alive HTTP/1.1 connection; returns the status code."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = next(int(line.split(":", 1)[1]) for line in lines
                  if line.lower().startswith("content-length:"))
    await reader.readexactly(length)
    return int(lines[0].split()[1])


async def _bursts(url: str, key: str, paths: list[str], concurrency: int, rounds: int
                  ) -> dict[str, Any]:
    """``rounds`` times: ``paths`` over ``concurrency`` kept-alive connections, all
    released at once (each connection takes the next path when its answer is in)."""
    host, port = url.removeprefix("http://").split(":")
    requests = {p: (f"GET {p} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                    f"Authorization: Bearer {key}\r\n\r\n").encode() for p in set(paths)}
    conns = [await asyncio.wait_for(asyncio.open_connection(host, int(port)), TIMEOUT)
             for _ in range(min(concurrency, len(paths)))]
    for reader, writer in conns:  # every server process that holds a connection: warm
        for request in requests.values():
            assert await asyncio.wait_for(_get(reader, writer, request), TIMEOUT) == 200
    latencies: dict[str, list[float]] = {}
    round_p99: list[float] = []
    spreads: list[float] = []
    errors = 0
    wall = 0.0
    cpu = time.process_time()
    for _ in range(rounds):
        queue = list(reversed(paths))
        sent: list[float] = []
        this_round: list[float] = []
        start_line = asyncio.Event()

        async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                         queue: list[str] = queue, sent: list[float] = sent,
                         this_round: list[float] = this_round,
                         start_line: asyncio.Event = start_line) -> None:
            nonlocal errors
            await start_line.wait()
            while queue:
                path = queue.pop()
                t = time.perf_counter()
                sent.append(t)
                status = await asyncio.wait_for(_get(reader, writer, requests[path]), TIMEOUT)
                dt = time.perf_counter() - t
                errors += status != 200
                this_round.append(dt)
                kind = "drivers" if path.endswith("/drivers") else "roles/{role}"
                latencies.setdefault(kind, []).append(dt)

        tasks = [asyncio.create_task(client(r, w)) for r, w in conns]
        await asyncio.sleep(0)
        start = time.perf_counter()
        start_line.set()
        await asyncio.gather(*tasks)
        wall += time.perf_counter() - start
        round_p99.append(_summary(this_round)["p99_ms"])
        spreads.append((sent[len(conns) - 1] - sent[0]) * 1000)  # first to last in flight
        await asyncio.sleep(0.05)
    cpu = time.process_time() - cpu
    for _reader, writer in conns:
        writer.close()
    every = [x for v in latencies.values() for x in v]
    return {"concurrency": concurrency, "requests": len(paths), "rounds": rounds,
            "errors": errors, "wall_s": wall, "throughput_rps": len(every) / wall,
            "worst_round_p99_ms": max(round_p99),
            "median_round_p99_ms": statistics.median(round_p99),
            "send_spread_ms": statistics.median(spreads),
            "client_cpu_us_per_request": cpu / len(every) * 1e6,
            "all": _summary(every), **{k: _summary(v) for k, v in latencies.items()}}


def _client(url: str, key: str, paths: list[str], levels: list[int], rounds: int
            ) -> tuple[str, list[dict[str, Any]]]:
    """The client process: every concurrency level; returns its loop's name and results."""
    try:
        import uvloop
    except ImportError:
        loop = "asyncio"
        run: Any = asyncio.run
    else:
        loop = f"uvloop {uvloop.__version__}"
        run = uvloop.run
    return loop, [run(_bursts(url, key, paths, n, rounds)) for n in levels]


def _summary(xs: list[float]) -> dict[str, float]:
    ms = sorted(x * 1000 for x in xs)
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return {"p50_ms": q[49], "p99_ms": q[98], "max_ms": ms[-1], "n": len(ms)}


# ------------------------------------------------------------------------ main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                    help="server processes (journeymap serve --workers N); one run each")
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[200, 20])
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--db", default=None, help="database URL (default: temporary SQLite)")
    args = ap.parse_args()
    if not 1 <= args.requests <= MAX_REQUESTS:
        raise SystemExit(f"--requests must be 1 to {MAX_REQUESTS}")
    if not 1 <= args.rounds <= MAX_ROUNDS:
        raise SystemExit(f"--rounds must be 1 to {MAX_ROUNDS}")
    if not all(1 <= w <= 8 for w in args.workers):
        raise SystemExit("--workers must be 1 to 8")

    runs = []
    for workers in args.workers:
        with tempfile.TemporaryDirectory(prefix="jm-bench-") as tmp_name:
            tmp = Path(tmp_name)
            db = args.db or f"sqlite:///{tmp / 'bench.db'}"
            key = _key(db)
            proc, url = _start(db, tmp / "data", tmp / "server.log", workers)
            try:
                runs.append({"workers": workers, **_run(url, key, args, tmp)})
            finally:
                _stop(proc)
    out = {"runs": runs, "client": CLIENT.format(loop=runs[0]["client_loop"]),
           "target_p99_ms": TARGET_P99_MS,
           "database": (args.db or "sqlite").split(":", 1)[0], "environment": environment()}
    _print(out, args.rows)
    path = write("api_latency", out)
    print(f"\nwritten to {path}")


CLIENT = ("separate process, {loop} event loop, raw-socket HTTP/1.1 keep-alive client; one "
          "connection per request in flight, opened and warmed (every path once) before "
          "timing; latency = request written → last body byte read")


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

        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
            loop, bursts = pool.submit(_client, url, key, paths, args.concurrency,
                                       args.rounds).result()

        from journeymap.datasets import example_data

        big = tmp / f"survey_{args.rows}.csv"
        example_data(n=args.rows, seed=7).data.to_csv(big, index=False)
        _fit_big, steps = _fit(c, m.json()["id"], big)
        steps["rows"] = args.rows
        steps["file_mb"] = big.stat().st_size / 2**20
    return {"client_loop": loop, "bursts": bursts, "upload_to_fit": steps}


def _print(out: dict[str, Any], rows: int) -> None:
    print(f"client: {out['client']}\n")
    print(f"{'workers':>7} {'in flight':>9} {'requests':>8} {'route':<13} {'p50 ms':>7} "
          f"{'p99 ms':>7} {'max ms':>7} {'worst-round p99':>15} {'req/s':>7}")
    for run in out["runs"]:
        for b in run["bursts"]:
            for route in ("drivers", "roles/{role}", "all"):
                s = b[route]
                every = route == "all"
                print(f"{run['workers']:>7} {b['concurrency']:>9} {s['n']:>8} {route:<13} "
                      f"{s['p50_ms']:>7.1f} {s['p99_ms']:>7.1f} {s['max_ms']:>7.1f} "
                      f"{b['worst_round_p99_ms'] if every else float('nan'):>15.1f} "
                      f"{b['throughput_rps'] if every else float('nan'):>7.0f}")
            if b["errors"]:
                print(f"  {b['errors']} requests did not answer 200")
            print(f"{'':>17} sent within {b['send_spread_ms']:.1f} ms; client CPU "
                  f"{b['client_cpu_us_per_request']:.0f} µs per request")
    for run in out["runs"]:
        steps = run["upload_to_fit"]
        print(f"\n{run['workers']} worker(s): upload → fit done, {rows:,} rows "
              f"({steps['file_mb']:.1f} MB CSV): {steps['upload_to_done_s']:.2f} s (upload "
              f"{steps['upload_s']:.2f} s, queue + fit {steps['queue_and_fit_s']:.2f} s, of "
              f"which in the worker {steps['fit_in_worker_s']:.2f} s)")
    print(f"\ntarget: p99 ≤ {out['target_p99_ms']:.0f} ms with "
          f"{max(b['concurrency'] for r in out['runs'] for b in r['bursts'])} in flight")


if __name__ == "__main__":
    main()
