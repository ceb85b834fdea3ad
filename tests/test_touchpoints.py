"""What customers said about a role's touchpoints (journeymap.analysis.touchpoints):
distributions counted independently with pandas, "not experienced", the suppression
boundary, consent, the order of recent comments, and the removal of e-mail addresses,
phone numbers and names on a table of realistic comments in five languages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import journeymap as jm
from journeymap.analysis.redact import REMOVED, redact
from journeymap.analysis.touchpoints import (
    COMMENTS_SHOWN,
    MAX_COMMENT_CHARS,
    low_range,
    role_touchpoints,
    touchpoint_detail,
)
from journeymap.data import load_survey
from journeymap.exceptions import DataValidationError, JourneymapError
from journeymap.i18n import use_language
from journeymap.limits import DEFAULT_MIN_RESPONSES
from journeymap.model import JourneyMap

MAP = """\
schema_version: 1
language: sv
outcome: nps
comments: {column: comment, consent: ok, date: answered, staff: [Anna Berg]}
nodes:
  - {id: nps, kind: outcome, column: ltr}
  - {id: installer, kind: role, label: Installatör}
  - id: install
    kind: touchpoint
    label: {sv: Installation, en: Installation work}
    column: q_install
    scale: [1, 5]
    question: {sv: "Hur nöjd var du med installationen?",
               en: "How satisfied were you with the installation?"}
  - {id: delivery, kind: touchpoint, items: [d1, d2], scale: [1, 5]}
  - {id: ease, kind: factor, column: q_ease, scale: [1, 7]}
edges:
  - [installer, install]
  - [installer, delivery]
  - [install, ease]
  - [delivery, ease]
  - [ease, nps]
"""


def _map(text: str = MAP) -> JourneyMap:
    return JourneyMap.from_text(text, "t.yaml")


def _frame(n: int = 400, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    install = rng.integers(1, 6, n).astype(float)
    install[rng.random(n) < 0.2] = np.nan  # not experienced
    d1 = rng.integers(1, 6, n).astype(float)
    d2 = rng.integers(1, 6, n).astype(float)
    ease = np.clip(np.rint(1 + 0.8 * np.nan_to_num(install, nan=3) + rng.normal(0, 1, n)), 1, 7)
    ltr = np.clip(np.rint(ease * 1.3 + rng.normal(0, 1.5, n)), 0, 10)
    days = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 90, n), unit="D")
    return pd.DataFrame({
        "ltr": ltr, "q_install": install, "d1": d1, "d2": d2, "q_ease": ease,
        "comment": [f"kommentar {i}" for i in range(n)],
        "ok": np.where(rng.random(n) < 0.7, "ja", "nej"),
        "answered": days.strftime("%Y-%m-%d")})


def _fit(frame: pd.DataFrame, text: str = MAP) -> jm.FitResult:
    m = _map(text)
    return jm.fit(m, load_survey(frame, m))


# ----------------------------------------------------------------- distributions
def test_the_distribution_equals_pandas_value_counts_with_every_scale_point() -> None:
    frame = _frame()
    r = _fit(frame)
    t = role_touchpoints(r, "installer")
    assert [d.node for d in t.touchpoints] == ["install", "delivery"]
    inst = t.touchpoints[0]
    expected = frame["q_install"].value_counts().sort_index()
    assert {c.value: c.count for c in inst.distribution or ()} == {
        float(k): int(v) for k, v in expected.items()}
    assert [c.value for c in inst.distribution or ()] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert inst.rated == int(frame["q_install"].notna().sum())
    assert inst.not_experienced == int(frame["q_install"].isna().sum())
    assert inst.respondents == len(frame)
    assert inst.not_experienced_share == pytest.approx(frame["q_install"].isna().mean())
    assert inst.low == (1.0, 2.0)
    assert inst.rated_low == int((frame["q_install"] <= 2).sum())
    assert not inst.rounded


def test_a_scale_point_nobody_gave_is_listed_with_zero() -> None:
    frame = _frame()
    frame.loc[frame["q_install"] == 3, "q_install"] = 4
    inst = role_touchpoints(_fit(frame), "installer").touchpoints[0]
    assert [(c.value, c.count) for c in inst.distribution or ()][2] == (3.0, 0)


def test_a_composite_counts_its_average_rounded_to_the_nearest_point() -> None:
    frame = _frame()
    mean = (frame["d1"] + frame["d2"]) / 2
    expected = np.floor(mean + 0.5).value_counts()
    delivery = role_touchpoints(_fit(frame), "installer").touchpoints[1]
    assert delivery.rounded
    assert {c.value: c.count for c in delivery.distribution or ()} == {
        float(k): int(v) for k, v in expected.items()}


def test_rows_without_a_recommend_answer_are_not_counted() -> None:
    frame = _frame()
    frame.loc[:9, "ltr"] = np.nan
    inst = role_touchpoints(_fit(frame), "installer").touchpoints[0]
    kept = frame[frame["ltr"].notna()]
    assert inst.respondents == len(kept) == len(frame) - 10
    assert inst.rated == int(kept["q_install"].notna().sum())


@pytest.mark.parametrize(("scale", "low"), [((1, 5), (1.0, 2.0)), ((0, 10), (0.0, 4.0)),
                                            ((1, 7), (1.0, 3.0)), ((1, 10), (1.0, 4.0))])
def test_low_is_the_lowest_forty_percent_of_the_scale(scale: tuple[float, float],
                                                      low: tuple[float, float]) -> None:
    assert low_range(scale) == low


def test_question_and_label_follow_the_language_in_force() -> None:
    r = _fit(_frame())
    with use_language("en"):
        inst = role_touchpoints(r, "installer").touchpoints[0]
    assert inst.question == "How satisfied were you with the installation?"
    assert inst.label == "Installation work"
    with use_language("fi"):
        inst = role_touchpoints(r, "installer").touchpoints[0]
    assert inst.question == "Hur nöjd var du med installationen?"
    assert role_touchpoints(r, "installer").touchpoints[1].question is None


# ------------------------------------------------------------------- suppression
def _rated(n_rated: int, n_low: int, total: int = 200) -> pd.DataFrame:
    """``total`` respondents; ``n_rated`` rated the installation, ``n_low`` of them 1."""
    frame = _frame(total)
    install = np.full(total, np.nan)
    install[:n_rated] = 5.0
    install[:n_low] = 1.0
    frame["q_install"] = install
    frame["ok"] = "ja"
    return frame


def test_a_touchpoint_rated_by_29_shows_no_distribution_and_by_30_shows_one() -> None:
    m = _map()
    below = touchpoint_detail(m, load_survey(_rated(29, 0), m), "install")
    assert below.suppressed
    assert below.distribution is None
    assert below.rated_low is None
    assert below.comments == ()
    assert below.rated == 29  # the count itself is no group's figures
    at = touchpoint_detail(m, load_survey(_rated(30, 0), m), "install")
    assert not at.suppressed
    assert [(c.value, c.count) for c in at.distribution or ()] == [
        (1.0, 0), (2.0, 0), (3.0, 0), (4.0, 0), (5.0, 30)]
    assert DEFAULT_MIN_RESPONSES == 30


def test_comments_need_30_who_rated_it_low_not_29() -> None:
    m = _map()
    below = touchpoint_detail(m, load_survey(_rated(100, 29), m), "install")
    assert below.distribution is not None
    assert below.rated_low == 29
    assert below.comments_suppressed
    assert below.comments == ()
    at = touchpoint_detail(m, load_survey(_rated(100, 30), m), "install")
    assert not at.comments_suppressed
    assert len(at.comments) == COMMENTS_SHOWN


def test_a_higher_minimum_suppresses_more_and_one_below_the_floor_is_refused() -> None:
    m = _map()
    data = load_survey(_rated(100, 40), m)
    assert touchpoint_detail(m, data, "install", min_responses=50).comments_suppressed
    assert touchpoint_detail(m, data, "install", min_responses=101).suppressed
    with pytest.raises(JourneymapError, match="below 10"):
        touchpoint_detail(m, data, "install", min_responses=9)


# --------------------------------------------------------------------- comments
def test_only_comments_with_consent_from_those_who_rated_it_low_are_shown() -> None:
    frame = _rated(100, 40)
    frame["comment"] = [f"c{i}" for i in range(len(frame))]
    frame["ok"] = "nej"
    frame.loc[[3, 5], "ok"] = "Ja"
    frame.loc[60, "ok"] = "yes"  # rated 5, not low: never shown
    frame["answered"] = "2026-02-01"
    m = _map()
    shown = touchpoint_detail(m, load_survey(frame, m), "install").comments
    assert [c.text for c in shown] == ["c5", "c3"]  # same date: later rows first


def test_with_consent_false_everywhere_no_comment_is_shown() -> None:
    frame = _rated(100, 40)
    frame["ok"] = False
    m = _map()
    detail = touchpoint_detail(m, load_survey(frame, m), "install")
    assert detail.comments == ()
    assert not detail.comments_suppressed


def test_the_most_recent_comments_come_first_and_blank_dates_last() -> None:
    frame = _rated(100, 40)
    frame["comment"] = [f"c{i}" for i in range(len(frame))]
    frame["ok"] = "nej"
    frame.loc[[0, 1, 2, 3], "ok"] = "true"
    frame.loc[[0, 1, 2, 3], "answered"] = ["2026-03-05", "", "2026-04-01", "2026-01-10"]
    frame.loc[4, ["ok", "comment"]] = ["1", "  "]  # a blank comment is no comment
    m = _map()
    shown = touchpoint_detail(m, load_survey(frame, m), "install", comments_shown=4).comments
    assert [(c.text, c.date) for c in shown] == [
        ("c2", "2026-04-01"), ("c0", "2026-03-05"), ("c3", "2026-01-10"), ("c1", None)]


def test_without_a_date_column_the_last_rows_count_as_the_most_recent() -> None:
    text = MAP.replace(", date: answered", "")
    frame = _rated(100, 40).drop(columns=["answered"])
    frame["comment"] = [f"c{i}" for i in range(len(frame))]
    m = _map(text)
    shown = touchpoint_detail(m, load_survey(frame, m), "install").comments
    assert [c.text for c in shown] == ["c39", "c38", "c37"]
    assert shown[0].date is None


def test_a_long_comment_is_cut_at_a_word_and_redacted_first() -> None:
    frame = _rated(100, 40)
    frame["ok"] = "nej"
    frame.loc[0, "ok"] = "ja"
    frame.loc[0, "comment"] = "Anna Berg ringde " + "mycket " * 100
    m = _map()
    (shown,) = touchpoint_detail(m, load_survey(frame, m), "install").comments
    assert shown.text.startswith(f"{REMOVED} ringde mycket")
    assert shown.text.endswith("mycket…")
    assert len(shown.text) <= MAX_COMMENT_CHARS + 1


def test_a_fit_without_rows_says_it_has_no_distribution() -> None:
    r = _fit(_frame())
    again = jm.FitResult.from_dict(r.to_dict(), r.journey_map)
    t = role_touchpoints(again, "installer")
    assert not t.has_rows
    assert t.touchpoints == ()
    assert t.nodes == ("install", "delivery")
    assert t.has_comments
    with_data = role_touchpoints(again, "installer", data=load_survey(_frame(), _map()))
    assert with_data.has_rows
    assert with_data.touchpoints == role_touchpoints(r, "installer").touchpoints


def test_a_streamed_fit_keeps_no_rows(tmp_path: pd.DataFrame) -> None:
    path = tmp_path / "d.csv"
    _frame().to_csv(path, index=False)
    from journeymap.engines import fit_stream

    r = fit_stream(_map(), path)
    assert not role_touchpoints(r, "installer").has_rows


def test_a_role_that_is_not_a_role_is_refused() -> None:
    r = _fit(_frame())
    with pytest.raises(JourneymapError, match="not a role"):
        role_touchpoints(r, "install")


# ------------------------------------------------------------------ data loading
def test_consent_values_that_are_neither_yes_nor_no_are_refused_with_their_rows() -> None:
    frame = _frame(40)
    frame.loc[[2, 7], "ok"] = ["kanske", "?"]
    with pytest.raises(DataValidationError, match=r"row 3 \('kanske'\), row 8 \('\?'\)"):
        load_survey(frame, _map())


def test_dates_that_are_not_dates_are_refused_and_missing_columns_named() -> None:
    frame = _frame(40)
    frame.loc[5, "answered"] = "igår"
    with pytest.raises(DataValidationError, match=r"not dates: row 6 \('igår'\)"):
        load_survey(frame, _map())
    with pytest.raises(DataValidationError, match="'ok' for the comments' consent"):
        load_survey(_frame(40).drop(columns=["ok"]), _map())


@pytest.mark.parametrize(("cell", "consent"), [
    ("ja", True), ("Yes", True), ("TRUE", True), ("1", True), ("x", True), ("kyllä", True),
    ("J", True), ("nej", False), ("no", False), ("0", False), ("ei", False), ("", False),
    ("NA", False), ("nei", False)])
def test_consent_cells_in_the_five_languages(cell: str, consent: bool) -> None:
    frame = _frame(40)
    frame["ok"] = cell
    data = load_survey(frame, _map())
    assert data.comments is not None
    assert data.comments.consent.tolist() == [consent] * 40


def test_a_map_without_comments_reads_no_comment_columns() -> None:
    text = MAP.replace("comments: {column: comment, consent: ok, date: answered, "
                       "staff: [Anna Berg]}\n", "")
    data = load_survey(_frame(40).drop(columns=["ok"]), _map(text))
    assert data.comments is None


# ------------------------------------------------------------------ PII removal
X = REMOVED
REDACTED = [
    # e-mail addresses, also with subdomains and written out
    ("Skriv till anna.berg@kok.malmo.se om fakturan", f"Skriv till {X} om fakturan"),
    ("mail: per_olsson+nps@mail.restaurang-gården.se.", f"mail: {X}."),
    ("Contact j.doe@eu.support.example.co.uk please", f"Contact {X} please"),
    ("anna[at]kok.se svarade aldrig", f"{X} svarade aldrig"),
    # Swedish phone numbers in the ways people write them
    ("Ring mig på 070-123 45 67", f"Ring mig på {X}"),
    ("Ring +46 70 123 45 67 efter lunch", f"Ring {X} efter lunch"),
    ("nr +46 (0)70-123 45 67.", f"nr {X}."),
    ("0046701234567 funkar", f"{X} funkar"),
    ("kontor (08) 123 456 78", f"kontor {X}"),
    ("ring 08-12 34 56", f"ring {X}"),
    ("tel. 0701234567", f"tel. {X}"),
    # Finnish, Danish and Norwegian numbers
    ("Soita 040 123 4567 tai +358 40 1234567", f"Soita {X} tai {X}"),
    ("Ring på +45 12 34 56 78", f"Ring på {X}"),
    ("Ring meg på +47 412 34 567", f"Ring meg på {X}"),
    # a personal identity number
    ("personnummer 19800101-1234", f"personnummer {X}"),
    # names after greetings, thanks and introductions
    ("Hej Anna! Allt gick bra.", f"Hej {X}! Allt gick bra."),
    ("Thanks Erik, the oven works.", f"Thanks {X}, the oven works."),
    ("Stort tack till Lars Nilsson för hjälpen", f"Stort tack till {X} för hjälpen"),
    ("Kiitos Jukka! Asennus meni hyvin.", f"Kiitos {X}! Asennus meni hyvin."),
    ("Mange tak til Søren", f"Mange tak til {X}"),
    ("Tusen takk til Kari", f"Tusen takk til {X}"),
    ("My name is Sarah Connor and nobody called back.",
     f"My name is {X} and nobody called back."),
    ("Jag heter Åsa Öberg och väntar fortfarande", f"Jag heter {X} och väntar fortfarande"),
    ("Minun nimeni on Matti Virtanen.", f"Minun nimeni on {X}."),
    ("Mit navn er Jens.", f"Mit navn er {X}."),
    # names after a role word
    ("Montören Johan var toppen", f"Montören {X} var toppen"),
    ("The installer, Mike, left a mess.", f"The installer, {X}, left a mess."),
    ("asentaja Mikko oli myöhässä", f"asentaja {X} oli myöhässä"),
    ("sjåføren Ola ringte ikke", f"sjåføren {X} ringte ikke"),
    # signatures: the rest of the comment goes
    ("Levererat för sent. Mvh Per Andersson, Restaurang Gården AB",
     f"Levererat för sent. Mvh {X}"),
    ("Late again.\nBest regards,\nJane Doe\nHead chef", f"Late again.\nBest regards,\n{X}"),
    ("Laskussa virhe. Terveisin Liisa", f"Laskussa virhe. Terveisin {X}"),
    ("Fin service. Med venlig hilsen Mette Hansen", f"Fin service. Med venlig hilsen {X}"),
    ("Great service /Anna", f"Great service /{X}"),
    ("Faktura fel igen - Per B.", f"Faktura fel igen - {X}"),
    # the map's staff list, anywhere, also possessive
    ("Berg var snabb och Annas kollega med", f"{X} var snabb och {X} kollega med"),
    # what must stay: dates, amounts, scores, ordinary capitalised words
    ("Levererat 2026-03-01, fakturerat 3.12.2025.", "Levererat 2026-03-01, fakturerat 3.12.2025."),
    ("Vi köpte 2 ugnar för 125 000 kr", "Vi köpte 2 ugnar för 125 000 kr"),
    ("Ugnen kostade 1 250 000 kr, fakturan 1 250 000 SEK.",
     "Ugnen kostade 1 250 000 kr, fakturan 1 250 000 SEK."),
    ("Kundtjänst svarar bara kl. 10.30-12.00", "Kundtjänst svarar bara kl. 10.30-12.00"),
    ("Soita +358 (0)40 123 4567 tai +45 12345678", f"Soita {X} tai {X}"),
    ("Thanks for the quick help", "Thanks for the quick help"),
    ("Installationen tog 3 dagar. Leveransen var OK.",
     "Installationen tog 3 dagar. Leveransen var OK."),
]


@pytest.mark.parametrize(("comment", "expected"), REDACTED)
def test_email_addresses_phone_numbers_and_names_are_removed(comment: str,
                                                             expected: str) -> None:
    assert redact(comment, staff=("Anna Berg",)) == expected


def test_what_is_not_caught_is_what_the_docs_say() -> None:
    # a name without a cue stays: docs/map-format.md says so
    assert redact("Peter came on time") == "Peter came on time"
    assert redact("peter ringde aldrig") == "peter ringde aldrig"
