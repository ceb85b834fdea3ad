"""The role card (and so the web role page, which embeds its body) says when the role's
figure includes the role's common-cause part (docs/method.md §5, "Roles as common causes")."""

from __future__ import annotations

import html
from typing import Any

import pytest

import journeymap as jm
from journeymap._common_cause import role_common_cause_note
from journeymap.model import JourneyMap
from journeymap.render.card import role_card, role_card_body

WIDE = [1, 5]


def joined(extra: list[Any], nodes: tuple[str, ...] = ("a", "b")) -> JourneyMap:
    """Role 'rep' acts on a and on the last node; ``extra`` edges join them."""
    return JourneyMap.from_dict({
        "outcome": "nps",
        "nodes": [{"id": "nps", "kind": "outcome", "column": "ltr"},
                  {"id": "rep", "kind": "role", "label": "Sales rep"},
                  *({"id": n, "kind": "touchpoint", "scale": WIDE, "label": n.upper()}
                    for n in nodes)],
        "edges": [["rep", "a"], ["rep", nodes[-1]], *extra, [nodes[-1], "nps"]]})


@pytest.fixture(scope="module")
def edge_map() -> JourneyMap:
    return joined([["a", "b"]])


@pytest.fixture(scope="module")
def result(edge_map: JourneyMap) -> Any:
    return jm.fit(edge_map, jm.simulate(edge_map, 800, 2).data)


def test_the_card_says_the_figure_includes_the_roles_common_cause_part(
        result: Any) -> None:
    note = ("Sales rep acts on both A and B, which the map links. The estimate of that link, "
            "and so this figure, includes part of what Sales rep does to both — not only the "
            "link's own effect.")
    assert html.escape(note) in role_card(result, "rep")
    assert html.escape(note) in role_card_body(result, "rep")  # what the web role page shows
    assert f"*{note}*" in role_card(result, "rep", format="md")


def test_the_note_is_translated(result: Any) -> None:
    body = role_card_body(result, "rep", lang="sv")
    assert ("Sales rep påverkar både A och B, som kartan länkar ihop. Skattningen av den "
            "länken, och därmed den här siffran") in body
    assert "acts on both" not in body


def test_a_path_between_the_two_nodes_counts_and_more_pairs_are_counted() -> None:
    path_map = joined([["a", "b"], ["b", "c"]], nodes=("a", "b", "c"))
    assert "Sales rep acts on both A and C" in (role_common_cause_note(path_map, "rep") or "")
    three = JourneyMap.from_dict({
        "outcome": "nps",
        "nodes": [{"id": "nps", "kind": "outcome", "column": "ltr"},
                  {"id": "rep", "kind": "role"},
                  *({"id": n, "kind": "touchpoint", "scale": WIDE} for n in "abc")],
        "edges": [["rep", "a"], ["rep", "b"], ["rep", "c"], ["a", "b"], ["b", "c"],
                  ["c", "nps"]]})
    assert (role_common_cause_note(three, "rep") or "").endswith(
        "The same holds for 1 more pair of touchpoints.")


def test_roles_without_a_common_cause_part_get_no_note() -> None:
    m = jm.example_map()
    assert all(role_common_cause_note(m, r.id) is None for r in m.roles)
    result = jm.fit(m, jm.example_data(n=600, seed=5).data)
    assert "which the map links" not in role_card(result, "installer")
    apart = joined([])
    assert role_common_cause_note(apart, "rep") is None
