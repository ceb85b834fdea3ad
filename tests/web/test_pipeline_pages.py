"""The analyst's sales-pipeline page (docs/pipeline.md): after an upload, the two tables
are exactly the API's answer for the same file, in every language; a file that cannot be
used shows the API's one message and keeps nothing; a map without accounts gets a plain
message (and no link from the fit page)."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from api_helpers import EXAMPLES, Api, example_map_text, post_dataset, post_map, start_fit, wait_fit
from web_helpers import csrf_of, sign_in

from journeymap import i18n
from journeymap.formatting import count, money, percent

ACCOUNTS = "\naccounts: {column: account, role: contact_role}\n"
OPPS = pd.DataFrame({
    "account": ["Account 0", "Account 1", "Account 3", "Tiny", "Nobody"],
    "opportunity": ["o1", "o2", "o3", "o5", "o6"],
    "stage": ["proposal", "negotiation", "proposal", "closed won", "proposal"],
    "amount": [50_000.0, 20_000.0, 90_000.0, 5_000.0, 1_000.0],
    "probability": [80, 70, 90, 100, 50]})


def _survey(tmp_path: Path) -> Path:
    survey = pd.read_csv(EXAMPLES / "kitchen_b2b.csv")
    survey["account"] = [f"Account {i % 7}" for i in range(len(survey))]
    survey.loc[survey.index[:3], "account"] = "Tiny"
    survey["contact_role"] = ["decision maker" if a in ("Account 0", "Account 1")
                              and i % 5 == 0 else "user"
                              for i, a in enumerate(survey["account"])]
    path = tmp_path / "b2b.csv"
    survey.to_csv(path, index=False)
    return path


def _number(text: str) -> float:
    return float(text.replace("+", "").replace("\u2212", "-").replace(",", ".").strip())


def _table(page: str, table_id: str) -> list[list[str]]:
    table = page[page.index(f'id="{table_id}"'):]
    table = table[table.index("<tbody>"):table.index("</tbody>")]
    return [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
             for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)]


def _upload(c: Any, fit_id: str, data: bytes, name: str = "deals.csv",
            percent_field: str = "50", lang: str = "en") -> Any:
    token = csrf_of(c.get(f"/app/fits/{fit_id}/pipeline?lang={lang}").text)
    return c.post(f"/app/fits/{fit_id}/pipeline", data={"csrf_token": token,
                                                        "percent": percent_field},
                  files={"file": (name, data, "text/csv")})


@pytest.mark.slow
def test_the_pipeline_page_shows_the_apis_tables_for_the_uploaded_file(
        web: Api, tmp_path: Path) -> None:
    h = web.workspace("acme")
    c = web.client
    m = post_map(c, h, example_map_text() + ACCOUNTS)
    d = post_dataset(c, h, _survey(tmp_path))
    fit = wait_fit(c, h, start_fit(c, h, m["id"], d["id"])["id"])
    assert fit["status"] == "done", fit["error"]
    sign_in(c, web.keys["acme"])
    assert f'href="/app/fits/{fit["id"]}/pipeline"' in c.get(f"/app/fits/{fit['id']}").text
    form = c.get(f"/app/fits/{fit['id']}/pipeline")
    assert form.status_code == 200
    assert 'enctype="multipart/form-data"' in form.text
    assert 'id="act-on"' not in form.text
    data = OPPS.to_csv(index=False).encode()
    for lang in i18n.LANGUAGES:
        api = c.post(f"/v1/fits/{fit['id']}/pipeline?lang={lang}&min_probability=0.6",
                     headers=h, files={"file": ("deals.csv", data, "text/csv")}).json()
        r = _upload(c, fit["id"], data, percent_field="60", lang=lang)
        assert r.status_code == 200, r.text
        assert f'<html lang="{lang}"' in r.text
        with i18n.use_language(lang):
            want = [[a["opportunity"], a["account"], a["stage"], money(a["amount"]),
                     percent(a["probability"]), a["reason"]] for a in api["act_on"]]
            assert _table(r.text, "act-on") == want
            stages = _table(r.text, "stages")
            assert [s[0] for s in stages] == [s["stage"] for s in api["stages"]]
            for (_, n, shown), s in zip(stages, api["stages"], strict=True):
                assert n == count(s["n"])
                if s["suppressed"]:
                    assert shown == i18n.gettext("suppressed (n = %(n)s)") % {
                        "n": count(s["n"])}
                else:
                    value = re.match(r"([+\u2212]?[\d.,]+)", shown)
                    assert value is not None
                    assert _number(value.group(1)) == pytest.approx(s["nps"]["value"],
                                                                    abs=0.05)
    assert [a["opportunity"] for a in api["act_on"]] == ["o1", "o2"]
    assert api["no_responses"] == ["o6"]
    assert "o6" in r.text[r.text.index('id="no-responses"'):]


@pytest.mark.slow
def test_a_bad_file_shows_the_one_message_and_a_map_without_accounts_no_page(
        web: Api, tmp_path: Path) -> None:
    from api_helpers import fitted

    h = web.workspace("acme")
    c = web.client
    m = post_map(c, h, example_map_text() + ACCOUNTS)
    d = post_dataset(c, h, _survey(tmp_path))
    fit = wait_fit(c, h, start_fit(c, h, m["id"], d["id"])["id"])
    sign_in(c, web.keys["acme"])
    files = {p for p in web.settings.data_dir.rglob("*") if p.is_file()}
    bad = OPPS.drop(columns="account").to_csv(index=False).encode()
    r = _upload(c, fit["id"], bad)
    assert r.status_code == 422
    api = c.post(f"/v1/fits/{fit['id']}/pipeline", headers=h,
                 files={"file": ("deals.csv", bad, "text/csv")}).json()
    assert api["detail"] in html.unescape(r.text)
    assert 'role="alert" id="pipeline-error"' in r.text
    assert 'id="act-on"' not in r.text
    assert "Present: opportunity, stage, amount, probability." in r.text
    assert _upload(c, fit["id"], b"").status_code == 422
    huge = _upload(c, fit["id"], b"x" * (web.settings.max_body_bytes + 1))
    assert huge.status_code == 413
    assert "opportunities file is larger than this server accepts" in huge.text
    assert _upload(c, fit["id"], b"%PDF", name="deals.pdf").status_code == 415
    assert {p for p in web.settings.data_dir.rglob("*") if p.is_file()} == files

    plain = fitted(c, h)
    page = c.get(f"/app/fits/{plain['id']}").text
    assert f'/app/fits/{plain["id"]}/pipeline"' not in page
    r = c.get(f"/app/fits/{plain['id']}/pipeline")
    assert r.status_code == 200
    assert 'id="no-pipeline"' in r.text
    assert "<form" not in r.text.split("<main", 1)[1].split("</main>", 1)[0]
    link = c.post(f"/v1/fits/{plain['id']}/share", headers=h).json()["url"]
    token = link.rsplit("/s/", 1)[1]
    c.cookies.clear()
    assert c.get(f"/s/{token}/pipeline").status_code == 404
