"""Pipeline joined to accounts (docs/accounts.md, "Pipeline"): NPS by stage against
hand-worked counts, the act-on list, an opportunity with no responses, and one clear error
for a file without the account column."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from journeymap.analysis.pipeline import pipeline_analysis
from journeymap.cli import app
from journeymap.exceptions import DataValidationError
from journeymap.model import JourneyMap

MAP = {
    "outcome": "nps",
    "accounts": {"column": "account", "role": "contact_role"},
    "nodes": [{"id": "nps", "kind": "outcome", "column": "ltr"},
              {"id": "support", "kind": "touchpoint", "column": "q_support", "scale": [1, 5]}],
    "edges": [["support", "nps"]],
}


def _survey() -> pd.DataFrame:
    rows = [("Acme", "decision maker", 3)] + [("Acme", "user", 10)] * 9
    rows += [("Beta", "user", 6)] * 10
    f = pd.DataFrame(rows, columns=["account", "contact_role", "ltr"])
    f["q_support"] = 3
    return f


OPPS = pd.DataFrame({"account": ["Acme", "Beta", "Acme", "Zeta"],
                     "opportunity": ["o1", "o2", "o3", "o4"],
                     "stage": ["proposal", "proposal", "won", "proposal"],
                     "amount": [1000, 500, 2000, 99], "probability": [80, 90, 30, 90]})


def test_nps_by_stage_and_the_act_on_list_match_hand_worked_counts() -> None:
    rep = pipeline_analysis(JourneyMap.from_dict(MAP), _survey(), OPPS, min_responses=10)
    stages = {s: (n, v) for s, n, v in rep.stages}
    assert stages["proposal"][0] == 20
    assert stages["proposal"][1] is not None
    assert stages["proposal"][1].value == pytest.approx(100 * (9 - 11) / 20)
    assert stages["won"][0] == 10
    assert stages["won"][1] is not None
    assert stages["won"][1].value == pytest.approx(100 * (9 - 1) / 10)
    assert [r["opportunity"] for r in rep.act_on] == ["o1"]
    assert rep.act_on[0]["decision_maker_scores"] == [3]
    assert rep.no_responses == ("o4",)


def test_a_stage_below_the_minimum_is_suppressed_with_its_n() -> None:
    rep = pipeline_analysis(JourneyMap.from_dict(MAP), _survey(), OPPS, min_responses=11)
    won = next(s for s in rep.stages if s[0] == "won")
    assert won[1:] == (10, None)


def test_an_opportunities_file_without_the_account_column_is_one_clear_error() -> None:
    with pytest.raises(DataValidationError) as err:
        pipeline_analysis(JourneyMap.from_dict(MAP), _survey(),
                          OPPS.rename(columns={"account": "customer"}))
    assert str(err.value) == (
        "the opportunities file has no column 'account'; an opportunities file needs account, "
        "opportunity, stage, amount, probability. Present: customer, opportunity, stage, "
        "amount, probability.")


def test_the_pipeline_command_prints_the_json_of_the_library(tmp_path: Path) -> None:
    m = tmp_path / "map.yaml"
    JourneyMap.from_dict(MAP).to_yaml(m)
    d = tmp_path / "survey.csv"
    _survey().to_csv(d, index=False)
    o = tmp_path / "opps.csv"
    OPPS.to_csv(o, index=False)
    res = CliRunner().invoke(app, ["pipeline", str(m), str(d), str(o), "--min-responses",
                                   "10", "--json"])
    assert res.exit_code == 0, res.output
    body = json.loads(res.stdout)
    assert [r["opportunity"] for r in body["act_on"]] == ["o1"]
    bad = tmp_path / "bad.csv"
    OPPS.drop(columns="account").to_csv(bad, index=False)
    res = CliRunner().invoke(app, ["pipeline", str(m), str(d), str(bad)])
    assert res.exit_code == 2
    assert res.stderr.startswith(f"error: {bad} has no column 'account'")


def test_each_deal_to_act_on_has_its_reason_in_words_in_the_language_in_force() -> None:
    from journeymap.i18n import use_language

    rep = pipeline_analysis(JourneyMap.from_dict(MAP), _survey(), OPPS, min_responses=10)
    assert rep.act_on[0]["reason"] == ("A decision maker of the account answered 3 (a "
                                       "detractor) while the forecast probability is 80%.")
    assert rep.to_dict()["act_on"][0]["reason"] == rep.act_on[0]["reason"]
    with use_language("sv"):
        sv = pipeline_analysis(JourneyMap.from_dict(MAP), _survey(), OPPS, min_responses=10)
    assert sv.act_on[0]["reason"] == ("En beslutsfattare på kontot svarade 3 (en kritiker) "
                                      "medan prognosens sannolikhet är 80\u00a0%.")
    two = _survey()
    two.loc[1, ["contact_role", "ltr"]] = ["Decision  Maker", 6]
    rep2 = pipeline_analysis(JourneyMap.from_dict(MAP), two, OPPS, min_responses=10)
    assert rep2.act_on[0]["decision_maker_scores"] == [3, 6]
    assert rep2.act_on[0]["reason"].startswith("Decision makers of the account answered 3, 6 "
                                               "(detractors)")


def test_a_file_with_a_header_but_no_rows_or_too_many_rows_is_one_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DataValidationError, match="has a header row but no opportunities"):
        pipeline_analysis(JourneyMap.from_dict(MAP), _survey(), OPPS.iloc[:0])
    monkeypatch.setattr("journeymap.analysis.pipeline.MAX_OPPORTUNITIES", 3)
    with pytest.raises(DataValidationError) as err:
        pipeline_analysis(JourneyMap.from_dict(MAP), _survey(), OPPS)
    assert str(err.value) == ("the opportunities file has 4 opportunities; at most 3 are read "
                              "at once (split the file, e.g. by sales region).")


def test_text_in_amount_or_probability_is_one_error_naming_the_column_and_rows() -> None:
    bad = OPPS.astype({"probability": object})
    bad.loc[[1, 3], "probability"] = ["likely", "n/a?"]
    with pytest.raises(DataValidationError) as err:
        pipeline_analysis(JourneyMap.from_dict(MAP), _survey(), bad)
    assert str(err.value) == ("the opportunities file: column 'probability' is not a number "
                              "in rows 3, 5.")
