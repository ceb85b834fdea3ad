"""The 95 % intervals the library computed, on the pages that show their figures: the
drivers page (direct, indirect and total effect), the role page's routes and the arrows'
words; "95 %" never split between "95" and "%" (one no-break space, api.web.numbers);
the what-if's warning for a shifted node whose effect the bayesnet engine could not
estimate (docs/method.md, "9.8 Sparse data")."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest
import web_helpers  # noqa: F401  (puts tests/api on sys.path)
from api_helpers import Api, example_map_text, fitted, post_map, start_fit, upload, wait_fit
from journeymap_api.web.numbers import CI95, NBSP, keep_percent
from web_helpers import csrf_of, sign_in

import journeymap as jm
from journeymap import i18n
from journeymap.analysis import what_if
from journeymap.analysis.whatif import not_estimable_warning
from journeymap.engines import FitResult
from journeymap.formatting import signed
from journeymap.model import JourneyMap

ROW_RE = re.compile(r'<tr data-node="([^"]+)">(.*?)</tr>', re.S)
CELL_RE = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
TAG_RE = re.compile(r"<[^>]+>")
# text a reader sees: without scripts, styles and form fields that hold the user's own text
HIDDEN_RE = re.compile(r"<(script|style|textarea)\b.*?</\1>", re.S)
BROKEN_PERCENT_RE = re.compile(r"\d[ \t\n]+%")


def _text(markup: str) -> str:
    """What a reader sees of ``markup``: its text, runs of spaces as one (no-break
    spaces kept)."""
    return re.sub(r"[ \t\n]+", " ", html.unescape(TAG_RE.sub("", markup)))


def _result(fit: dict[str, Any]) -> FitResult:
    """The library's result object of a service fit (its JSON read back)."""
    return FitResult.from_dict(fit["result"], JourneyMap.from_text(example_map_text()))


def _interval(lo: float, hi: float, digits: int) -> str:
    return f"({signed(lo, digits)} to {signed(hi, digits)})"


@pytest.fixture
def fit(web: Api) -> dict[str, Any]:
    done = fitted(web.client, web.workspace("acme"))
    sign_in(web.client, web.keys["acme"])
    return done


def test_the_drivers_page_shows_each_effect_with_the_librarys_95_percent_interval(
        web: Api, fit: dict[str, Any]) -> None:
    result = _result(fit)
    page = web.client.get(f"/app/fits/{fit['id']}/drivers").text
    rows = dict(ROW_RE.findall(page))
    assert len(rows) == len(result.node_effects)
    widths = 0
    for eff in result.node_effects:
        cells = [_text(c).replace(NBSP, " ").strip() for c in CELL_RE.findall(rows[eff.node])]
        shown = cells[1:5]
        for text, value, ci, digits in zip(
                shown, (eff.nps_points, eff.total, eff.direct, eff.indirect),
                (eff.nps_points_ci, eff.total_ci, eff.direct_ci, eff.indirect_ci),
                (1, 2, 2, 2), strict=True):
            assert ci is not None
            if ci[0] < ci[1]:
                assert text == f"{signed(value, digits)} {_interval(*ci, digits)}"
                widths += 1
            else:  # an effect that is exactly a point (no edge, no route): no bracket
                assert text == signed(value, digits)
    assert widths >= 2 * len(result.node_effects)
    assert "Indirect (95" in page


def test_the_role_page_lists_every_route_with_the_librarys_interval(
        web: Api, fit: dict[str, Any]) -> None:
    result = _result(fit)
    m = result.journey_map
    page = web.client.get(f"/app/fits/{fit['id']}/roles/installer").text
    routes = result.role("installer").paths
    assert len(routes) >= 2
    for route in routes:
        assert route.nps_points_ci is not None
        label = html.escape(" → ".join(m.node(n).display for n in route.nodes))
        cell = (f'<td class="first">{label}</td><td class="num" data-label="NPS points '
                f'(95{NBSP}%)">{signed(route.nps_points)} {_interval(*route.nps_points_ci, 1)}'
                f"</td>")
        assert cell in page


def test_the_api_role_routes_carry_the_librarys_interval(web: Api, fit: dict[str, Any]) -> None:
    result = _result(fit)
    body = web.client.get(f"/v1/fits/{fit['id']}/roles/installer",
                          headers=web.workspace("acme")).json()
    got = {tuple(p["nodes"]): p["nps_points_ci"] for p in body["paths"]}
    assert got == {p.nodes: list(p.nps_points_ci or ()) for p in result.role("installer").paths}


def test_an_arrow_of_one_route_states_that_routes_interval_in_words(
        web: Api, fit: dict[str, Any]) -> None:
    result = _result(fit)
    through: dict[tuple[str, str], list[Any]] = {}
    for p in result.role("installer").paths:
        for a, b in zip(p.nodes, p.nodes[1:], strict=False):
            through.setdefault((a, b), []).append(p)
    single = {k: v[0] for k, v in through.items() if len(v) == 1}
    several = {k: len(v) for k, v in through.items() if len(v) > 1}
    assert single
    assert several
    page = _text(web.client.get(f"/app/fits/{fit['id']}/roles/installer").text)
    for route in single.values():
        lo, hi = route.nps_points_ci
        assert (f"Very likely between {signed(lo)} and {signed(hi)} NPS points "
                f"(95{NBSP}%).") in page
    for n in several.values():
        assert f"It adds up {n} routes;" in page


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_95_percent_never_breaks_between_the_number_and_the_sign(
        web: Api, fit: dict[str, Any], lang: str) -> None:
    base = f"/app/fits/{fit['id']}"
    csrf = csrf_of(web.client.get(f"{base}/drivers").text)
    pages = {path: web.client.get(f"{path}?lang={lang}").text
             for path in (base, f"{base}/drivers", f"{base}/roles/installer",
                          f"{base}/roles/support_agent", f"{base}/check")}
    pages["what-if"] = web.client.post(f"{base}/what-if", data={
        "csrf_token": csrf, "shift.installation": "1"}).text
    for path, page in pages.items():
        visible = HIDDEN_RE.sub("", page)
        assert f"95{NBSP}%" in visible, path
        broken = [visible[max(0, m.start() - 40):m.end() + 5]
                  for m in BROKEN_PERCENT_RE.finditer(visible)]
        assert broken == [], (lang, path)


def test_the_one_helper_joins_a_number_to_its_percent_sign() -> None:
    assert keep_percent("95 %") == CI95 == "95\u00a0%"
    assert keep_percent("95 %: +1.0 to +2.0; 42  % of them") == (
        f"95{NBSP}%: +1.0 to +2.0; 42{NBSP}% of them")
    assert keep_percent("width: 100%") == "width: 100%"
    assert keep_percent(None) is None


# ------------------------------------------------------------------ what-if warning
@pytest.fixture
def small_bayesnet(web: Api, tmp_path: Path) -> tuple[dict[str, Any], FitResult]:
    """A bayesnet fit of 250 responses in the service, and the same fit in the library."""
    data = jm.example_data(n=250, seed=1).data
    path = tmp_path / "small.csv"
    data.to_csv(path, index=False)
    h = web.workspace("acme")
    m = post_map(web.client, h)
    r = upload(web.client, h, path)
    assert r.status_code == 201, r.text
    fit = start_fit(web.client, h, m["id"], r.json()["id"], engine="bayesnet",
                    options={"draws": 20})
    assert wait_fit(web.client, h, fit["id"])["status"] == "done"
    local = jm.fit(jm.example_map(), data, engine="bayesnet", draws=20)
    return fit, local


def test_a_what_if_on_a_node_that_is_not_estimable_carries_the_librarys_warning(
        web: Api, small_bayesnet: tuple[dict[str, Any], FitResult]) -> None:
    fit, local = small_bayesnet
    assert local.effect("installation").not_estimable
    assert local.role("installer").not_estimable
    assert not local.effect("website").not_estimable
    h = web.workspace("acme")
    for shifts in ({"installation": 1.0}, {"installer": 0.5, "website": 1.0}):
        body = web.client.post(f"/v1/fits/{fit['id']}/what-if", json={"shifts": shifts},
                               headers=h).json()
        expected = what_if(local, shifts)
        assert body["warnings"] == list(expected.warnings)
        assert body["warnings"] == [not_estimable_warning(local, shifts)]
        assert body["change"] == pytest.approx(expected.change, abs=1e-9)
    share = max(local.effect("installation").thin_share or 0,
                local.role("installer").thin_share or 0)
    assert f"{share:.0%}" in not_estimable_warning(local, {"installation": 1, "installer": 1})
    body = web.client.post(f"/v1/fits/{fit['id']}/what-if", json={"shifts": {"website": 1}},
                           headers=h).json()
    assert body["warnings"] == []


def test_the_linear_what_if_has_no_warning(web: Api, fit: dict[str, Any]) -> None:
    body = web.client.post(f"/v1/fits/{fit['id']}/what-if",
                           json={"shifts": {"installation": 1}},
                           headers=web.workspace("acme")).json()
    assert body["warnings"] == []


@pytest.mark.parametrize("lang", ["en", "sv", "fi"])
def test_the_what_if_slider_shows_the_warning_in_the_pages_language(
        web: Api, small_bayesnet: tuple[dict[str, Any], FitResult], lang: str) -> None:
    fit, local = small_bayesnet
    sign_in(web.client, web.keys["acme"])
    base = f"/app/fits/{fit['id']}"
    page = web.client.get(f"{base}/drivers?lang={lang}").text
    r = web.client.post(f"{base}/what-if", data={"csrf_token": csrf_of(page),
                                                 "shift.installation": "1"})
    assert r.status_code == 200
    with i18n.use_language(lang):
        warning = not_estimable_warning(local, {"installation": 1})
    assert warning is not None
    assert f"<li>{html.escape(keep_percent(warning), quote=True)}</li>" in r.text
    if lang != "en":
        with i18n.use_language("en"):
            assert not_estimable_warning(local, {"installation": 1}) not in r.text
    quiet = web.client.post(f"{base}/what-if", data={"csrf_token": csrf_of(page),
                                                     "shift.website": "1"}).text
    assert 'id="whatif-warnings"' not in quiet
