"""Fixtures of the web-page tests: an app with a TestClient that keeps cookies (the
Playwright tests start a real ``journeymap serve`` themselves).  Helpers live in
``web_helpers.py``; the API tests' helpers are reused from ``tests/api/api_helpers.py``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import web_helpers  # noqa: F401  (puts tests/api on sys.path)
from api_helpers import Api, make_settings
from fastapi.testclient import TestClient
from journeymap_api.main import create_app


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Api]:
    """An app on a fresh SQLite database, with a TestClient that keeps cookies."""
    settings = make_settings(f"sqlite:///{tmp_path / 'journeymap.db'}", tmp_path / "data")
    with TestClient(create_app(settings), base_url="http://testserver") as client:
        yield Api(client=client, settings=settings)
