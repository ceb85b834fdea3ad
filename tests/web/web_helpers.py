"""Helpers of the web-page tests (imported by the tests and by conftest.py)."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))  # api_helpers

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
