"""Accessibility of every page the service serves, in a real browser: axe-core (vendored in
``tests/web/vendor/axe-core``) finds no serious or critical violation at 360×800 and
1366×768, and every tap target is at least 24×24 CSS px at 360 px (or spaced as WCAG 2.2
success criterion 2.5.8 allows).

The pages are listed against the app's own routes: a page route (or a form that answers
with a page) without an axe case here, and without a written reason why it has none, fails
:func:`test_every_page_route_has_an_axe_case`.  Moderate and minor findings do not fail a
test; they are listed in the test run's summary ("axe: moderate and minor findings").

Playwright drives Debian's ``chromium`` against the session's real ``journeymap serve``
(``site``); skipped, with the reason, when either is missing.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import web_helpers  # also puts tests/api on sys.path
from api_helpers import (
    EXAMPLES,
    every_page,
    example_map_text,
    post_dataset,
    post_map,
    start_fit,
    wait_fit,
)
from journeymap_api.main import create_app
from journeymap_api.settings import Settings

from journeymap import i18n
from journeymap.analysis.roles import NOT_FOR_PAY
from journeymap.formatting import signed

pytestmark = [pytest.mark.browser, pytest.mark.slow]
sync_api = web_helpers.playwright_or_skip()

AXE = Path(__file__).with_name("vendor") / "axe-core" / "axe.min.js"
PHONE = {"width": 360, "height": 800}
LAPTOP = {"width": 1366, "height": 768}
VIEWPORTS = {"360": PHONE, "1366": LAPTOP}
#: every page in English and Swedish; the employee's page (a role share link, and in
#: presentation mode) in all five languages
PAGE_LANGUAGES = ("en", "sv")
EVERY_LANGUAGE = ("share-role", "share-present", "pipeline-report")
MIN_TARGET = 24.0
#: axe's rule sets: WCAG 2.0–2.2 A and AA (2.2 AA includes target-size) and best practice
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
FAILING_IMPACTS = ("serious", "critical")
ROLE = "installer"
#: who signs in to which workspace of the session's server: the analyst to the one with
#: the example's fit; a role's team to one whose small fit opens a few dozen cases
WORKSPACES = {"admin": "workshop", "team": "team"}
TEAM_ROWS = 200
CYCLE_EDGE = "  - {from: ease, to: website}"


# ------------------------------------------------------------------------- the cases
@dataclass(frozen=True)
class Case:
    """One page to check: the route it belongs to and how a browser gets there."""

    name: str
    route: tuple[str, str]  # (method, path) as the app declares it
    url: str  # formatted with the ids of :func:`world`
    who: str = "admin"  # signed in to a workspace of WORKSPACES, or nobody (no cookie)
    then: Callable[[Any], None] | None = None  # what to do on the page before checking
    download: bool = False  # a download, shown in the tab (see _without_attachment)


def _editor_problems(page: Any) -> None:
    text = (EXAMPLES / "kitchen_b2b.yaml").read_text(encoding="utf-8")
    page.locator("#source").fill(text.rstrip("\n") + "\n" + CYCLE_EDGE + "\n")
    sync_api.expect(page.locator("#check .problems li").first).to_contain_text("cycle")


def _what_if(page: Any) -> None:
    slider = page.locator(".slider input[type=range]").first
    slider.focus()
    page.keyboard.press("ArrowRight")
    sync_api.expect(page.locator("#whatif-change")).not_to_have_text("")


def _share_created(page: Any) -> None:
    page.locator("form[action$='/share'] button[type=submit]").click()
    page.wait_for_url("**/share")
    sync_api.expect(page.locator(".qr svg")).to_be_visible()


def _refused_key(page: Any) -> None:
    page.locator("#key").fill("jm_not-a-key-of-any-workspace")
    page.locator("form button[type=submit]").click()
    sync_api.expect(page.locator(".error")).to_be_visible()


def _bad_map_saved(page: Any) -> None:
    page.locator("#source").fill("nodes: [")
    page.locator("#map-form button[type=submit]").click()
    page.wait_for_url("**/app/maps")
    sync_api.expect(page.locator("p.error")).to_be_visible()


def _case_refused(page: Any) -> None:
    form = page.locator("form.case-form").first
    form.locator("select").select_option("closed")
    form.locator("textarea").fill("")
    form.locator("button[type=submit]").click()
    sync_api.expect(page.locator("div.error")).to_be_visible()


def _rules_refused(page: Any) -> None:
    form = page.locator("form#case-rules")
    form.locator("#sla-detractor").fill("0")
    form.locator("button[type=submit]").click()
    sync_api.expect(page.locator("#h-rules ~ div.error")).to_be_visible()


#: An opportunities file for the accounts fit of :func:`world` (docs/pipeline.md).
OPPORTUNITIES = ("account,opportunity,stage,amount,probability\n"
                 + "".join(f"Account {i},o{i},{('proposal', 'negotiation')[i % 2]},"
                           f"{(i + 1) * 10_000},{0.5 + i / 20:.2f}\n" for i in range(7))
                 + "Nobody,o9,proposal,1000,0.9\n").encode()


def _pipeline_upload(page: Any) -> None:
    page.locator("#file").set_input_files(
        files=[{"name": "deals.csv", "mimeType": "text/csv", "buffer": OPPORTUNITIES}])
    page.locator("form[action$='/pipeline'] button[type=submit]").click()
    sync_api.expect(page.locator("#act-on")).to_be_visible()


def _fit_refused(page: Any) -> None:
    page.locator("#bootstrap").fill("20000")
    page.locator("#fit-form button[type=submit]").click()
    sync_api.expect(page.locator("#fit-error")).to_be_visible()


CASES = (
    Case("sign-in", ("GET", "/app/sign-in"), "/app/sign-in", who="nobody"),
    Case("sign-in-refused", ("POST", "/app/sign-in"), "/app/sign-in", who="nobody",
         then=_refused_key),
    Case("home", ("GET", "/app"), "/app"),
    Case("editor-new", ("GET", "/app/maps/new"), "/app/maps/new"),
    Case("editor-problems", ("POST", "/app/maps/check"), "/app/maps/new", then=_editor_problems),
    Case("editor-refused", ("POST", "/app/maps"), "/app/maps/new", then=_bad_map_saved),
    Case("map", ("GET", "/app/maps/{map_id}"), "/app/maps/{map}"),
    Case("map-version", ("GET", "/app/maps/{map_id}"), "/app/maps/{map}?version=1"),
    Case("datasets", ("GET", "/app/datasets"), "/app/datasets"),
    Case("dataset", ("GET", "/app/datasets/{dataset_id}"), "/app/datasets/{dataset}"),
    Case("fit-refused", ("POST", "/app/fits"), "/app/datasets/{dataset}", then=_fit_refused),
    Case("fit", ("GET", "/app/fits/{fit_id}"), "/app/fits/{fit}"),
    Case("fit-check", ("GET", "/app/fits/{fit_id}/check"), "/app/fits/{fit}/check"),
    Case("drivers", ("GET", "/app/fits/{fit_id}/drivers"), "/app/fits/{fit}/drivers"),
    Case("what-if", ("POST", "/app/fits/{fit_id}/what-if"), "/app/fits/{fit}/drivers",
         then=_what_if),
    Case("accounts", ("GET", "/app/fits/{fit_id}/accounts"),
         "/app/fits/{accounts_fit}/accounts?order=risk"),
    Case("no-accounts", ("GET", "/app/fits/{fit_id}/accounts"), "/app/fits/{fit}/accounts"),
    Case("pipeline", ("GET", "/app/fits/{fit_id}/pipeline"),
         "/app/fits/{accounts_fit}/pipeline"),
    Case("pipeline-report", ("POST", "/app/fits/{fit_id}/pipeline"),
         "/app/fits/{accounts_fit}/pipeline", then=_pipeline_upload),
    Case("trend", ("GET", "/app/fits/{fit_id}/trend"), "/app/fits/{fit}/trend"),
    Case("role-trend", ("GET", "/app/fits/{fit_id}/roles/{role}/trend"),
         "/app/fits/{fit}/roles/{role}/trend"),
    Case("roles", ("GET", "/app/fits/{fit_id}/roles"), "/app/fits/{fit}/roles"),
    Case("role", ("GET", "/app/fits/{fit_id}/roles/{role}"), "/app/fits/{fit}/roles/{role}"),
    Case("role-present", ("GET", "/app/fits/{fit_id}/roles/{role}"),
         "/app/fits/{fit}/roles/{role}?present=1"),
    Case("drivers-present", ("GET", "/app/fits/{fit_id}/drivers"),
         "/app/fits/{fit}/drivers?present=1"),
    Case("share-created", ("POST", "/app/fits/{fit_id}/roles/{role}/share"),
         "/app/fits/{fit}/roles/{role}", then=_share_created),
    Case("card", ("GET", "/app/fits/{fit_id}/files/{name}"),
         "/app/fits/{fit}/files/card.html?role={role}", download=True),
    Case("not-found", ("GET", "/app/fits/{fit_id}"), "/app/fits/{missing}"),
    Case("cases", ("GET", "/app/cases"), "/app/cases", who="team"),
    Case("cases-role", ("GET", "/app/cases"), "/app/cases?role={role}", who="team"),
    Case("case-refused", ("POST", "/app/cases/{case_id}"), "/app/cases", who="team",
         then=_case_refused),
    Case("case-rules-refused", ("POST", "/app/cases/rules"), "/app/cases", who="team",
         then=_rules_refused),
    Case("share-role", ("GET", "/s/{token}"), "/s/{role_token}", who="nobody"),
    Case("share-viewer", ("GET", "/s/{token}"), "/s/{viewer_token}", who="nobody"),
    Case("share-viewer-role", ("GET", "/s/{token}/roles/{role}"),
         "/s/{viewer_token}/roles/{role}", who="nobody"),
    Case("share-present", ("GET", "/s/{token}/roles/{role}"),
         "/s/{role_token}/roles/{role}?present=1", who="nobody"),
    Case("share-card", ("GET", "/s/{token}/roles/{role}/card.html"),
         "/s/{role_token}/roles/{role}/card.html", who="nobody"),
    Case("share-not-found", ("GET", "/s/{token}"), "/s/no-such-link", who="nobody"),
    Case("share-revoked", ("GET", "/s/{token}"), "/s/{revoked_token}", who="nobody"),
)

#: routes outside /v1 with no axe case of their own, and why
NO_PAGE = {
    ("GET", "/healthz"): "JSON for load balancers",
    ("GET", "/openapi.json"): "JSON",
    ("GET", "/docs"): "FastAPI's Swagger UI, not part of journeymap's pages",
    ("GET", "/docs/oauth2-redirect"): "FastAPI's Swagger UI",
    ("GET", "/redoc"): "FastAPI's ReDoc page, not part of journeymap's pages",
    ("GET", "/app/static"): "static files (CSS, scripts)",
    ("GET", "/app/present"): "a redirect back to the page (role-present checks the mode)",
    ("POST", "/app/sign-out"): "a redirect to the sign-in page",
    ("POST", "/app/maps/add"): "a fragment of the editor, which editor-new checks",
    ("POST", "/app/maps/{map_id}"): "saves a version and redirects to the map page",
    ("POST", "/app/datasets"): "an upload; redirects to the dataset page",
    ("POST", "/app/fits/{fit_id}/refresh"): "starts a fit; redirects to the new fit's page "
                                             "(the fit page, which the fit case checks)",
    ("GET", "/app/fits/{fit_id}/progress"): "a fragment of the fit page while it runs",
    ("GET", "/app/maps/{map_id}/files/{name}"): "downloads: SVG, PNG, PDF and model text",
    ("POST", "/app/shares/{token_id}/revoke"): "a redirect to the role page",
    ("GET", "/s/{token}/roles/{role}/card.pdf"): "a PDF download",
    ("GET", "/app/cases.csv"): "a CSV download for a CRM",
    ("GET", "/s/{token}/roles/{role}/map.svg"): "an SVG image",
}


def _app_routes() -> set[tuple[str, str]]:
    from fastapi.routing import iter_route_contexts

    settings = Settings(_env_file=None, database_url="sqlite://",  # type: ignore[call-arg]
                        data_dir=Path("/nonexistent"))
    out: set[tuple[str, str]] = set()
    for route in iter_route_contexts(create_app(settings).routes):
        path = getattr(route, "path", None)
        if not isinstance(path, str) or path.startswith("/v1"):
            continue
        for method in getattr(route, "methods", None) or {"GET"}:
            if method != "HEAD":
                out.add((method, path))
    return out


def test_every_page_route_has_an_axe_case() -> None:
    routes = _app_routes()
    covered = {c.route for c in CASES}
    missing = sorted(routes - covered - set(NO_PAGE))
    assert missing == [], f"page routes without an axe case (add a Case or a reason): {missing}"
    stale = sorted((covered | set(NO_PAGE)) - routes)
    assert stale == [], f"axe cases for routes the app does not have: {stale}"


# ----------------------------------------------------------------- server and browser
@pytest.fixture(scope="module")
def world(site: web_helpers.Site, tmp_path_factory: pytest.TempPathFactory
          ) -> dict[str, str]:
    """The example's fit (the session's), a role link, a viewer link and a revoked link;
    a fit whose map names accounts (for the accounts page); and in the "team" workspace a
    fit of the example's first TEAM_ROWS responses, whose follow-up cases the cases
    pages list (the example's 3,000 open about 800 cases a fit: a page of 1,600 forms
    took a minute to load and check, and shows nothing the template does not show with
    a few dozen)."""
    fit = site.example()
    links = {}
    for name, path in (("role_token", f"/v1/fits/{fit['id']}/roles/{ROLE}/share"),
                       ("viewer_token", f"/v1/fits/{fit['id']}/share"),
                       ("revoked_token", f"/v1/fits/{fit['id']}/roles/{ROLE}/share")):
        with site.api() as api:
            r = api.post(path)
            assert r.status_code == 201, r.text
            links[name] = r.json()["url"].rsplit("/s/", 1)[1]
            if name == "revoked_token":
                assert api.delete(f"/v1/shares/{r.json()['token_id']}").status_code == 204
    tmp = tmp_path_factory.mktemp("a11y-data")
    survey = pd.read_csv(EXAMPLES / "kitchen_b2b.csv")
    accounts = survey.assign(
        account=[f"Account {i % 7}" for i in range(len(survey))],
        contact_role=["decision maker" if i % 5 == 0 else "user" for i in range(len(survey))])
    accounts.to_csv(tmp / "b2b.csv", index=False)
    survey.head(TEAM_ROWS).to_csv(tmp / "team.csv", index=False)
    with site.api() as api:
        installer = api.get(f"/v1/fits/{fit['id']}/roles/{ROLE}").json()
        m = post_map(api, {}, example_map_text()
                     + "\naccounts: {column: account, role: contact_role}\n")
        d = post_dataset(api, {}, tmp / "b2b.csv")
        accounts_fit = wait_fit(api, {}, start_fit(api, {}, m["id"], d["id"])["id"])
        assert accounts_fit["status"] == "done", accounts_fit["error"]
    with site.api("team") as api:
        m = post_map(api, {})
        d = post_dataset(api, {}, tmp / "team.csv")
        team_fit = wait_fit(api, {}, start_fit(api, {}, m["id"], d["id"])["id"])
        assert team_fit["status"] == "done", team_fit["error"]
        cases = every_page(api, {}, "/v1/cases", "cases")
        assert len(cases) >= 10, len(cases)  # a list, with the role's cases among them
        assert any(c["role"] == ROLE for c in cases)
    return {"fit": fit["id"], "accounts_fit": accounts_fit["id"], "map": fit["map_id"],
            "dataset": fit["dataset_id"],
            "role": ROLE, "missing": "00000000-0000-4000-8000-000000000000",
            "nps_points": installer["nps_points"], **links}


def _without_attachment(route: Any) -> None:
    """Show a downloaded card in the tab (the page's own download link saves it)."""
    response = route.fetch()
    headers = {k: v for k, v in response.headers.items()
               if k.lower() != "content-disposition"}
    route.fulfill(response=response, headers=headers)


class _AxeFile(BaseHTTPRequestHandler):
    """Serves axe.min.js with a day's Cache-Control, so each tab compiles it once and
    reads it from the cache after every navigation (``add_script_tag(path=…)`` sent its
    550 KB through Playwright and compiled it again on every check)."""

    body = AXE.read_bytes()

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/javascript; charset=utf-8")
        self.send_header("Content-Length", str(len(self.body)))
        self.send_header("Cache-Control", "public, max-age=86400")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        """No log line per request."""


@pytest.fixture(scope="module")
def axe_url() -> Iterator[str]:
    """The address of axe.min.js on a local HTTP server of its own."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _AxeFile)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/axe.min.js"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


class Tabs:
    """One browser context and one tab per (who, language, viewport, download), made when
    first asked for and reused by the next check of the same kind: a check navigates the
    tab (a new document each time), so only the tab's making and the browser's cache are
    shared.  A check that fails closes its tab and the next one gets a new tab.

    Only the contexts of downloads (the analyst's card) route requests, because Playwright
    turns a context's HTTP cache off when it routes."""

    def __init__(self, site: web_helpers.Site, browser: Any) -> None:
        self.site, self.browser = site, browser
        self.contexts: dict[tuple[str, str, str, bool], Any] = {}
        self.tabs: dict[tuple[str, str, str, bool], Any] = {}
        self.signed_in: dict[str, Any] = {}

    def _state(self, who: str) -> Any:
        if who not in WORKSPACES:
            return None
        if who not in self.signed_in:
            ctx = self.browser.new_context()
            page = ctx.new_page()
            page.goto(self.site.url + "/app/sign-in")
            page.locator("#key").fill(self.site.key(WORKSPACES[who]))
            page.locator("form button[type=submit]").click()
            page.wait_for_url(self.site.url + "/app")
            self.signed_in[who] = ctx.storage_state()
            ctx.close()
        return self.signed_in[who]

    def tab(self, case: Case, lang: str, width: str) -> Any:
        key = (case.who, lang, width, case.download)
        if key not in self.contexts:
            ctx = self.browser.new_context(viewport=VIEWPORTS[width],
                                           storage_state=self._state(case.who),
                                           bypass_csp=True,  # axe is added as a script
                                           extra_http_headers={"Accept-Language": lang})
            ctx.set_default_timeout(30_000)
            if case.download:
                ctx.route("**/files/card.html*", _without_attachment)
            self.contexts[key] = ctx
        if key not in self.tabs:
            self.tabs[key] = self.contexts[key].new_page()
        return self.tabs[key]

    def discard(self, case: Case, lang: str, width: str) -> None:
        page = self.tabs.pop((case.who, lang, width, case.download), None)
        if page is not None:
            page.close()

    def close(self) -> None:
        for ctx in self.contexts.values():
            ctx.close()


@pytest.fixture(scope="module")
def tabs(site: web_helpers.Site, browser: Any) -> Iterator[Tabs]:
    made = Tabs(site, browser)
    try:
        yield made
    finally:
        made.close()


# --------------------------------------------------------------------------- checks
#: WCAG 2.2 success criterion 2.5.8 Target Size (Minimum), for links, buttons, inputs,
#: selects, text areas, summaries and focusable SVG elements: each is at least
#: MIN×MIN CSS px, or it is undersized and a MIN px circle centred on its bounding box
#: neither intersects another target nor another undersized target's circle (the
#: spacing exception), or it sits in a sentence of other text (the inline exception:
#: an inline element in a block whose text outside targets has letters).  Targets that
#: cannot be tapped (not rendered, hidden, or moved off the page such as the skip link
#: before it has focus) are not targets.
TARGETS_JS = r"""(min) => {
  const sel = 'a[href], button, input:not([type=hidden]), select, textarea, summary, '
            + 'svg [tabindex]:not([tabindex="-1"]), svg a[href]';
  const all = [...document.querySelectorAll(sel)];
  const targets = [];
  for (const e of all) {
    const st = getComputedStyle(e);
    if (st.display === 'none' || st.visibility !== 'visible' || e.closest('[hidden]')
        || e.closest('[inert]')) continue;
    const r = e.getBoundingClientRect();
    if (r.width < 1 || r.height < 1) continue;
    const x = r.left + scrollX, y = r.top + scrollY;
    if (x + r.width <= 0 || y + r.height <= 0) continue;   // off the page
    if (r.width <= 1 && r.height <= 1) continue;            // visually hidden
    targets.push({e, x, y, w: r.width, h: r.height});
  }
  const isTarget = new Set(targets.map(t => t.e));
  const inSentence = (e) => {
    if (getComputedStyle(e).display !== 'inline') return false;
    let block = e.parentElement;
    while (block && getComputedStyle(block).display.startsWith('inline')) {
      block = block.parentElement;
    }
    if (!block) return false;
    let text = '';
    const walk = (n) => {
      for (const c of n.childNodes) {
        if (c.nodeType === 3) text += c.textContent;
        else if (c.nodeType === 1 && !isTarget.has(c)) walk(c);
      }
    };
    walk(block);
    return /\p{L}{2,}/u.test(text);
  };
  const small = targets.filter(t => (t.w < min - 0.01 || t.h < min - 0.01) && !inSentence(t.e));
  const centre = (t) => [t.x + t.w / 2, t.y + t.h / 2];
  const distToRect = (p, t) => {
    const dx = Math.max(t.x - p[0], 0, p[0] - (t.x + t.w));
    const dy = Math.max(t.y - p[1], 0, p[1] - (t.y + t.h));
    return Math.hypot(dx, dy);
  };
  const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
      + ' "' + (e.textContent || e.getAttribute('aria-label') || e.value || '').trim()
               .replace(/\s+/g, ' ').slice(0, 40) + '"';
  const out = [];
  for (const t of small) {
    const c = centre(t);
    const near = [];
    for (const o of targets) {
      if (o === t || o.e.contains(t.e) || t.e.contains(o.e)) continue;
      const isSmall = small.includes(o);
      if (distToRect(c, o) < min / 2 - 0.01
          || (isSmall && Math.hypot(c[0] - centre(o)[0], c[1] - centre(o)[1]) < min - 0.01)) {
        near.push(name(o.e));
      }
    }
    if (near.length) {
      out.push(`${name(t.e)} ${t.w.toFixed(1)}x${t.h.toFixed(1)} px, too close to `
               + near.slice(0, 2).join(', '));
    }
  }
  return out;
}"""


def _axe(page: Any, axe_url: str | None) -> list[dict[str, Any]]:
    """axe's violations of the page, from ``axe_url`` (or sent inline when ``None``)."""
    if axe_url is None:
        page.add_script_tag(path=str(AXE))
    else:
        page.add_script_tag(url=axe_url)
    result = page.evaluate("""async (tags) => {
        const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                           resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ': '
                                       + (n.failureSummary || '').split('\\n')[1]),
            count: v.nodes.length}));
    }""", AXE_TAGS)
    assert isinstance(result, list)
    return result


def _params() -> list[Any]:
    out = []
    for case in CASES:
        langs = i18n.LANGUAGES if case.name in EVERY_LANGUAGE else PAGE_LANGUAGES
        for lang in langs:
            for width in VIEWPORTS:
                out.append(pytest.param(case, lang, width, id=f"{case.name}-{lang}-{width}"))
    return out


@pytest.mark.parametrize(("case", "lang", "width"), _params())
def test_axe_finds_no_serious_violation_and_targets_are_24_px(
        site: web_helpers.Site, world: dict[str, str], tabs: Tabs, axe_url: str,
        case: Case, lang: str, width: str, record_property: Callable[[str, Any], None]
) -> None:
    page = tabs.tab(case, lang, width)
    passed = False
    try:
        response = page.goto(site.url + case.url.format(**world))  # waits for "load"
        assert response is not None
        if case.then is not None:
            case.then(page)
        assert page.evaluate("document.documentElement.lang") == lang
        # a routed response (a download) keeps its CSP, so axe goes in inline there
        violations = _axe(page, None if case.download else axe_url)
        notes = [v for v in violations if v["impact"] not in FAILING_IMPACTS]
        if notes:
            record_property("axe-notes", json.dumps(
                {"page": f"{case.name}-{lang}-{width}",
                 "findings": [f"{v['impact']} {v['id']} ×{v['count']}: {v['help']}"
                              for v in notes]}, ensure_ascii=False))
        serious = [v for v in violations if v["impact"] in FAILING_IMPACTS]
        too_small = page.evaluate(TARGETS_JS, MIN_TARGET) if width == "360" else []
        assert (serious, too_small) == ([], []), (
            json.dumps(serious, indent=1, ensure_ascii=False) + "\ntap targets:\n"
            + "\n".join(too_small))
        passed = True
    finally:
        if not passed:
            tabs.discard(case, lang, width)


NARROW_CASES = ("accounts", "pipeline-report", "cases-role")


@pytest.mark.parametrize(("name", "lang"), [(n, lang) for n in NARROW_CASES
                                            for lang in i18n.LANGUAGES])
def test_the_operations_pages_have_no_sideways_scroll_on_a_phone_in_any_language(
        site: web_helpers.Site, world: dict[str, str], tabs: Tabs, name: str, lang: str
) -> None:
    """A walk-through found the accounts page 568 px wide in Swedish and 851 px in Finnish at
    360 px (a long headline label in a max-content column, tables outside a scroll box), and
    the pipeline page 361 px in Finnish (a compound word in a heading)."""
    case = next(c for c in CASES if c.name == name)
    page = tabs.tab(case, lang, "360")
    passed = False
    try:
        page.goto(site.url + case.url.format(**world))
        if case.then is not None:
            case.then(page)
        assert page.evaluate("document.documentElement.lang") == lang
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        passed = True
    finally:
        if not passed:
            tabs.discard(case, lang, "360")


# ------------------------------------------------------------- share link, five languages
def _lead_prefix(lang: str) -> str:
    """The card's headline up to its first figure, in ``lang``."""
    with i18n.use_language(lang):
        text = i18n.gettext("When %(role)s does one point better on %(targets)s, %(move)s: "
                            "%(points)s NPS points (95 %%: %(low)s to %(high)s)")
        box = i18n.gettext(NOT_FOR_PAY)
    return re.split(r"%\(\w+\)s", text, maxsplit=1)[0], box


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_a_share_link_on_a_phone_speaks_the_browsers_language(
        site: web_helpers.Site, world: dict[str, str], browser: Any, lang: str) -> None:
    s = site
    context = browser.new_context(viewport=PHONE, extra_http_headers={"Accept-Language": lang})
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        response = page.goto(f"{s.url}/s/{world['role_token']}")
        assert response is not None
        assert response.status == 200
        assert page.evaluate("document.documentElement.lang") == lang
        prefix, box = _lead_prefix(lang)
        lead = page.locator(".card .lead").inner_text()
        assert lead.startswith(prefix.strip()), (lead, prefix)
        with i18n.use_language(lang):
            points = signed(float(world["nps_points"]))
        sync_api.expect(page.locator(".card .big")).to_contain_text(points)
        sync_api.expect(page.locator(".card .note")).to_contain_text(box[:30])
        if lang != "en":
            english, _box = _lead_prefix("en")
            assert not lead.startswith(english.strip())
        assert context.cookies() == []
    finally:
        context.close()


def test_the_target_check_follows_wcag_2_5_8(browser: Any) -> None:
    """The check itself: two 16 px links side by side fail; the same links 30 px apart
    pass (spacing); a link in a sentence passes (inline); a 24 px button passes; the
    off-page skip link is no target."""
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.set_content("""<style>body{margin:0;font:14px/16px sans-serif}
            .t a{display:inline-block;width:16px;height:16px}
            .skip{position:absolute;top:-3rem;width:10px;height:10px}</style>
            <a class="skip" href="#m">skip</a>
            <p class="t" style="position:absolute;top:10px"><a id="a1" href="#">1</a><a
               id="a2" href="#">2</a></p>
            <p class="t" style="position:absolute;top:100px"><a id="b1" href="#">1</a><a
               id="b2" href="#" style="margin-left:30px">2</a></p>
            <p style="position:absolute;top:200px">Read the <a id="c" href="#">method</a>
               page before you change the map.</p>
            <button style="position:absolute;top:300px;width:24px;height:24px;padding:0"
               >x</button>""")
        found = page.evaluate(TARGETS_JS, MIN_TARGET)
        assert [line.split(" ")[0] for line in found] == ["a#a1", "a#a2"]
        assert "16.0x16.0 px" in found[0]
    finally:
        context.close()
