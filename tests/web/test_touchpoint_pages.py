"""The role page and the shared page show what customers said about the role's
touchpoints (the question, the counts, "not experienced", consented comments of low
raters, redacted), the workshop's assumptions with the map version, no analyst
downloads, ``lang`` on labels in another language, and share links that keep ``?lang=``."""

from __future__ import annotations

import html
import re
from typing import Any

import numpy as np
import pandas as pd
import web_helpers  # noqa: F401  (puts tests/api on sys.path)
from api_helpers import EXAMPLES, Api, example_map_text, post_map, start_fit, wait_fit
from web_helpers import sign_in

COMMENTS = "comments: {column: comment, consent: ok, date: date, staff: [Anna Berg]}\n"


def _frame() -> pd.DataFrame:
    frame = pd.read_csv(EXAMPLES / "kitchen_b2b.csv")
    rng = np.random.default_rng(7)
    frame["comment"] = [f"Kommentar nummer {i}" for i in range(len(frame))]
    frame["ok"] = np.where(rng.random(len(frame)) < 0.5, "ja", "nej")
    low = frame.index[frame["q_install"] <= 2]
    newest = low[-1]
    frame.loc[newest, ["comment", "ok", "date"]] = [
        "Montören Johan kom sent, ring 070-123 45 67 eller anna.berg@kok.se", "ja",
        "2030-01-01"]
    return frame


def _fit(web: Api, frame: pd.DataFrame) -> dict[str, Any]:
    h = web.workspace("acme")
    source = example_map_text().replace("outcome: nps\n", "language: sv\noutcome: nps\n"
                                        + COMMENTS, 1)
    m = post_map(web.client, h, source)
    r = web.client.post("/v1/datasets", headers=h, files={
        "file": ("survey.csv", frame.to_csv(index=False).encode("utf-8"), "text/csv")})
    assert r.status_code == 201, r.text
    fit = start_fit(web.client, h, m["id"], r.json()["id"])
    done = wait_fit(web.client, h, fit["id"])
    assert done["status"] == "done", done["error"]
    return done


def test_the_role_page_shows_counts_comments_and_the_assumptions(web: Api) -> None:
    frame = _frame()
    fit = _fit(web, frame)
    sign_in(web.client, web.keys["acme"])
    page = web.client.get(f"/app/fits/{fit['id']}/roles/installer",
                          params={"lang": "en"}).text
    text = html.unescape(page)
    assert "What customers said about your touchpoints" in text
    assert "<q>How satisfied were you with the installation?</q>" in page
    rated = frame.loc[frame["ltr"].notna(), "q_install"]
    counts = rated.value_counts()
    for value, n in counts.items():
        assert re.search(rf'<th scope="row">{int(value)}</th><td class="num">{n:,}</td>',
                         page), value
    assert f"How {int(rated.notna().sum()):,} customers rated it" in text
    blank = int(rated.isna().sum())
    assert f"Not experienced: {blank:,} of {len(rated):,} customers" in text
    # the newest consented comment of a low rater, redacted
    assert "Montören […] kom sent, ring […] eller […]" in text
    assert "070-123" not in text
    assert "anna.berg" not in text
    assert f"(map “Storköksutrustning B2B – customer journey”, version {fit['map_version']} of"\
        in text
    # no analyst downloads and no jargon on the employee page
    for word in ("lavaan", "DAGitty", "result.json", "leverage", "Room to the top"):
        assert word not in page, word
    assert 'lang="sv">Installatör' in page  # the picker's Swedish labels on an English page
    drivers = web.client.get(f"/app/fits/{fit['id']}/drivers", params={"lang": "en"}).text
    assert "map.lavaan" in drivers  # the downloads are on the analyst pages
    assert '<th scope="row" lang="sv">Installation</th>' in drivers


def test_a_share_link_keeps_its_language_and_shows_the_same_section(web: Api) -> None:
    fit = _fit(web, _frame())
    r = web.client.post(f"/v1/fits/{fit['id']}/share", headers=web.workspace("acme"))
    assert r.status_code == 201, r.text
    link = r.json()["url"].replace("http://testserver", "")
    listing = web.client.get(link, params={"lang": "fi"}).text
    assert f'href="{link}/roles/installer?lang=fi" lang="sv">Installatör</a>' in listing
    assert '<input type="hidden" name="lang" value="fi">' in listing
    page = web.client.get(f"{link}/roles/installer", params={"lang": "fi"}).text
    assert "Mitä asiakkaat sanoivat kosketuspisteistäsi" in page
    assert '<q lang="sv">Hur nöjd var du med installationen?</q>' in page  # no Finnish one
    assert '<h3 lang="sv">Faktura utan fel</h3>' not in page  # not the installer's
    assert '<h3 lang="sv">Installation</h3>' in page
    assert f'href="{link}/roles/installer/card.html?lang=fi"' in page
    assert "Montören [" in html.unescape(page)
    r = web.client.get(link, params={"role": "billing", "lang": "fi"}, follow_redirects=False)
    assert r.headers["location"] == f"{link}/roles/billing?lang=fi"
