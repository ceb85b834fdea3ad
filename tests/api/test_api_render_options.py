"""``map.svg``'s drawing options over HTTP: ``routes_only``, ``width``, ``height`` and
``font_scale`` give the library's picture (docs/api.md); a value out of range is a 422."""

from __future__ import annotations

import re
import shutil

import pytest
from api_helpers import Api, fitted, post_map

import journeymap as jm
from journeymap.render import render

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot is missing")


def font_sizes(svg: bytes) -> list[float]:
    return [float(x) for x in re.findall(rb'font-size="([\d.]+)"', svg)]


@needs_dot
def test_a_maps_routes_view_with_a_width_and_font_scale_is_the_librarys_picture(
        api: Api) -> None:
    headers = api.workspace()
    m = post_map(api.client, headers)
    r = api.client.get(f"/v1/maps/{m['id']}/map.svg", headers=headers, params={
        "role": "installer", "routes_only": "true", "width": 360, "font_scale": 1.5})
    assert r.status_code == 200, r.text
    want = render(jm.example_map(), role="installer", routes_only=True, width=360,
                  font_scale=1.5)
    assert re.search(rb'<svg width="360px"', r.content)
    assert font_sizes(r.content) == font_sizes(want)
    assert r.content.count(b'class="node') == want.count(b'class="node')


@needs_dot
def test_a_fits_map_takes_the_same_options(api: Api) -> None:
    headers = api.workspace()
    fit = fitted(api.client, headers)
    r = api.client.get(f"/v1/fits/{fit['id']}/map.svg", headers=headers,
                       params={"role": "billing", "routes_only": "true", "height": 500})
    assert r.status_code == 200, r.text
    height = re.search(rb'<svg width="[\d.]+px" height="([\d.]+)px"', r.content)
    assert height is not None
    assert float(height[1]) == pytest.approx(500, abs=0.01)
    plain = api.client.get(f"/v1/fits/{fit['id']}/map.svg", headers=headers,
                           params={"role": "billing"})
    assert plain.content != r.content  # not served from the other drawing's cache


@pytest.mark.parametrize(("params", "words"), [
    ({"width": 0}, "width"), ({"height": 6001}, "height"), ({"font_scale": 5}, "font_scale"),
    ({"routes_only": "true"}, "drawing only a role's routes needs the role"),
])
def test_a_drawing_option_out_of_range_is_a_422_problem(
        api: Api, params: dict[str, object], words: str) -> None:
    headers = api.workspace()
    m = post_map(api.client, headers)
    r = api.client.get(f"/v1/maps/{m['id']}/map.svg", headers=headers, params=params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert words in r.text
