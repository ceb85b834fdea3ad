"""Pages people see without ranking them, and role share links opened without a key."""

from __future__ import annotations

import re
from typing import Any

import web_helpers  # noqa: F401  (puts tests/api on sys.path)
from api_helpers import Api, fitted
from web_helpers import sign_in


def _fit(web: Api, name: str = "acme") -> dict[str, Any]:
    return fitted(web.client, web.workspace(name))


# ------------------------------------------------------------------ no ranking
def test_the_roles_page_lists_roles_alphabetically_without_numbers(web: Api) -> None:
    fit = _fit(web)
    sign_in(web.client, web.keys["acme"])
    api = web.client.get(f"/v1/fits/{fit['id']}/roles", headers=web.workspace("acme")).json()
    labels = [r["label"] for r in api["roles"]]
    page = web.client.get(f"/app/fits/{fit['id']}/roles").text
    listed = re.findall(r'<li><a href="/app/fits/[^/]+/roles/[^"]+">([^<]+)</a></li>', page)
    assert listed == sorted(labels, key=str.casefold)
    assert listed != labels  # the API's order (largest influence first) is not shown
    assert "NPS points" not in page
    assert "<table" not in page
