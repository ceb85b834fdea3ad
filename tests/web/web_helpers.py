"""Helpers of the web-page tests (imported by the tests and by conftest.py)."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))  # api_helpers
from api_helpers import Server, fitted

#: Debian's chromium, driven by the playwright package (``playwright install`` is never run).
CHROMIUM = Path("/usr/bin/chromium")


def playwright_or_skip() -> Any:
    """``playwright.sync_api``; skips the calling test module, with the reason, when the
    package or ``/usr/bin/chromium`` is missing (``.ci/run`` installs both)."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="the 'playwright' package is not installed "
                                          "(pip install playwright; no 'playwright install').")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium "
                    "(apt-get install chromium; .ci/run does it as root).",
                    allow_module_level=True)
    return sync_api


def launch_chromium(playwright: Any) -> Any:
    """A headless Chromium from a ``sync_playwright()`` context."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of a page's first form."""
    m = CSRF_RE.search(html)
    assert m, "no csrf_token in the page"
    return m.group(1)


def sign_in(client: TestClient, key: str) -> str:
    """Sign ``client`` in with ``key``; returns the session's CSRF token."""
    form = client.get("/app/sign-in")
    r = client.post("/app/sign-in", data={"key": key, "csrf_token": csrf_of(form.text),
                                          "next": "/app"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    home = client.get("/app")
    assert home.status_code == 200
    return csrf_of(home.text)


# ------------------------------------------------------------------ one real server
#: the server's environment: the tests' own (without JOURNEYMAP_* settings of the shell),
#: with the fast heartbeat the API tests' apps use (``api_helpers.make_settings``)
SERVER_ENV = {"JOURNEYMAP_HEARTBEAT_SECONDS": "0.2", "JOURNEYMAP_STALE_AFTER_SECONDS": "2"}


@contextmanager
def running_server(tmp: Path) -> Iterator[Server]:
    """A ``journeymap serve`` on 127.0.0.1 with its SQLite database and files in ``tmp``;
    stopped on leaving (its log is ``tmp / "server.log"``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOURNEYMAP_")}
    env.update(SERVER_ENV)
    server = Server(db=f"sqlite:///{tmp / 'journeymap.db'}", data_dir=tmp / "data", env=env,
                    log=tmp / "server.log")
    try:
        yield server.start()
    finally:
        server.stop()


@dataclass
class Site:
    """The real server the browser test modules of one pytest process share (the
    session fixture ``site`` of ``conftest.py``): started once, with workspaces made
    when first asked for, and the example map fitted once in the "workshop" workspace.

    A module that only reads uses :meth:`example` in the shared workspace; a module whose
    steps add maps, data sets or fits another page lists asks for a workspace of its own
    (:meth:`key`), so the modules see the same pages in whatever order they run."""

    server: Server
    keys: dict[str, str] = field(default_factory=dict)
    _example: dict[str, Any] | None = None

    @property
    def url(self) -> str:
        return self.server.url

    def key(self, workspace: str = "workshop") -> str:
        """The key of ``workspace``, made on first use."""
        if workspace not in self.keys:
            self.keys[workspace] = self.server.create_workspace(workspace)
        return self.keys[workspace]

    def api(self, workspace: str = "workshop") -> httpx.Client:
        """An HTTP client of the /v1 API with the key of ``workspace``."""
        return httpx.Client(base_url=self.url,
                            headers={"Authorization": f"Bearer {self.key(workspace)}"},
                            timeout=60)

    def example(self) -> dict[str, Any]:
        """The fit (``GET /v1/fits/{id}``) of the example map and survey in the
        "workshop" workspace, fitted on first use."""
        if self._example is None:
            with self.api() as api:
                self._example = fitted(api, {})
        return self._example

    def share(self, fit_id: str, role: str = "installer") -> dict[str, Any]:
        """A new share link of ``role``'s page (``POST /v1/fits/{id}/roles/{role}/share``)."""
        with self.api() as api:
            r = api.post(f"/v1/fits/{fit_id}/roles/{role}/share")
            assert r.status_code == 201, r.text
            body: dict[str, Any] = r.json()
        return body
