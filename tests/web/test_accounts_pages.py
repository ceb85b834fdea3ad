"""The analyst's accounts page (docs/accounts.md): the figures are exactly the API's,
the order is alphabetical or at-risk first, and a map without accounts gets a plain
message (and no link from the fit page)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest
from api_helpers import EXAMPLES, Api, example_map_text, post_dataset, post_map, start_fit, wait_fit
from web_helpers import sign_in

ACCOUNTS = "\naccounts: {column: account, role: contact_role}\n"


def _survey(tmp_path: Path) -> Path:
    survey = pd.read_csv(EXAMPLES / "kitchen_b2b.csv")
    survey["account"] = [f"Account {i % 7}" for i in range(len(survey))]
    survey.loc[survey.index[:3], "account"] = "Tiny"  # below the minimum: suppressed
    survey["contact_role"] = ["decision maker" if i % 5 == 0 else "user"
                              for i in range(len(survey))]
    path = tmp_path / "b2b.csv"
    survey.to_csv(path, index=False)
    return path


def _number(text: str) -> float:
    return float(text.replace("+", "").replace("\u2212", "-").replace(",", ".").strip())


def _count(text: str) -> int:
    return int(re.sub(r"[,\s\u202f\xa0]", "", text))


def _rows(page: str) -> list[tuple[str, str, str]]:
    table = page[page.index('id="accounts-table"'):]
    table = table[:table.index("</table>")]
    return [(html.unescape(m.group(1)), m.group(2), m.group(3)) for m in re.finditer(
        r'<tr><th scope="row">([^<]+)</th><td>([^<]+)</td><td>(.*?)</td>', table)]


@pytest.mark.slow
def test_the_accounts_page_shows_the_apis_figures_in_either_order(
        web: Api, tmp_path: Path) -> None:
    h = web.workspace("acme")
    c = web.client
    m = post_map(c, h, example_map_text() + ACCOUNTS)
    d = post_dataset(c, h, _survey(tmp_path))
    fit = wait_fit(c, h, start_fit(c, h, m["id"], d["id"])["id"])
    assert fit["status"] == "done", fit["error"]
    sign_in(c, web.keys["acme"])
    assert f'href="/app/fits/{fit["id"]}/accounts"' in c.get(f"/app/fits/{fit['id']}").text
    for order in ("name", "risk"):
        api = c.get(f"/v1/fits/{fit['id']}/accounts?order={order}", headers=h).json()
        r = c.get(f"/app/fits/{fit['id']}/accounts?order={order}")
        assert r.status_code == 200, r.text
        rows = _rows(r.text)
        assert [a for a, _, _ in rows] == [a["account"] for a in api["accounts"]]
        for (_, n, shown), a in zip(rows, api["accounts"], strict=True):
            assert _count(n) == a["n"]
            if a["suppressed"]:
                assert f"suppressed (n = {a['n']})" in shown
            else:
                nps = re.search(r'<span class="nps">([^<]+)</span>', shown)
                assert nps is not None
                assert _number(nps.group(1)) == pytest.approx(a["nps"]["value"], abs=0.05)
            for reason in a["reasons"]:
                assert html.escape(reason["text"], quote=False) in r.text
        rw = re.search(r'id="respondent-weighted"><span class="nps">([^<]+)</span>', r.text)
        aw = re.search(r'id="account-weighted"><span class="nps">([^<]+)</span>', r.text)
        assert rw is not None
        assert aw is not None
        assert _number(rw.group(1)) == pytest.approx(
            api["respondent_weighted"]["value"], abs=0.05)
        assert _number(aw.group(1)) == pytest.approx(api["account_weighted"]["value"], abs=0.05)
        roles = r.text[r.text.index('id="contact-roles"'):]
        for role in api["roles"]:
            n = re.search(rf'<th scope="row">{re.escape(role["role"])}</th><td>([^<]+)</td>',
                          roles)
            assert n is not None
            assert _count(n.group(1)) == role["n"]
    names = [a for a, _, _ in _rows(c.get(f"/app/fits/{fit['id']}/accounts").text)]
    assert names == sorted(names, key=str.casefold)
    assert "Tiny" in names
    assert "suppressed (n = 3)" in c.get(f"/app/fits/{fit['id']}/accounts").text


@pytest.mark.slow
def test_a_map_without_accounts_gets_a_plain_message_and_no_link(web: Api) -> None:
    from api_helpers import fitted

    h = web.workspace("acme")
    fit = fitted(web.client, h)
    sign_in(web.client, web.keys["acme"])
    page = web.client.get(f"/app/fits/{fit['id']}").text
    assert f'/app/fits/{fit["id"]}/accounts"' not in page
    assert 'id="no-accounts-hint"' in page
    r = web.client.get(f"/app/fits/{fit['id']}/accounts")
    assert r.status_code == 200
    assert 'id="no-accounts"' in r.text
    assert "accounts-table" not in r.text
    link = web.client.post(f"/v1/fits/{fit['id']}/share", headers=h).json()["url"]
    token = link.rsplit("/s/", 1)[1]
    web.client.cookies.clear()
    assert web.client.get(f"/s/{token}/accounts").status_code == 404
