"""Helpers of the API tests (imported by the tests and by conftest.py)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from journeymap_api.auth import create_workspace
from journeymap_api.settings import Settings

PG_ENV = "JOURNEYMAP_TEST_DATABASE_URL"
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
JOURNEYMAP = Path(sys.executable).with_name("journeymap")
KEY_RE = re.compile(r"^jm_[A-Za-z0-9_-]{20,}$")


# ----------------------------------------------------------------------- apps
def make_settings(db: str, data_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"database_url": db, "data_dir": data_dir,
                              "heartbeat_seconds": 0.2, "stale_after_seconds": 2.0}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class Api:
    """A TestClient on an app, and a way to make workspaces in its database."""

    client: TestClient
    settings: Settings
    keys: dict[str, str] = field(default_factory=dict)

    def workspace(self, name: str = "acme") -> dict[str, str]:
        """Authorization headers for a (new) workspace called ``name``."""
        if name not in self.keys:
            sessions = self.client.app.state.sessions  # type: ignore[attr-defined]
            with sessions() as session:
                _ws, key = create_workspace(session, name)
                session.commit()
            self.keys[name] = key
        return {"Authorization": f"Bearer {self.keys[name]}"}


MakeApi = Callable[..., AbstractContextManager[Api]]


# -------------------------------------------------------------------- helpers
def example_map_text() -> str:
    return (EXAMPLES / "kitchen_b2b.yaml").read_text(encoding="utf-8")


def post_map(client: TestClient | httpx.Client, headers: dict[str, str],
             source: str | None = None, filename: str = "kitchen_b2b.yaml") -> dict[str, Any]:
    r = client.post("/v1/maps", json={"source": source or example_map_text(),
                                      "filename": filename}, headers=headers)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def upload(client: TestClient | httpx.Client, headers: dict[str, str], path: Path | None = None,
           *, content: bytes | None = None, filename: str | None = None) -> httpx.Response:
    path = path or EXAMPLES / "kitchen_b2b.csv"
    data = content if content is not None else path.read_bytes()
    return client.post("/v1/datasets", headers=headers,
                       files={"file": (filename or path.name, data, "text/csv")})


def post_dataset(client: TestClient | httpx.Client, headers: dict[str, str],
                 path: Path | None = None) -> dict[str, Any]:
    r = upload(client, headers, path)
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def start_fit(client: TestClient | httpx.Client, headers: dict[str, str], map_id: str,
              dataset_id: str, **extra: Any) -> dict[str, Any]:
    r = client.post("/v1/fits", json={"map_id": map_id, "dataset_id": dataset_id, **extra},
                    headers=headers)
    assert r.status_code == 202, r.text
    body: dict[str, Any] = r.json()
    return body


def wait_fit(client: TestClient | httpx.Client, headers: dict[str, str], fit_id: str,
             timeout: float = 120.0, until: tuple[str, ...] = ("done", "failed")
             ) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        r = client.get(f"/v1/fits/{fit_id}", headers=headers)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        if body["status"] in until:
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"fit {fit_id} still {body['status']} after {timeout} s")
        time.sleep(0.05)


def fitted(client: TestClient | httpx.Client, headers: dict[str, str], **extra: Any
           ) -> dict[str, Any]:
    """Map + example data + a finished fit; returns the fit."""
    m = post_map(client, headers)
    d = post_dataset(client, headers)
    fit = start_fit(client, headers, m["id"], d["id"], **extra)
    done = wait_fit(client, headers, fit["id"])
    assert done["status"] == "done", done["error"]
    return done


def every_page(client: TestClient | httpx.Client, headers: dict[str, str], path: str,
               key: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every item of a paged list (``/v1/cases``, a webhook's deliveries): the first page,
    then each ``next`` until it is null; checks that ``count`` matches what was read."""
    r = client.get(path, params=params, headers=headers)
    assert r.status_code == 200, r.text
    body = r.json()
    items: list[dict[str, Any]] = list(body[key])
    while body["next"] is not None:
        r = client.get(body["next"], headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        items += body[key]
    assert len(items) == body["count"], (len(items), body["count"])
    return items


# ------------------------------------------------------------- real servers
# ``serve --port 0`` binds a port the system chooses and logs it at --log-level info
# (uvicorn's "Uvicorn running on http://127.0.0.1:PORT" line, also with --workers N,
# where the parent binds the one socket all workers share).  Nothing can take the port
# between choosing and binding it, as it could with a port picked by the test and
# released before the server binds it.
LISTENING_RE = re.compile(rb"Uvicorn running on http://127\.0\.0\.1:(\d+) ")


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(JOURNEYMAP), *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120, check=False)


@dataclass
class Server:
    """A ``journeymap serve`` subprocess on 127.0.0.1."""

    db: str
    data_dir: Path
    env: dict[str, str]
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    log: Path | None = None
    args: list[str] = field(default_factory=list)  # more ``serve`` options (--workers 2)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120.0) -> Server:
        """Start the server on a port it binds itself; return once /healthz answers.

        ``timeout`` bounds a wait, it is not a timing: on a loaded machine a start can
        take tens of seconds (30 s was once too little).
        """
        assert self.log is not None
        offset = self.log.stat().st_size if self.log.exists() else 0  # a restart appends
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(JOURNEYMAP), "serve", "--host", "127.0.0.1", "--port", "0",
                 "--db", self.db, "--data-dir", str(self.data_dir), "--log-level", "info",
                 *self.args],
                env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.port = 0
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited: {self.log.read_text()[-2000:]}")
            if not self.port:
                with self.log.open("rb") as f:
                    f.seek(offset)
                    found = LISTENING_RE.search(f.read())
                if found is None:  # not bound yet: wait and look again
                    time.sleep(0.1)
                    continue
                self.port = int(found.group(1))
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:  # not listening yet: wait and try again
                time.sleep(0.1)
                continue
            time.sleep(0.1)
        raise AssertionError(f"server did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def kill(self) -> None:
        """SIGKILL: the process dies at once, as in a crash."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()
        self.proc = None

    def client(self, key: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {key}"},
                            timeout=30)

    def create_workspace(self, name: str) -> str:
        r = cli("admin", "create-workspace", name, "--db", self.db, env=self.env)
        assert r.returncode == 0, r.stderr
        key = r.stdout.strip()
        assert KEY_RE.match(key), r.stdout
        return key
