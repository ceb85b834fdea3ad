"""How fast the HTTP server refuses the worst requests it is sent.

Usage: python benchmarks/api_refusals.py [--repeat 5]

Starts ``journeymap serve`` on 127.0.0.1 (a temporary SQLite database, one process,
``--header-timeout 2``) and times, from the first byte written to the last byte of the
answer (or the server closing the connection), over raw sockets:

* a 50 MB JSON body declared in ``Content-Length`` (413 before the body is read; only
  the headers are sent);
* a 50 MB JSON body sent chunked, without a length (413 once 10 MB have arrived);
* a 300 MB upload declared in ``Content-Length`` (413 before the body is read);
* 100 KB of headers (431);
* a connection that sends nothing (closed after the header timeout, by design 2 s here);
* a fit when the queue is full (503 with Retry-After; ``JOURNEYMAP_WORKERS=1``,
  ``JOURNEYMAP_MAX_QUEUED_FITS=0`` and a fit held running).

Reports the best and median of ``--repeat`` tries.  Only 127.0.0.1 is contacted.  Prints
a table and writes ``benchmarks/results/api_refusals.json`` with the environment.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from _common import environment, write

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
JOURNEYMAP = Path(sys.executable).with_name("journeymap")
MB = 1_000_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _exchange(port: int, chunks: Callable[[socket.socket], None]) -> tuple[float, bytes]:
    """Seconds from the first byte sent to the server's answer read whole (or closed)."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(60)
        t = time.perf_counter()
        # the server may answer and close while the body is still being sent
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            chunks(sock)
        data = b""
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass
        return time.perf_counter() - t, data


def _declared(path: str, size: int, ctype: str) -> Callable[[socket.socket], None]:
    def send(sock: socket.socket) -> None:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {ctype}\r\n"
                     f"Content-Length: {size}\r\nConnection: close\r\n\r\n".encode())
    return send


def _chunked(sock: socket.socket) -> None:
    sock.sendall(b"POST /v1/maps/validate HTTP/1.1\r\nHost: x\r\nContent-Type: "
                 b"application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    piece = b"x" * 65536
    sock.sendall(b'c\r\n{"source": "\r\n')
    for _ in range(50 * MB // len(piece)):
        sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")


def _big_headers(sock: socket.socket) -> None:
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n")


def _nothing(sock: socket.socket) -> None:
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    repeat = max(1, min(args.repeat, 50))
    with tempfile.TemporaryDirectory(prefix="jm-refusals-") as tmp:
        db = f"sqlite:///{tmp}/r.db"
        env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEYMAP_")}
        env.update({"JOURNEYMAP_WORKERS": "1", "JOURNEYMAP_MAX_QUEUED_FITS": "0",
                    "JOURNEYMAP_TEST_FIT_DELAY_SECONDS": "600"})
        key = subprocess.run([str(JOURNEYMAP), "admin", "create-workspace", "bench", "--db", db],
                             capture_output=True, text=True, env=env, timeout=120,
                             check=True).stdout.strip()
        port = _free_port()
        log = Path(tmp) / "server.log"
        with log.open("wb") as out:
            proc = subprocess.Popen([str(JOURNEYMAP), "serve", "--port", str(port), "--db", db,
                                     "--data-dir", f"{tmp}/data", "--log-level", "warning",
                                     "--header-timeout", "2"],
                                    stdout=out, stderr=subprocess.STDOUT, env=env)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            auth = {"Authorization": f"Bearer {key}"}
            with httpx.Client(base_url=url, headers=auth, timeout=60) as c:
                m = c.post("/v1/maps", json={"source": (EXAMPLES / "kitchen_b2b.yaml")
                                             .read_text(encoding="utf-8")}).json()
                with (EXAMPLES / "kitchen_b2b.csv").open("rb") as f:
                    d = c.post("/v1/datasets", files={"file": ("k.csv", f, "text/csv")}).json()
                held = c.post("/v1/fits", json={"map_id": m["id"], "dataset_id": d["id"]})
                assert held.status_code == 202, held.text
                fit_body = json.dumps({"map_id": m["id"], "dataset_id": d["id"]}).encode()

                def busy(sock: socket.socket) -> None:
                    sock.sendall(f"POST /v1/fits HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                                 f"{key}\r\nContent-Type: application/json\r\nContent-Length: "
                                 f"{len(fit_body)}\r\nConnection: close\r\n\r\n".encode()
                                 + fit_body)

                cases: list[tuple[str, Callable[[socket.socket], None]]] = [
                    ("50 MB JSON, declared", _declared("/v1/maps/validate", 50 * MB,
                                                       "application/json")),
                    ("50 MB JSON, chunked", _chunked),
                    ("300 MB upload, declared", _declared("/v1/datasets", 300 * MB,
                                                          "multipart/form-data; boundary=x")),
                    ("100 KB of headers", _big_headers),
                    ("nothing sent", _nothing),
                    ("fit, queue full", busy),
                ]
                rows: list[dict[str, Any]] = []
                for name, send in cases:
                    times, answer = [], b""
                    for _ in range(repeat):
                        seconds, answer = _exchange(port, send)
                        times.append(seconds)
                    status = answer.split(b" ", 2)[1].decode() if answer else "closed"
                    rows.append({"case": name, "answer": status, "best_s": min(times),
                                 "median_s": statistics.median(times)})
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    print(f"{'request':<26} {'answer':>7} {'best':>9} {'median':>9}")
    for r in rows:
        print(f"{r['case']:<26} {r['answer']:>7} {r['best_s'] * 1000:>7.1f}ms "
              f"{r['median_s'] * 1000:>7.1f}ms")
    path = write("api_refusals", {"repeat": repeat, "rows": rows, "environment": environment()})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
