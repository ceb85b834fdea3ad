"""Validation reports every problem of every stage it can reach in one run, with lines
(docs/map-format.md): a typo in an edge no longer hides a cycle, a node's missing
scale no longer hides unknown ids in the edges."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeymap.exceptions import CycleError, MapValidationError, UnknownNodeError
from journeymap.model import JourneyMap

EXAMPLE = (Path(__file__).resolve().parents[1] / "examples" / "kitchen_b2b.yaml").read_text(
    encoding="utf-8")
CYCLE_EDGE = "  - {from: ease, to: website}\n"
TYPO_EDGE = "  - {from: instalation, to: nps}\n"


def line_of(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.splitlines(), 1) if needle in ln)


def refused(text: str) -> MapValidationError:
    with pytest.raises(MapValidationError) as info:
        JourneyMap.from_text(text, "map.yaml")
    return info.value


def test_a_typo_and_a_cycle_are_reported_together_with_their_lines() -> None:
    text = EXAMPLE + TYPO_EDGE + CYCLE_EDGE
    exc = refused(text)
    assert not isinstance(exc, UnknownNodeError | CycleError)
    assert len(exc.problems) == 2
    typo, cycle = exc.problems
    assert typo.startswith(f"map.yaml, line {line_of(text, 'instalation')}: edge "
                           "instalation → nps names unknown node 'instalation'.")
    assert "Did you mean 'installation'?" in typo
    assert cycle.startswith(f"map.yaml, line {line_of(text, 'to: website}')}: the edges form a "
                            "cycle: ")
    assert "website → ease" in cycle


def test_a_missing_scale_and_two_unknown_ids_are_reported_together() -> None:
    text = (EXAMPLE.replace("column: q_support, scale: [1, 5]", "column: q_support")
            + "  - [suport, nps]\n  - [brand, nsp]\n")
    exc = refused(text)
    assert len(exc.problems) == 3
    scale, first, second = exc.problems
    assert scale.startswith(f"map.yaml, line {line_of(text, 'id: support,')}")
    assert "scale" in scale
    assert first.startswith(f"map.yaml, line {line_of(text, '[suport, nps]')}: edge suport → nps "
                            "names unknown node 'suport'.")
    assert second.startswith(f"map.yaml, line {line_of(text, '[brand, nsp]')}: edge brand → nsp "
                             "names unknown node 'nsp'.")


def test_the_edges_of_a_node_with_a_problem_are_not_reported_as_unknown() -> None:
    text = EXAMPLE.replace("column: q_support, scale: [1, 5]", "column: q_support")
    exc = refused(text)
    assert len(exc.problems) == 1  # support's edges still name a node of the file
    assert "support" in exc.problems[0]


def test_a_node_problem_and_a_cycle_are_reported_together() -> None:
    text = EXAMPLE.replace("column: q_support, scale: [1, 5]", "column: q_support") + CYCLE_EDGE
    exc = refused(text)
    assert len(exc.problems) == 2
    assert "the edges form a cycle" in exc.problems[1]


def test_share_rules_and_a_cycle_are_reported_together() -> None:
    text = EXAMPLE.replace("share: 0.6}", "share: 0.9}") + CYCLE_EDGE
    exc = refused(text)
    assert len(exc.problems) == 2
    shares, cycle = exc.problems
    assert shares.startswith(f"map.yaml, line {line_of(text, 'share: 0.9')}: the shares on "
                             "'ordering' sum to 1.3 (sales_rep 0.4, order_desk 0.9)")
    assert "the edges form a cycle" in cycle


def test_alone_a_cycle_or_an_unknown_id_keeps_its_own_error_type() -> None:
    with pytest.raises(CycleError):
        JourneyMap.from_text(EXAMPLE + CYCLE_EDGE, "map.yaml")
    with pytest.raises(UnknownNodeError):
        JourneyMap.from_text(EXAMPLE + TYPO_EDGE, "map.yaml")


def test_an_edge_out_of_the_outcome_is_not_reported_again_as_a_cycle() -> None:
    exc = refused(EXAMPLE + "  - [nps, ease]\n")
    assert len(exc.problems) == 1
    assert "leaves the outcome" in exc.problems[0]


def test_a_missing_scale_does_not_hide_an_id_that_differs_only_in_case() -> None:
    twin = "  - {id: Installation, kind: factor, column: q_twin, scale: [1, 5]}\n"
    text = EXAMPLE.replace("column: q_support, scale: [1, 5]", "column: q_support")
    text = text.replace("\nedges:", "\n" + twin.rstrip("\n") + "\nedges:", 1)
    exc = refused(text)
    assert len(exc.problems) == 2
    scale, twins = exc.problems
    assert "needs a scale" in scale
    assert twins.startswith(f"map.yaml, line {line_of(text, 'q_twin')}: duplicate node id "
                            f"'Installation': it differs from 'installation' at line "
                            f"{line_of(text, 'id: installation')} only in upper and lower case")
