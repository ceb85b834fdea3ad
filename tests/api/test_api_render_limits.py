"""The drawn map over HTTP: a map too large to draw is a 422 problem, graphviz too slow
a 503 problem, and neither leaves a ``dot`` process behind (docs/security.md,
"Rendering")."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from api_helpers import Api, fitted, post_map

from journeymap import limits

PROBLEM = "application/problem+json"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot is missing")


def chains(n: int, length: int) -> str:
    """A map of ``n`` roles, each acting on its own chain of ``length`` touchpoints."""
    nodes: list[dict[str, Any]] = [{"id": "nps", "kind": "outcome", "column": "ltr"}]
    edges: list[list[str]] = []
    for c in range(n):
        nodes.append({"id": f"r{c}", "kind": "role"})
        edges.append([f"r{c}", f"t{c}_0"])
        for i in range(length):
            nodes.append({"id": f"t{c}_{i}", "kind": "touchpoint", "column": f"q{c}_{i}",
                          "scale": [1, 5]})
            if i:
                edges.append([f"t{c}_{i - 1}", f"t{c}_{i}"])
        edges.append([f"t{c}_{length - 1}", "nps"])
    return yaml.safe_dump({"outcome": "nps", "nodes": nodes, "edges": edges})


def dot_children() -> list[int]:
    """This process's children (zombies too) running ``dot``."""
    me, found = os.getpid(), []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            if int(fields[1]) == me and stat[stat.index("(") + 1:stat.rindex(")")] == "dot":
                found.append(int(entry.name))
    return found


def test_map_svg_of_a_map_too_large_to_draw_is_a_422_problem_saying_what_to_do(
        api: Api) -> None:
    headers = api.workspace()
    m = post_map(api.client, headers, chains(10, 50), "big.yaml")  # 511 nodes
    r = api.client.get(f"/v1/maps/{m['id']}/map.svg", headers=headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    body = r.json()
    assert body["type"] == "urn:journeymap:problem:map-too-large"
    assert body["title"] == "The map is too large to draw"
    assert str(body["detail"]).startswith(
        "this map is too large to draw: it has 511 nodes and 510 edges, and one picture holds "
        f"at most {limits.MAX_RENDER_NODES:,} nodes")
    assert "--role ROLE; roles: r0, r1, r2, r3, r4 and 5 more" in str(body["detail"])


@needs_dot
def test_the_role_view_of_a_map_too_large_is_drawn(api: Api) -> None:
    headers = api.workspace()
    m = post_map(api.client, headers, chains(10, 50), "big.yaml")
    r = api.client.get(f"/v1/maps/{m['id']}/map.svg", params={"role": "r2"}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.text.count('class="node') == 52  # r2, its 50 touchpoints and the outcome


@needs_dot
def test_a_fitted_map_too_large_to_draw_is_a_422_problem(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    headers = api.workspace()
    fit = fitted(api.client, headers)
    monkeypatch.setattr(limits, "MAX_RENDER_NODES", 5)
    r = api.client.get(f"/v1/fits/{fit['id']}/map.svg", headers=headers)
    assert r.status_code == 422, r.text
    assert r.json()["type"] == "urn:journeymap:problem:map-too-large"
    assert "one picture holds at most 5 nodes" in r.json()["detail"]


@needs_dot
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_graphviz_too_slow_is_a_503_problem_and_leaves_no_dot_process(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    headers = api.workspace()
    m = post_map(api.client, headers)
    monkeypatch.setattr(limits, "RENDER_TIMEOUT_S", 0.001)
    r = api.client.get(f"/v1/maps/{m['id']}/map.svg", headers=headers)
    assert r.status_code == 503, r.text
    body = r.json()
    assert body["type"] == "urn:journeymap:problem:render-unavailable"
    assert str(body["detail"]).startswith("graphviz did not finish drawing the map within "
                                          "0.001 s and was stopped")
    assert dot_children() == []
    monkeypatch.setattr(limits, "RENDER_TIMEOUT_S", 30.0)
    assert api.client.get(f"/v1/maps/{m['id']}/map.svg", headers=headers).status_code == 200
