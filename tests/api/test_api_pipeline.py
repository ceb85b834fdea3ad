"""The sales pipeline in the API (docs/pipeline.md): the opportunities sent as a file
(CSV, Excel), CSV text or JSON rows give the library's report (the JSON of ``journeymap
pipeline --json``), checked against counts made with pandas; nothing is stored; bad
opportunities are one clear problem — on SQLite and (marked postgres) PostgreSQL."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from api_helpers import (
    EXAMPLES,
    MakeApi,
    example_map_text,
    post_dataset,
    post_map,
    start_fit,
    wait_fit,
)
from typer.testing import CliRunner

import journeymap as jm
from journeymap.analysis.pipeline import pipeline_analysis
from journeymap.cli import app
from journeymap.i18n import use_language

ACCOUNTS = "\naccounts: {column: account, role: contact_role}\n"
OPPS = pd.DataFrame({
    "account": ["Account 0", "Account 1", "Account 3", "Account 2", "Tiny", "Nobody",
                "Account 4"],
    "opportunity": ["o1", "o2", "o3", "o4", "o5", "o6", "o7"],
    "stage": ["proposal", "negotiation", "proposal", "qualification", "closed won",
              "proposal", "negotiation"],
    "amount": [50_000, 20_000, 90_000, 10_000, 5_000, 1_000, 3_000],
    "probability": [0.8, 0.7, 0.9, 0.2, 1.0, 0.5, 0.6]})


def _plain(obj: object) -> Any:
    from journeymap_api.results import dumps

    return json.loads(dumps(obj))


def _survey(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    """The example with seven accounts; decision makers only in accounts 0–2, and an
    account 'Tiny' of three answers (below the minimum)."""
    survey = pd.read_csv(EXAMPLES / "kitchen_b2b.csv")
    survey["account"] = [f"Account {i % 7}" for i in range(len(survey))]
    survey.loc[survey.index[:3], "account"] = "Tiny"
    survey["contact_role"] = ["decision maker" if a in ("Account 0", "Account 1", "Account 2")
                              and i % 5 == 0 else "user"
                              for i, a in enumerate(survey["account"])]
    path = tmp_path / "b2b.csv"
    survey.to_csv(path, index=False)
    return path, survey


def _fit(c: Any, h: dict[str, str], path: Path, source: str) -> str:
    m = post_map(c, h, source)
    d = post_dataset(c, h, path)
    fit = wait_fit(c, h, start_fit(c, h, m["id"], d["id"])["id"])
    assert fit["status"] == "done", fit["error"]
    return str(fit["id"])


def _xlsx(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_excel(buf, index=False)
    return buf.getvalue()


def _files(data_dir: Path) -> set[Path]:
    return {p for p in data_dir.rglob("*") if p.is_file()}


def _nps(ltr: pd.Series) -> float:
    return float(100.0 * ((ltr >= 9).mean() - (ltr <= 6).mean()))


@pytest.mark.slow
def test_the_pipeline_route_gives_the_library_report_for_a_file_text_or_json_rows(
        make_api: MakeApi, db_url: str, tmp_path: Path) -> None:
    path, survey = _survey(tmp_path)
    source = example_map_text() + ACCOUNTS
    jmap = jm.JourneyMap.from_dict(yaml.safe_load(source))
    data_dir = tmp_path / "data"
    with make_api(db_url, data_dir=data_dir) as api:
        c, h = api.client, api.workspace()
        fit_id = _fit(c, h, path, source)
        url = f"/v1/fits/{fit_id}/pipeline"
        stored = _files(data_dir)
        expected = _plain(pipeline_analysis(jmap, survey, OPPS).to_dict())
        csv_text = OPPS.to_csv(index=False)
        answers = [
            c.post(url, headers=h, files={"file": ("deals.csv", csv_text, "text/csv")}),
            c.post(url, headers=h, files={"file": ("deals.xlsx", _xlsx(OPPS), "application/"
                                                   "octet-stream")}),
            c.post(url, headers=h, json={"rows": OPPS.to_dict(orient="records")}),
            c.post(url, headers={**h, "Content-Type": "text/csv"}, content=csv_text)]
        for r in answers:
            assert r.status_code == 200, r.text
            assert r.json() == {"fit_id": fit_id, **expected}
        assert _files(data_dir) == stored  # the opportunities are not kept
        assert len(c.get("/v1/datasets", headers=h).json()["data"]) == 1

        # The CLI's --json is the same serialisation.
        (tmp_path / "map.yaml").write_text(source, encoding="utf-8")
        (tmp_path / "deals.csv").write_text(csv_text, encoding="utf-8")
        cli = CliRunner().invoke(app, ["pipeline", str(tmp_path / "map.yaml"), str(path),
                                       str(tmp_path / "deals.csv"), "--json"])
        assert cli.exit_code == 0, cli.output
        assert json.loads(cli.stdout) == expected

        # The figures, counted with pandas.
        body = answers[0].json()
        stages = {s["stage"]: s for s in body["stages"]}
        assert sorted(stages) == sorted(set(OPPS["stage"]))
        for stage, row in stages.items():
            accounts = set(OPPS.loc[OPPS["stage"] == stage, "account"])
            ltr = survey.loc[survey["account"].isin(accounts), "ltr"]
            assert row["n"] == len(ltr)
            assert row["suppressed"] is (len(ltr) < 30)
            if not row["suppressed"]:
                assert row["nps"]["value"] == pytest.approx(_nps(ltr), abs=1e-9)
        assert stages["closed won"] == {"stage": "closed won", "n": 3, "suppressed": True,
                                        "nps": None}
        dm_low = survey[(survey["contact_role"] == "decision maker") & (survey["ltr"] <= 6)]
        risky = OPPS[OPPS["account"].isin(set(dm_low["account"]))
                     & (OPPS["probability"] >= 0.5)].sort_values("amount", ascending=False)
        assert [r["opportunity"] for r in body["act_on"]] == ["o1", "o2"]
        assert [r["opportunity"] for r in body["act_on"]] == risky["opportunity"].tolist()
        for r in body["act_on"]:
            scores = sorted(dm_low.loc[dm_low["account"] == r["account"], "ltr"].astype(int))
            assert r["decision_maker_scores"] == scores
            assert r["reason"].startswith("Decision makers of the account answered")
            assert r["reason"].endswith(f"probability is {100 * r['probability']:.0f}%.")
        assert body["no_responses"] == ["o6"]

        # Swedish reasons and another probability floor.
        sv = c.post(f"{url}?lang=sv&min_probability=0.65", headers=h,
                    json={"rows": OPPS.to_dict(orient="records")})
        assert sv.status_code == 200, sv.text
        with use_language("sv"):
            want = _plain(pipeline_analysis(jmap, survey, OPPS, min_probability=0.65)
                          .to_dict())
        assert sv.json() == {"fit_id": fit_id, **want}
        assert [r["opportunity"] for r in sv.json()["act_on"]] == ["o1", "o2"]
        assert sv.json()["act_on"][0]["reason"].startswith("Beslutsfattare")


@pytest.mark.slow
def test_bad_opportunities_get_one_clear_problem_and_nothing_is_stored(
        make_api: MakeApi, sqlite_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    path, _ = _survey(tmp_path)
    source = example_map_text() + ACCOUNTS
    data_dir = tmp_path / "data"
    with make_api(sqlite_url, data_dir=data_dir, max_body_bytes=40_000) as api:
        c, h = api.client, api.workspace()
        fit_id = _fit(c, h, path, source)
        url = f"/v1/fits/{fit_id}/pipeline"
        stored = _files(data_dir)

        def problem(r: Any, status: int) -> str:
            assert r.status_code == status, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            detail: str = r.json()["detail"]
            assert "Traceback" not in detail
            return detail

        def send(frame: pd.DataFrame, name: str = "deals.csv") -> Any:
            return c.post(url, headers=h, files={"file": (name, frame.to_csv(index=False),
                                                          "text/csv")})

        no_account = problem(send(OPPS.rename(columns={"account": "customer"})), 422)
        assert no_account == (
            "'deals.csv' has no column 'account'; an opportunities file needs account, "
            "opportunity, stage, amount, probability. Present: customer, opportunity, "
            "stage, amount, probability.")
        text_amount = OPPS.astype({"amount": object})
        text_amount.loc[2, "amount"] = "about 90k"
        assert problem(send(text_amount), 422) == (
            "'deals.csv': column 'amount' is not a number in rows 4.")
        text_prob = OPPS.astype({"probability": object})
        text_prob.loc[0, "probability"] = "high"
        assert problem(send(text_prob), 422) == (
            "'deals.csv': column 'probability' is not a number in rows 2.")
        assert "is empty" in problem(c.post(url, headers=h, files={
            "file": ("deals.csv", b"", "text/csv")}), 422)
        assert "no opportunities" in problem(send(OPPS.iloc[:0]), 422)
        assert "is empty" in problem(c.post(url, headers={**h, "Content-Type": "text/csv"},
                                            content=b"  \n"), 422)
        huge = pd.concat([OPPS] * 1_000, ignore_index=True)
        assert problem(send(huge), 413) == ("the opportunities file is larger than this server "
                                            "accepts (40,000 bytes); split it, e.g. by sales "
                                            "region.")
        monkeypatch.setattr("journeymap.analysis.pipeline.MAX_OPPORTUNITIES", 5)
        assert "has 7 opportunities; at most 5" in problem(send(OPPS), 422)
        monkeypatch.undo()
        assert "not an opportunities file" in problem(c.post(url, headers=h, files={
            "file": ("deals.pdf", b"%PDF-1.4", "application/pdf")}), 415)
        assert "send the opportunities as" in problem(c.post(
            url, headers={**h, "Content-Type": "application/xml"}, content=b"<a/>"), 415)
        assert "must be" in problem(c.post(url, headers=h, json={"rows": "o1"}), 422)
        assert "no rows" in problem(c.post(url, headers=h, json={"rows": []}), 422)
        assert "no file" in problem(c.post(url, headers=h, data={"x": "1"},
                                           files={"other": ("a.csv", b"a", "text/csv")}), 422)
        assert c.post(f"{url}?min_probability=2", headers=h,
                      json={"rows": OPPS.to_dict(orient="records")}).status_code == 422
        assert _files(data_dir) == stored

        m2 = post_map(c, h, example_map_text(), filename="plain.yaml")
        d = c.get("/v1/datasets", headers=h).json()["data"][0]
        fit2 = wait_fit(c, h, start_fit(c, h, m2["id"], d["id"])["id"])
        r = c.post(f"/v1/fits/{fit2['id']}/pipeline", headers=h,
                   json={"rows": OPPS.to_dict(orient="records")})
        assert "the map names no account column" in problem(r, 422)
        zero = "00000000-0000-0000-0000-000000000000"
        assert c.post(f"/v1/fits/{zero}/pipeline", headers=h,
                      json={"rows": OPPS.to_dict(orient="records")}).status_code == 404
