"""Fixtures of the web-page tests: an app with a TestClient that keeps cookies, and for the
Playwright tests one real ``journeymap serve`` per pytest process (``site``, with the
example fitted once) and a headless Chromium per module (``browser``).  Helpers live in
``web_helpers.py``; the API tests' helpers are reused from ``tests/api/api_helpers.py``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import web_helpers  # noqa: F401  (puts tests/api on sys.path)
from api_helpers import Api, make_settings
from fastapi.testclient import TestClient
from journeymap_api.main import create_app
from web_helpers import Site, launch_chromium, playwright_or_skip, running_server


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Api]:
    """An app on a fresh SQLite database, with a TestClient that keeps cookies."""
    settings = make_settings(f"sqlite:///{tmp_path / 'journeymap.db'}", tmp_path / "data")
    with TestClient(create_app(settings), base_url="http://testserver") as client:
        yield Api(client=client, settings=settings)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One real server for every browser test module this process runs (``--dist
    loadfile`` keeps a module in one process): started when first asked for, stopped at
    the end of the session."""
    with running_server(tmp_path_factory.mktemp("site")) as server:
        yield Site(server)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium for the module (skips, with the reason, without one)."""
    sync_api = playwright_or_skip()
    with sync_api.sync_playwright() as p:
        b = launch_chromium(p)
        try:
            yield b
        finally:
            b.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """List the moderate and minor axe findings of tests/web/test_a11y_browser.py (they do
    not fail a test; serious and critical ones do).  They travel in the reports'
    ``user_properties``, so the list is complete under pytest-xdist too."""
    lines = []
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", ()):
                if name == "axe-notes" and getattr(report, "when", "call") == "call":
                    found = json.loads(value)
                    lines.extend(f"{found['page']}: {f}" for f in found["findings"])
    if lines:
        terminalreporter.section("axe: moderate and minor findings")
        for line in sorted(set(lines)):
            terminalreporter.write_line(line)
