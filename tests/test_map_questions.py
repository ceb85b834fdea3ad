"""Survey questions per node and the map's comment columns (docs/map-format.md, "Survey
questions" and "Customer comments"): parsed, shown in the language in force,
round-tripped, and bad values refused naming their line."""

from __future__ import annotations

import pytest

import journeymap as jm
from journeymap.i18n import use_language
from journeymap.limits import MAX_QUESTION_CHARS
from journeymap.model import CommentColumns, JourneyMap, Node

MAP = """\
schema_version: 1
language: sv
outcome: nps
comments: {column: comment, consent: consent_to_share, date: answered, staff: [Anna Berg, Jukka]}
nodes:
  - {id: nps, kind: outcome, column: ltr, question: "Hur troligt är det att du rekommenderar oss?"}
  - {id: installer, kind: role, label: {sv: Installatör, en: Installer}}
  - id: installation
    kind: touchpoint
    scale: [1, 5]
    question: {sv: "Hur nöjd var du med installationen?",
               en: "How satisfied were you with the installation?"}
  - {id: invoice, kind: touchpoint, scale: [1, 5]}
edges:
  - [installer, installation]
  - [installation, nps]
  - [invoice, nps]
"""


def _map(text: str = MAP) -> JourneyMap:
    return JourneyMap.from_text(text, "q.yaml")


def _problems(text: str) -> list[str]:
    with pytest.raises(jm.exceptions.MapValidationError) as info:
        _map(text)
    return list(info.value.problems)


def test_a_question_per_language_is_stored_with_the_maps_language_as_default() -> None:
    m = _map()
    node = m.node("installation")
    assert dict(node.questions) == {"sv": "Hur nöjd var du med installationen?",
                                    "en": "How satisfied were you with the installation?"}
    assert node.question == "Hur nöjd var du med installationen?"
    assert m.node("nps").question == "Hur troligt är det att du rekommenderar oss?"
    assert m.node("nps").questions == {}
    assert m.node("invoice").question is None


def test_the_question_shown_follows_the_language_in_force_with_its_language_marked() -> None:
    node = _map().node("installation")
    with use_language("en"):
        assert node.question_text == "How satisfied were you with the installation?"
    with use_language("fi"):
        assert node.question_text == "Hur nöjd var du med installationen?"
    assert node.question_language("fi", "sv") == "sv"
    assert node.question_language("en", "sv") is None
    assert node.question_language("sv", "sv") is None
    plain = _map().node("nps")
    assert plain.question_language("da", "sv") == "sv"
    assert plain.question_language("sv", "sv") is None
    assert plain.question_language("da", None) is None  # a map without a language: unknown


def test_questions_and_comment_columns_round_trip_through_dict_and_yaml() -> None:
    m = _map()
    assert m.comments == CommentColumns(column="comment", consent="consent_to_share",
                                        date="answered", staff=("Anna Berg", "Jukka"))
    again = JourneyMap.from_text(m.to_yaml(), "again.yaml")
    assert again == m
    assert again.node("installation").questions == m.node("installation").questions
    assert again.comments == m.comments
    assert m.to_dict()["comments"] == {"column": "comment", "consent": "consent_to_share",
                                       "date": "answered", "staff": ["Anna Berg", "Jukka"]}


def test_the_example_map_asks_every_rated_node_in_english_and_swedish() -> None:
    m = jm.example_map()
    for node in m.measured_nodes:
        assert {"en", "sv"} <= set(node.questions), node.id
    assert m.node("installation").question_for("sv") == "Hur nöjd var du med installationen?"


def test_bad_questions_are_each_refused_with_their_line_in_one_report() -> None:
    text = MAP.replace('question: "Hur troligt är det att du rekommenderar oss?"',
                       'question: ""').replace(
        "label: {sv: Installatör, en: Installer}",
        "label: Installatör, question: Vad gör du?").replace(
        '{id: invoice, kind: touchpoint, scale: [1, 5]}',
        '{id: invoice, kind: touchpoint, scale: [1, 5], question: {de: Rechnung?, fi: ""}}')
    problems = _problems(text)
    assert problems == [
        "q.yaml, line 6, nodes[0].question: node 'nps': the question is empty; give its "
        "wording or remove 'question'.",
        "q.yaml, line 7, nodes[1].question: role 'installer' has a question but no column; "
        "a question belongs to a node whose answers are in the data (add 'column' or remove "
        "'question').",
        "q.yaml, line 13, nodes[3].question.de: node 'invoice': 'de' is not a language of "
        "journeymap. Valid languages: en, sv, da, fi, nb; e.g. question: {sv: Hur nöjd var "
        "du med installationen?, en: How satisfied were you with the installation?}.",
        "q.yaml, line 13, nodes[3].question.fi: node 'invoice': the fi question is empty; "
        "give its text or leave that language out.",
    ]


def test_a_question_over_the_limit_is_refused() -> None:
    long = "x" * (MAX_QUESTION_CHARS + 1)
    problems = _problems(MAP.replace("Hur troligt är det att du rekommenderar oss?", long))
    assert problems == [f"q.yaml, line 6, nodes[0].question: the text is "
                        f"{MAX_QUESTION_CHARS + 1} characters long; at most "
                        f"{MAX_QUESTION_CHARS} are allowed."]


@pytest.mark.parametrize(("block", "expected"), [
    ("comments: {column: comment}",
     ["q.yaml, line 4, comments: 'comments' needs the consent column: only comments of "
      "respondents who agreed to share them are ever shown; e.g. comments: {column: comment, "
      "consent: consent_to_share, date: date}."]),
    ("comments: {column: comment, consent: comment}",
     ["q.yaml, line 4, comments: the comment, consent and date columns must be different "
      "columns."]),
    ("comments: {column: ltr, consent: ok}",
     ["q.yaml, line 4, comments.column: 'ltr' is the rating column of node 'nps'; comments "
      "need columns of their own."]),
    ("comments: {column: c, consent: ok, dates: d}",
     ["q.yaml, line 4, comments.dates: unknown field 'dates' of 'comments'. Did you mean "
      "'date'? Valid: column, consent, date, staff."]),
    ("comments: {column: c, consent: ok, staff: Anna}",
     ["q.yaml, line 4, comments.staff: 'staff' is a list of names to remove from comments, "
      "e.g. staff: [Anna Berg, Jukka, Mette]."]),
    ("comments: free text",
     ["q.yaml, line 4, comments: 'comments' names the survey's comment columns; e.g. "
      "comments: {column: comment, consent: consent_to_share, date: date}."]),
])
def test_bad_comment_blocks_are_refused_saying_what_is_valid(block: str,
                                                             expected: list[str]) -> None:
    text = MAP.replace(
        "comments: {column: comment, consent: consent_to_share, date: answered, "
        "staff: [Anna Berg, Jukka]}", block)
    assert _problems(text) == expected


def test_a_comments_problem_is_reported_together_with_a_cycle() -> None:
    text = MAP.replace("  - [invoice, nps]\n", "  - [invoice, nps]\n  - [nps, invoice]\n")
    text = text.replace("consent: consent_to_share, ", "")
    problems = _problems(text)
    assert len(problems) == 2
    assert "needs the consent column" in problems[0]
    assert "cycle: invoice → nps → invoice" in problems[1]


def test_a_map_built_from_objects_meets_the_same_rules() -> None:
    nodes = (Node("nps", "outcome", column="ltr", scale=(0.0, 10.0)),
             Node("r", "role", question="Who?"),
             Node("t", "touchpoint", column="t", scale=(1.0, 5.0)))
    with pytest.raises(jm.exceptions.MapValidationError, match="'r' has a question but no"):
        JourneyMap(outcome="nps", nodes=nodes, edges=(jm.Edge("r", "t"), jm.Edge("t", "nps")))
    ok = (nodes[0], Node("r", "role"), nodes[2])
    with pytest.raises(jm.exceptions.MapValidationError, match="'t' is the rating column"):
        JourneyMap(outcome="nps", nodes=ok, edges=(jm.Edge("r", "t"), jm.Edge("t", "nps")),
                   comments=CommentColumns(column="t", consent="ok"))
