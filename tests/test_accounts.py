"""B2B accounts (docs/accounts.md): per-account NPS against hand-worked counts, both
headlines against an independent numpy computation, the minimum-response boundary and
the at-risk reasons on a planted example."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from journeymap.analysis.accounts import account_analysis, normalise_role
from journeymap.cli import app
from journeymap.exceptions import DataValidationError, JourneymapError, MapValidationError
from journeymap.i18n import use_language
from journeymap.model import AccountColumns, JourneyMap

MAP = {
    "outcome": "nps",
    "accounts": {"column": "account", "role": "contact_role", "date": "date"},
    "nodes": [{"id": "nps", "kind": "outcome", "column": "ltr"},
              {"id": "support", "kind": "touchpoint", "column": "q_support", "scale": [1, 5]}],
    "edges": [["support", "nps"]],
}


def _frame() -> pd.DataFrame:
    rows = []
    # Acme: 12 answers, 6 promoters, 2 passives, 4 detractors -> NPS 100*(6-4)/12.
    for i, s in enumerate([10, 9, 9, 10, 9, 10, 8, 7, 3, 5, 6, 2]):
        rows.append(("Acme", "User" if i != 8 else " Decision  Maker", s, "2026-01-15"))
    # Beta: 3 answers, the decision maker a promoter.
    for s, r in [(10, "decision maker"), (4, "user"), (9, "user")]:
        rows.append(("Beta", r, s, "2026-02-01"))
    # Corp: 10 answers in Q1 all promoters, 10 in Q2 all detractors (falling).
    rows += [("Corp", "user", 10, "2026-02-10")] * 10
    rows += [("Corp", "user", 2, "2026-05-10")] * 10
    f = pd.DataFrame(rows, columns=["account", "contact_role", "ltr", "date"])
    f["q_support"] = 3
    return f


def test_the_map_reads_and_writes_its_accounts_columns() -> None:
    m = JourneyMap.from_dict(MAP)
    assert m.accounts == AccountColumns(column="account", role="contact_role", date="date")
    assert JourneyMap.from_dict(m.to_dict()).accounts == m.accounts


def test_an_accounts_block_without_the_account_column_is_one_clear_error() -> None:
    bad = dict(MAP, accounts={"role": "contact_role"})
    with pytest.raises(MapValidationError, match="'accounts' needs the account column"):
        JourneyMap.from_dict(bad)
    clash = dict(MAP, accounts={"column": "ltr"})
    with pytest.raises(MapValidationError, match="rating column of node 'nps'"):
        JourneyMap.from_dict(clash)


def test_account_nps_and_its_interval_match_hand_worked_counts() -> None:
    rep = account_analysis(JourneyMap.from_dict(MAP), _frame(), min_responses=10)
    acme = next(a for a in rep.accounts if a.account == "Acme")
    assert acme.n == 12
    assert acme.nps is not None
    assert acme.nps.value == pytest.approx(100 * (6 - 4) / 12)
    p, d = (6 + 0.75) / 15, (4 + 0.75) / 15
    se = np.sqrt((p + d - (p - d) ** 2) / 15)
    assert acme.nps.ci == pytest.approx((100 * (p - d - 1.959963984540054 * se),
                                         100 * (p - d + 1.959963984540054 * se)))


def test_an_account_below_the_minimum_is_suppressed_with_its_n_and_at_it_is_shown() -> None:
    m = JourneyMap.from_dict(MAP)
    f = _frame()
    at = account_analysis(m, f[f.account != "Corp"].iloc[:12].assign(
        account="Acme"), min_responses=12)
    assert at.accounts[0].nps is not None
    assert at.accounts[0].n == 12
    below = account_analysis(m, f[f.account != "Corp"].iloc[:11].assign(
        account="Acme"), min_responses=12)
    assert below.accounts[0].nps is None
    assert below.accounts[0].n == 11
    assert below.accounts[0].to_dict()["suppressed"] is True
    assert below.respondent_weighted is None
    assert below.account_weighted is None


def test_both_headlines_match_an_independent_numpy_computation() -> None:
    f = _frame()
    rep = account_analysis(JourneyMap.from_dict(MAP), f, min_responses=10, n_boot=500,
                           seed=3)
    x = f.ltr.to_numpy()
    assert rep.respondent_weighted is not None
    assert rep.respondent_weighted.value == pytest.approx(
        100 * (np.mean(x >= 9) - np.mean(x <= 6)))
    per = [100 * (np.mean(g >= 9) - np.mean(g <= 6))
           for _, g in f.groupby("account").ltr]
    assert rep.account_weighted == pytest.approx(np.mean(per))
    draws = np.random.default_rng(3).integers(0, 3, size=(500, 3))
    boot = np.asarray(per)[draws].mean(axis=1)
    assert rep.account_weighted_ci == pytest.approx(tuple(np.quantile(boot, [0.025, 0.975])))
    assert rep.n_accounts == 3


def test_several_detractor_decision_makers_make_one_reason_listing_their_scores() -> None:
    f = _frame()
    # two more of Acme's detractors (answers 5 and 2) are decision makers: three in all
    f.loc[(f.account == "Acme") & f.ltr.isin([5, 2]), "contact_role"] = "Decision maker"
    rep = account_analysis(JourneyMap.from_dict(MAP), f, min_responses=10, threshold=0)
    acme = next(a for a in rep.accounts if a.account == "Acme")
    assert [(r.code, r.text) for r in acme.reasons] == [
        ("decision_maker_detractor", "3 decision makers answered 2, 3, 5 (detractors).")]
    with use_language("sv"):
        rep = account_analysis(JourneyMap.from_dict(MAP), f, min_responses=10, threshold=0)
    acme = next(a for a in rep.accounts if a.account == "Acme")
    assert acme.reasons[0].text == "3 beslutsfattare svarade 2, 3, 5 (kritiker)."


def test_planted_risks_give_their_reasons_and_nothing_else() -> None:
    rep = account_analysis(JourneyMap.from_dict(MAP), _frame(), min_responses=10,
                           threshold=0, order="risk")
    by = {a.account: a for a in rep.accounts}
    assert [r.code for r in by["Acme"].reasons] == ["decision_maker_detractor"]
    assert by["Acme"].reasons[0].text == "A decision maker answered 3 (a detractor)."
    assert by["Beta"].reasons == ()
    assert by["Beta"].nps is None
    assert [r.code for r in by["Corp"].reasons] == ["falling"]
    assert "fell from 100 in 2026Q1 to -100 in 2026Q2" in by["Corp"].reasons[0].text
    assert [a.account for a in rep.accounts] == ["Acme", "Corp", "Beta"]
    low = account_analysis(JourneyMap.from_dict(MAP), _frame(), min_responses=10,
                           threshold=50)
    assert "below_threshold" in [r.code for r in low.accounts[0].reasons]
    assert [a.account for a in low.accounts] == ["Acme", "Beta", "Corp"]


def test_contact_roles_are_compared_case_and_space_insensitively_and_suppressed() -> None:
    assert normalise_role("  Decision   MAKER ") == "decision maker"
    rep = account_analysis(JourneyMap.from_dict(MAP), _frame(), min_responses=10)
    roles = {r.role: r for r in rep.roles}
    assert roles["decision maker"].n == 2
    assert roles["decision maker"].nps is None
    users = _frame().loc[lambda f: f.contact_role == "user"].ltr.to_numpy()
    acme_users = _frame().ltr.to_numpy()[[0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11]]
    users = np.concatenate([users, acme_users])
    assert roles["user"].n == users.size
    assert roles["user"].nps is not None
    assert roles["user"].nps.value == pytest.approx(100 * (np.mean(users >= 9)
                                                           - np.mean(users <= 6)))


def test_reasons_are_translated() -> None:
    with use_language("sv"):
        rep = account_analysis(JourneyMap.from_dict(MAP), _frame(), min_responses=10)
    acme = next(a for a in rep.accounts if a.account == "Acme")
    assert acme.reasons[0].text == "En beslutsfattare svarade 3 (en kritiker)."


def test_a_map_without_accounts_or_data_without_the_column_is_one_clear_error() -> None:
    plain = {k: v for k, v in MAP.items() if k != "accounts"}
    with pytest.raises(JourneymapError, match="the map names no account column"):
        account_analysis(JourneyMap.from_dict(plain), _frame())
    with pytest.raises(DataValidationError, match="contact_role"):
        account_analysis(JourneyMap.from_dict(MAP), _frame().drop(columns="contact_role"))


def _files(tmp_path: Path) -> tuple[Path, Path]:
    m = tmp_path / "map.yaml"
    JourneyMap.from_dict(MAP).to_yaml(m)
    d = tmp_path / "data.csv"
    f = _frame()
    f.loc[0, "account"] = "=HYPERLINK(1)"
    f.to_csv(d, index=False)
    return m, d


def test_the_cli_prints_both_headlines_and_the_reasons(tmp_path: Path) -> None:
    m, d = _files(tmp_path)
    res = CliRunner().invoke(app, ["accounts", str(m), str(d), "--min-responses", "10",
                                   "--order", "risk"])
    assert res.exit_code == 0, res.output
    x = _frame().ltr.to_numpy()
    rw = 100 * (np.mean(x >= 9) - np.mean(x <= 6))
    signed = f"{rw:+.1f}".replace("-", "\N{MINUS SIGN}")  # with its sign, as `fit` prints NPS
    assert f"Respondent-weighted NPS (every answer counts once): {signed}" in res.output
    assert "Account-weighted NPS (every account counts once)" in res.output
    assert "A decision maker answered 3 (a detractor)." in res.output


def test_the_cli_json_and_spreadsheet_safe_csv_hold_the_same_accounts(tmp_path: Path) -> None:
    m, d = _files(tmp_path)
    out = tmp_path / "acc.csv"
    res = CliRunner().invoke(app, ["accounts", str(m), str(d), "--min-responses", "10",
                                   "-o", str(out)])
    assert res.exit_code == 0, res.output
    rows = pd.read_csv(out, keep_default_na=False)
    assert list(rows.account) == ["'=HYPERLINK(1)", "Acme", "Beta", "Corp"]
    assert list(rows.n) == [1, 11, 3, 20]
    assert rows.nps.iloc[2] == ""
    js = CliRunner().invoke(app, ["accounts", str(m), str(d), "--min-responses", "10",
                                  "--json"])
    body = json.loads(js.stdout)
    assert [a["n"] for a in body["accounts"]] == [1, 11, 3, 20]
    assert body["accounts"][3]["nps"]["value"] == pytest.approx(0.0)


def test_the_cli_refuses_a_map_without_accounts_in_one_line(tmp_path: Path) -> None:
    _, d = _files(tmp_path)
    plain = tmp_path / "plain.yaml"
    JourneyMap.from_dict({k: v for k, v in MAP.items() if k != "accounts"}).to_yaml(plain)
    res = CliRunner().invoke(app, ["accounts", str(plain), str(d)])
    assert res.exit_code == 2
    assert res.stderr.strip().splitlines() == [
        "error: the map names no account column; add e.g. 'accounts: {column: account, "
        "role: contact_role}' to the map (docs/map-format.md, \"Accounts\")."]
