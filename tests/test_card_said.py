"""The role card's "what customers said" section and its line on the workshop's
assumptions: the question, the counts (against pandas), "not experienced", comments
with consent only and redacted, suppression, ``lang`` attributes, and plain words in
every language."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest

import journeymap as jm
from journeymap.analysis import role_touchpoints
from journeymap.data import load_survey
from journeymap.i18n import LANGUAGES
from journeymap.model import JourneyMap
from journeymap.render.card import role_card, role_card_body

MAP = """\
schema_version: 1
name: Kök
language: sv
outcome: nps
comments: {column: comment, consent: ok, date: answered}
nodes:
  - {id: nps, kind: outcome, column: ltr}
  - {id: installer, kind: role, label: {sv: Installatör, en: Installer}}
  - id: install
    kind: touchpoint
    label: Installation
    column: q_install
    scale: [1, 5]
    question: {sv: "Hur nöjd var du med installationen?",
               en: "How satisfied were you with the installation?"}
  - {id: ease, kind: factor, label: Enkelhet, column: q_ease, scale: [1, 5]}
edges:
  - [installer, install]
  - [install, ease]
  - [ease, nps]
  - [install, nps]
"""

JARGON = ("leverage", "room to the top", "recommend score points", "recommend score per",
          "lavaan", "dagitty", "json")


def _frame(n: int = 300, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    install = rng.integers(1, 6, n).astype(float)
    install[rng.random(n) < 0.15] = np.nan
    ease = np.clip(np.rint(np.nan_to_num(install, nan=3) + rng.normal(0, 1, n)), 1, 5)
    ltr = np.clip(np.rint(ease * 2 + rng.normal(0, 1.5, n)), 0, 10)
    comment = np.array([f"Kommentar {i}" for i in range(n)], dtype=object)
    ok = np.full(n, "nej", dtype=object)
    return pd.DataFrame({"ltr": ltr, "q_install": install, "q_ease": ease,
                         "comment": comment, "ok": ok, "answered": "2026-03-01"})


def _fit(frame: pd.DataFrame) -> jm.FitResult:
    m = JourneyMap.from_text(MAP, "k.yaml")
    return jm.fit(m, load_survey(frame, m))


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    f = _frame()
    low = f.index[f["q_install"] <= 2]
    f.loc[low[:3], "ok"] = "ja"
    f.loc[low[0], "comment"] = "Ring mig på 070-123 45 67, mvh Per Andersson"
    f.loc[low[1], "answered"] = "2026-04-01"
    f.loc[f.index[f["q_install"] == 5][:2], "ok"] = "ja"  # high raters: never shown
    return f


@pytest.fixture(scope="module")
def result(frame: pd.DataFrame) -> jm.FitResult:
    return _fit(frame)


def test_the_card_shows_the_question_and_the_counts_of_pandas(result: jm.FitResult,
                                                              frame: pd.DataFrame) -> None:
    md = role_card(result, "installer", format="md", lang="en")
    assert "## What customers said about your touchpoints" in md
    assert "Question: “How satisfied were you with the installation?”" in md
    rated = int(frame["q_install"].notna().sum())
    assert f"How {rated} customers rated it (1 = lowest, 5 = highest)" in md
    counts = frame["q_install"].value_counts()
    for value, n in counts.items():
        assert re.search(rf"^\| {int(value)} \| {n} \| \d+%", md, re.M), value
    blank = int(frame["q_install"].isna().sum())
    share = round(100 * blank / len(frame))
    assert (f"Not experienced: {blank} of {len(frame)} customers ({share}%) left this "
            "question blank.") in md


def test_only_consenting_low_raters_comments_are_shown_newest_first_and_redacted(
        result: jm.FitResult, frame: pd.DataFrame) -> None:
    md = role_card(result, "installer", format="md", lang="en")
    low = frame.index[frame["q_install"] <= 2]
    assert int((frame["q_install"] <= 2).sum()) >= 30
    quoted = re.findall(r"^> ((?:Kommentar|Ring).*)$", md, re.M)
    assert quoted == [f"Kommentar {low[1]} (2026-04-01)", f"Kommentar {low[2]} (2026-03-01)",
                      "Ring mig på \\[…\\], mvh \\[…\\] (2026-03-01)"]
    assert "070-123" not in md
    assert "Andersson" not in md
    high = frame.index[frame["q_install"] == 5][:2]
    for i in high:
        assert f"Kommentar {i}" not in md
    assert "Recent comments from customers who rated it 1–2" in md


def test_without_consent_no_comment_is_shown(frame: pd.DataFrame) -> None:
    f = frame.copy()
    f["ok"] = "nej"
    md = role_card(_fit(f), "installer", format="md", lang="en")
    assert "Kommentar" not in md
    assert "No customer who rated it 1–2 left a comment they agreed to share." in md


def test_fewer_than_the_minimum_low_raters_show_no_comment(frame: pd.DataFrame) -> None:
    f = frame.copy()
    low = f.index[f["q_install"] <= 2]
    f.loc[low[29:], "q_install"] = 4.0  # 29 low raters left
    md = role_card(_fit(f), "installer", format="md", lang="en")
    assert "Only 29 customers rated it 1–2; comments are shown when at least 30 did." in md
    assert "Kommentar" not in md


def test_a_touchpoint_rated_by_too_few_shows_no_distribution(result: jm.FitResult,
                                                             frame: pd.DataFrame) -> None:
    rated = int(frame["q_install"].notna().sum())
    said = role_touchpoints(result, "installer", min_responses=rated + 1)
    md = role_card(result, "installer", format="md", lang="en", touchpoints=said)
    assert (f"Only {rated} customers rated it, and at least {rated + 1} are needed before "
            "how they rated it is shown.") in md
    assert "customers rated it (1 = lowest" not in md
    assert "Kommentar" not in md


def test_the_html_section_marks_labels_and_questions_in_another_language(
        result: jm.FitResult) -> None:
    fi = role_card_body(result, "installer", lang="fi")
    assert '<q lang="sv">Hur nöjd var du med installationen?</q>' in fi
    assert '<h3 lang="sv">Installation</h3>' in fi
    assert '<td class="first" lang="sv">Installation</td>' in fi
    en = role_card_body(result, "installer", lang="en")
    assert '<q>How satisfied were you with the installation?</q>' in en
    assert '<table class="dist">' in en
    assert '<tr class="low"><th scope="row">1</th>' in en


def test_the_assumptions_line_names_the_map_version_and_date(result: jm.FitResult) -> None:
    body = html.unescape(role_card_body(result, "installer", lang="en", map_version=4,
                                        map_date="2026-11-02"))
    assert ("The map and the shares are the workshop's assumptions (map “Kök”, version 4 "
            "of 2026-11-02)") in body
    sv = role_card(result, "installer", format="md", lang="sv")
    assert ("Kartan och andelarna är workshopens antaganden (kartan ”Kök”), inte uppmätta "
            "fakta") in sv


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_card_uses_no_jargon_in_any_language(result: jm.FitResult, lang: str) -> None:
    text = role_card(result, "installer", format="md", lang=lang).casefold()
    for word in JARGON:
        assert word not in text, (lang, word)


def test_a_fit_read_back_from_json_says_it_has_no_distribution(result: jm.FitResult) -> None:
    again = jm.FitResult.from_dict(result.to_dict(), result.journey_map)
    md = role_card(again, "installer", format="md", lang="en")
    assert "This fit keeps no survey answers" in md
    assert "Not experienced" not in md
