"""Tests of the journey map: loading, round trips, graph views, shares and validation.

Every validation test checks the exception class *and* that the message names the
file, the right line (found independently in the text) and what would be valid.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pytest

from journeymap.exceptions import (
    CycleError,
    JourneymapError,
    MapValidationError,
    UnknownNodeError,
)
from journeymap.model import Edge, JourneyMap, Node

WriteFile = Callable[..., Path]

# A small valid map. Validation tests change one thing in it.
BASE = """\
schema_version: 1
name: Tiny journey
outcome: nps
nodes:
  - {id: nps, kind: outcome, column: ltr}
  - {id: rep, kind: role}
  - {id: a, kind: touchpoint, scale: [1, 5]}
  - {id: b, kind: touchpoint, scale: [1, 5]}
  - {id: c, kind: factor, scale: [1, 5]}
edges:
  - [rep, a]
  - [a, b]
  - [b, c]
  - [c, nps]
"""


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line of ``text`` that contains ``needle``."""
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    assert len(hits) >= occurrence, f"{needle!r} not in the text"
    return hits[occurrence - 1]


def with_nodes(extra: str, text: str = BASE) -> str:
    """``text`` with node lines added at the end of ``nodes``."""
    return text.replace("edges:\n", extra + "edges:\n")


def map_error(write_file: WriteFile, text: str, cls: type[Exception] = MapValidationError,
              name: str = "journey.yaml") -> tuple[str, Exception]:
    """Load ``text`` from a file and return the message of the expected exception."""
    path = write_file(text, name)
    with pytest.raises(cls) as info:
        JourneyMap.from_yaml(path)
    message = str(info.value)
    assert name in message, "every map error names the file"
    return message, info.value


# ------------------------------------------------------------------ the example map
def test_example_map_loads_with_20_nodes_23_edges_and_8_roles(example_map: JourneyMap) -> None:
    assert len(example_map.nodes) == 20
    assert len(example_map.edges) == 23
    assert len(example_map.roles) == 8
    kinds = [n.kind for n in example_map.nodes]
    assert (kinds.count("touchpoint"), kinds.count("factor"), kinds.count("outcome")) == (8, 3, 1)
    assert example_map.outcome == "nps"
    assert example_map.outcome_node.column == "ltr"
    assert example_map.outcome_node.scale == (0.0, 10.0)
    assert example_map.warnings == ()


def test_example_composite_and_columns_are_read_as_written(example_map: JourneyMap) -> None:
    delivery = example_map.node("delivery")
    assert delivery.items == ("q_del_time", "q_del_complete", "q_del_condition")
    assert delivery.column is None
    assert delivery.columns == delivery.items
    assert delivery.scale == (1.0, 5.0)
    assert example_map.node("ease").scale == (1.0, 7.0)
    assert example_map.node("installer").label == "Installatör"
    assert not example_map.node("installer").measured
    # 11 measured nodes plus the outcome; roles have no column.
    assert len(example_map.measured_nodes) == 12
    assert all(n.kind != "role" for n in example_map.measured_nodes)


def test_map_is_immutable_and_equality_ignores_source_and_lines(example_map: JourneyMap,
                                                                example_map_path: Path) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        example_map.outcome = "ease"  # type: ignore[misc]
    from_text = JourneyMap.from_text(example_map_path.read_text(encoding="utf-8"))
    assert from_text.source == "<map>"
    assert from_text == example_map


# ------------------------------------------------------------------ round trips
def test_yaml_round_trip_gives_an_equal_map(example_map: JourneyMap, tmp_path: Path) -> None:
    path = tmp_path / "again.yaml"
    text = example_map.to_yaml(path)
    assert path.read_text(encoding="utf-8") == text
    again = JourneyMap.from_yaml(path)
    assert again == example_map
    assert again.to_dict() == example_map.to_dict()
    assert again.to_dict()["schema_version"] == 1


def test_json_round_trip_gives_an_equal_map(example_map: JourneyMap, tmp_path: Path) -> None:
    path = tmp_path / "again.json"
    text = example_map.to_json(path)
    assert json.loads(text) == example_map.to_dict()
    assert JourneyMap.from_yaml(path) == example_map
    assert JourneyMap.from_json(path) == example_map


def test_round_trip_keeps_shares_beliefs_items_and_stages(example_map: JourneyMap,
                                                          tmp_path: Path) -> None:
    example_map.to_yaml(tmp_path / "m.yaml")
    again = JourneyMap.from_yaml(tmp_path / "m.yaml")
    assert again.edge("logistics", "delivery").share == 0.8
    assert again.edge("sales_rep", "quote").share is None
    assert again.edge("delivery", "nps").expected == "+"
    assert again.node("delivery").items == example_map.node("delivery").items
    assert [n.stage for n in again.nodes] == [n.stage for n in example_map.nodes]
    assert [(e.source, e.target) for e in again.edges] == [
        (e.source, e.target) for e in example_map.edges]


NORDIC = {"rep": "Säljare på lager", "a": "Åtgärd & kö", "b": "Smørrebrød", "c": "Æble og øl"}


def _nordic_map() -> JourneyMap:
    return JourneyMap.from_dict({
        "name": "Kundresa – åäö æø",
        "outcome": "nps",
        "nodes": [{"id": "nps", "kind": "outcome", "column": "ltr", "label": "Rekommendera"},
                  {"id": "rep", "kind": "role", "label": NORDIC["rep"]},
                  {"id": "a", "kind": "touchpoint", "scale": [1, 5], "label": NORDIC["a"]},
                  {"id": "b", "kind": "touchpoint", "scale": [1, 5], "label": NORDIC["b"]},
                  {"id": "c", "kind": "factor", "scale": [1, 5], "label": NORDIC["c"]}],
        "edges": [["rep", "a"], ["a", "b"], ["b", "c"], ["c", "nps"]],
    })


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_labels_with_swedish_and_danish_letters_survive_a_round_trip(tmp_path: Path,
                                                                     suffix: str) -> None:
    m = _nordic_map()
    path = tmp_path / f"nordic.{suffix}"
    (m.to_yaml if suffix == "yaml" else m.to_json)(path)
    raw = path.read_bytes().decode("utf-8")
    for label in NORDIC.values():
        assert label in raw, "labels are written as UTF-8, not as escapes"
    again = JourneyMap.from_yaml(path)
    assert again == m
    assert again.name == "Kundresa – åäö æø"
    assert {n.id: n.label for n in again.nodes if n.id in NORDIC} == NORDIC


def test_ids_may_use_letters_of_any_script(write_file: WriteFile) -> None:
    text = BASE.replace("rep", "säljare").replace("id: c,", "id: kö,").replace("[b, c]", "[b, kö]")
    text = text.replace("[c, nps]", "[kö, nps]")
    m = JourneyMap.from_yaml(write_file(text))
    assert m.node("kö").column == "kö"
    assert m.role_shares("säljare") == {"a": 1.0}


def test_a_utf8_byte_order_mark_is_accepted(write_file: WriteFile) -> None:
    m = JourneyMap.from_yaml(write_file(b"\xef\xbb\xbf" + BASE.encode("utf-8")))
    assert m.name == "Tiny journey"


# ------------------------------------------------------------------ graph views
def test_to_networkx_has_every_node_edge_and_attribute(example_map: JourneyMap) -> None:
    g = example_map.to_networkx()
    assert isinstance(g, nx.DiGraph)
    assert g.graph == {"name": example_map.name, "outcome": "nps"}
    assert list(g.nodes) == [n.id for n in example_map.nodes]
    assert list(g.edges) == [(e.source, e.target) for e in example_map.edges]
    for n in example_map.nodes:
        assert g.nodes[n.id] == {"kind": n.kind, "label": n.label or n.id, "stage": n.stage,
                                 "measured": n.measured, "scale": n.scale}
    assert g.nodes["delivery"]["label"] == "Leverans (i tid, komplett, hel)"
    assert g.nodes["sales_rep"]["measured"] is False
    assert g.nodes["ease"]["scale"] == (1.0, 7.0)
    assert g.edges["logistics", "delivery"] == {"share": 0.8, "expected": None}
    assert g.edges["sales_rep", "quote"] == {"share": 1.0, "expected": None}
    assert g.edges["brand", "nps"] == {"share": None, "expected": "+"}
    assert nx.is_directed_acyclic_graph(g)


def test_to_networkx_returns_a_new_graph_each_time(example_map: JourneyMap) -> None:
    g = example_map.to_networkx()
    g.add_edge("nps", "brand")
    assert ("nps", "brand") not in example_map.to_networkx().edges
    assert example_map.children("nps") == ()


def test_topological_order_respects_every_edge(example_map: JourneyMap) -> None:
    order = example_map.topological_order
    assert sorted(order) == sorted(n.id for n in example_map.nodes)
    position = {node: i for i, node in enumerate(order)}
    for e in example_map.edges:
        assert position[e.source] < position[e.target], f"{e.source} → {e.target}"
    assert order[-1] == "nps"


def test_topological_order_puts_causes_first_even_when_the_file_lists_them_last(
        write_file: WriteFile) -> None:
    text = """\
outcome: nps
nodes:
  - {id: nps, kind: outcome, column: ltr}
  - {id: ease, kind: factor, scale: [1, 5]}
  - {id: quote, kind: touchpoint, scale: [1, 5]}
  - {id: lead, kind: role}
  - {id: rep, kind: role}
edges:
  - [ease, nps]
  - [quote, ease]
  - [rep, quote]
  - [lead, rep]
"""
    order = JourneyMap.from_yaml(write_file(text)).topological_order
    assert order == ("lead", "rep", "quote", "ease", "nps")


def test_parents_and_children_follow_the_edges(example_map: JourneyMap) -> None:
    assert example_map.parents("delivery") == ("logistics", "installer")
    assert example_map.children("delivery") == ("no_errors", "nps")
    assert set(example_map.parents("nps")) == {"brand", "delivery", "installation",
                                               "product_quality", "ease"}


# ------------------------------------------------------------------ role shares
def test_role_shares_keep_explicit_shares_and_split_the_rest_equally() -> None:
    m = JourneyMap.from_dict({
        "outcome": "nps",
        "nodes": [{"id": "nps", "kind": "outcome", "column": "ltr"},
                  {"id": "r1", "kind": "role"}, {"id": "r2", "kind": "role"},
                  {"id": "r3", "kind": "role"},
                  {"id": "t", "kind": "touchpoint", "scale": [1, 5]}],
        "edges": [["r1", "t"], ["r2", "t"], {"from": "r3", "to": "t", "share": 0.4},
                  ["t", "nps"]],
    })
    assert m.role_shares("r3") == {"t": 0.4}
    assert m.role_shares("r1") == {"t": pytest.approx(0.3, abs=1e-12)}
    assert m.role_shares("r2") == {"t": pytest.approx(0.3, abs=1e-12)}
    assert m.share(m.edge("r1", "t")) == pytest.approx(0.3, abs=1e-12)
    assert m.share(m.edge("t", "nps")) is None


def test_role_shares_of_the_example(example_map: JourneyMap) -> None:
    assert example_map.role_shares("sales_rep") == {"quote": 1.0, "ordering": 0.4}
    assert example_map.role_shares("order_desk") == {"ordering": 0.6}
    assert example_map.role_shares("installer") == {"delivery": 0.2, "installation": 1.0}
    assert example_map.role_shares("logistics") == {"delivery": 0.8}


def test_a_single_role_may_take_less_than_the_whole_node(write_file: WriteFile) -> None:
    text = BASE.replace("[rep, a]", "{from: rep, to: a, share: 0.25}")
    m = JourneyMap.from_yaml(write_file(text))
    assert m.role_shares("rep") == {"a": 0.25}


def test_a_role_left_nothing_by_explicit_shares_gets_zero_and_a_warning(
        write_file: WriteFile) -> None:
    text = with_nodes("  - {id: r2, kind: role}\n  - {id: r3, kind: role}\n").replace(
        "  - [rep, a]\n",
        "  - {from: rep, to: a, share: 0.6}\n  - {from: r2, to: a, share: 0.4}\n  - [r3, a]\n")
    m = JourneyMap.from_yaml(write_file(text))
    assert m.role_shares("r3") == {"a": 0.0}
    (warning,) = m.warnings
    assert f"line {line_of(text, '[r3, a]')}" in warning
    assert "role 'r3' gets share 0 on 'a'" in warning


def test_role_shares_of_a_measured_node_is_an_error(example_map: JourneyMap) -> None:
    with pytest.raises(MapValidationError, match="'brand' is not an unmeasured role"):
        example_map.role_shares("brand")


def test_unknown_node_lookup_suggests_the_close_id(example_map: JourneyMap) -> None:
    with pytest.raises(UnknownNodeError) as info:
        example_map.node("instaler")
    message = str(info.value)
    assert "no node 'instaler'" in message
    assert "Did you mean 'installer'?" in message
    assert not message.startswith("\""), "not quoted like a KeyError"
    with pytest.raises(UnknownNodeError, match="no edge brand → ease"):
        example_map.edge("brand", "ease")


# ------------------------------------------------------------------ warnings
def test_a_node_with_no_path_to_the_outcome_warns_with_its_line(write_file: WriteFile) -> None:
    text = with_nodes("  - {id: d, kind: factor, scale: [1, 5]}\n") + "  - [a, d]\n"
    m = JourneyMap.from_yaml(write_file(text, "dangling.yaml"))
    (warning,) = m.warnings
    assert f"dangling.yaml, line {line_of(text, 'id: d,')}: node 'd'" in warning
    assert "has no path to 'nps'" in warning
    assert "add an edge" in warning


def test_a_role_with_no_path_to_nps_warns(write_file: WriteFile) -> None:
    text = with_nodes("  - {id: lone, kind: role}\n")
    m = JourneyMap.from_yaml(write_file(text, "lonely.yaml"))
    (warning,) = m.warnings
    assert f"lonely.yaml, line {line_of(text, 'id: lone')}: role 'lone' has no path" in warning


def test_a_valid_map_has_no_warnings(write_file: WriteFile) -> None:
    assert JourneyMap.from_yaml(write_file(BASE)).warnings == ()


# ------------------------------------------------------------------ structural errors
def test_cycle_is_printed_with_arrows_and_line(write_file: WriteFile) -> None:
    text = BASE + "  - [c, a]\n"
    message, exc = map_error(write_file, text, CycleError)
    assert isinstance(exc, CycleError)
    assert exc.cycle == ("a", "b", "c", "a")
    assert "the edges form a cycle: a → b → c → a" in message
    # the edge that closes the cycle is the one to look at
    closing = f"[{exc.cycle[-2]}, {exc.cycle[-1]}]"
    assert f"journey.yaml, line {line_of(text, closing)}:" in message
    lines = [line_of(text, pair) for pair in ("[a, b]", "[b, c]", "[c, a]")]
    assert f"(edges at lines {lines[0]}, {lines[1]}, {lines[2]})" in message
    assert "remove or reverse one of these edges" in message


def test_cycle_names_the_edge_that_comes_last_in_the_file(write_file: WriteFile) -> None:
    text = BASE + "  - [b, a]\n"
    message, exc = map_error(write_file, text, CycleError)
    assert isinstance(exc, CycleError)
    assert exc.cycle == ("a", "b", "a")
    assert f"line {line_of(text, '[b, a]')}: the edges form a cycle: a → b → a" in message
    assert f"(edges at lines {line_of(text, '[a, b]')}, {line_of(text, '[b, a]')})" in message


def test_cycle_made_from_python_objects_is_refused_too() -> None:
    nodes = (Node("nps", "outcome", column="ltr", scale=(0.0, 10.0)),
             Node("a", "touchpoint", column="a", scale=(1.0, 5.0)),
             Node("b", "factor", column="b", scale=(1.0, 5.0)))
    edges = (Edge("a", "b"), Edge("b", "a"), Edge("b", "nps"))
    with pytest.raises(CycleError) as info:
        JourneyMap(outcome="nps", nodes=nodes, edges=edges)
    assert set(info.value.cycle) == {"a", "b"}
    assert info.value.cycle[0] == info.value.cycle[-1]


def test_unknown_id_in_an_edge_suggests_the_close_id(write_file: WriteFile) -> None:
    text = BASE + "  - [b, nsp]\n"
    message, exc = map_error(write_file, text, UnknownNodeError)
    assert isinstance(exc, MapValidationError)
    assert f"line {line_of(text, '[b, nsp]')}:" in message
    assert "edge b → nsp names unknown node 'nsp'" in message
    assert "Did you mean 'nps'?" in message
    assert "Known ids: nps, rep, a, b, c." in message


def test_several_unknown_ids_are_all_listed(write_file: WriteFile) -> None:
    text = BASE + "  - [b, nsp]\n  - [zz, a]\n"
    _, exc = map_error(write_file, text)
    assert isinstance(exc, MapValidationError)
    assert len(exc.problems) == 2
    assert f"line {line_of(text, '[b, nsp]')}" in exc.problems[0]
    assert f"line {line_of(text, '[zz, a]')}" in exc.problems[1]
    assert "'zz'" in exc.problems[1]


def test_duplicate_id_names_both_lines(write_file: WriteFile) -> None:
    text = with_nodes("  - {id: a, kind: factor, column: a2, scale: [1, 5]}\n")
    message, _ = map_error(write_file, text)
    second = line_of(text, "{id: a,", occurrence=2)
    first = line_of(text, "{id: a,")
    assert f"journey.yaml, line {second}: duplicate node id 'a' (first at line {first})" in message
    assert "every id must be unique" in message


def test_two_outcomes_are_refused(write_file: WriteFile) -> None:
    text = with_nodes("  - {id: nps2, kind: outcome, column: ltr2}\n")
    message, _ = map_error(write_file, text)
    assert f"line {line_of(text, 'id: nps2')}: a second outcome 'nps2'" in message
    assert "exactly one outcome (here 'nps')" in message
    assert "Make it a factor" in message


def test_edge_out_of_the_outcome_is_refused(write_file: WriteFile) -> None:
    text = BASE + "  - [nps, c]\n"
    message, _ = map_error(write_file, text)
    assert f"line {line_of(text, '[nps, c]')}: edge nps → c leaves the outcome" in message
    assert "Reverse or remove it" in message


def test_outcome_that_is_not_a_node_suggests_the_close_id(write_file: WriteFile) -> None:
    message, _ = map_error(write_file, BASE.replace("outcome: nps", "outcome: npx"))
    assert "outcome 'npx' is not a node. Did you mean 'nps'?" in message


def test_map_without_an_outcome_node_says_how_to_add_one(write_file: WriteFile) -> None:
    text = BASE.replace("  - {id: nps, kind: outcome, column: ltr}\n", "").replace(
        "  - [c, nps]\n", "")
    message, _ = map_error(write_file, text)
    assert "no node has 'kind: outcome'" in message
    assert "{id: nps, kind: outcome, column: ltr}" in message


def test_edge_into_an_unmeasured_role_from_a_touchpoint_is_refused(write_file: WriteFile) -> None:
    text = BASE + "  - [a, rep]\n"
    message, _ = map_error(write_file, text)
    assert f"line {line_of(text, '[a, rep]')}: edge a → rep points into role 'rep'" in message
    assert "only roles may act on unmeasured roles" in message
    assert "Give 'rep' a column or remove the edge" in message


def test_a_role_may_act_on_another_role_and_a_measured_role_may_be_caused(
        write_file: WriteFile) -> None:
    text = with_nodes("  - {id: lead, kind: role}\n"
                      "  - {id: agent, kind: role, column: q_agent, scale: [1, 5]}\n")
    text += "  - [lead, rep]\n  - [a, agent]\n  - [agent, nps]\n"
    m = JourneyMap.from_yaml(write_file(text))
    assert m.role_shares("lead") == {"rep": 1.0}
    assert m.node("agent").measured
    with pytest.raises(MapValidationError, match="not an unmeasured role"):
        m.role_shares("agent")


def test_the_same_column_used_by_two_nodes_is_refused(write_file: WriteFile) -> None:
    text = BASE.replace("{id: b, kind: touchpoint, scale: [1, 5]}",
                        "{id: b, kind: touchpoint, column: a, scale: [1, 5]}")
    message, _ = map_error(write_file, text)
    assert f"line {line_of(text, 'id: b,')}: column 'a' is used by both 'a' and 'b'" in message
    assert "each node needs its own column" in message


def test_an_edge_listed_twice_is_refused(write_file: WriteFile) -> None:
    text = BASE + "  - [a, b]\n"
    message, _ = map_error(write_file, text)
    assert f"line {line_of(text, '[a, b]', occurrence=2)}: edge a → b is listed twice" in message


# ------------------------------------------------------------------ field errors
def test_items_together_with_column_is_refused(write_file: WriteFile) -> None:
    text = BASE.replace("{id: b, kind: touchpoint, scale: [1, 5]}",
                        "{id: b, kind: touchpoint, column: qb, items: [b1, b2], scale: [1, 5]}")
    message, _ = map_error(write_file, text)
    assert f"line {line_of(text, 'id: b,')}, nodes[3].column:" in message
    assert "has both 'column' and 'items'; use one" in message


def test_missing_scale_on_a_measured_node_is_refused(write_file: WriteFile) -> None:
    text = BASE.replace("{id: b, kind: touchpoint, scale: [1, 5]}", "{id: b, kind: touchpoint}")
    message, _ = map_error(write_file, text)
    assert f"journey.yaml, line {line_of(text, 'id: b,')}, nodes[3]:" in message
    assert "measured node 'b' needs a scale, e.g. 'scale: [1, 5]'" in message


def test_reversed_scale_says_write_it_lowest_first(write_file: WriteFile) -> None:
    text = BASE.replace("{id: b, kind: touchpoint, scale: [1, 5]}",
                        "{id: b, kind: touchpoint, scale: [5, 1]}")
    message, _ = map_error(write_file, text)
    assert f"line {line_of(text, 'id: b,')}, nodes[3].scale:" in message
    assert "scale [5, 1] is reversed; write [1, 5]" in message


def test_scale_with_no_range_is_refused(write_file: WriteFile) -> None:
    text = BASE.replace("{id: b, kind: touchpoint, scale: [1, 5]}",
                        "{id: b, kind: touchpoint, scale: [3, 3]}")
    message, _ = map_error(write_file, text)
    assert f"line {line_of(text, 'id: b,')}, nodes[3].scale:" in message
    assert "scale [3, 3] has no range" in message
    assert "e.g. [1, 5]" in message


@pytest.mark.parametrize("scale", ["5", "[1, 5, 7]", "[low, high]", "[1]"])
def test_scale_that_is_not_two_numbers_is_refused(write_file: WriteFile, scale: str) -> None:
    text = BASE.replace("{id: b, kind: touchpoint, scale: [1, 5]}",
                        f"{{id: b, kind: touchpoint, scale: {scale}}}")
    message, _ = map_error(write_file, text)
    assert f"line {line_of(text, 'id: b,')}, nodes[3].scale:" in message
    assert "scale must be two numbers [lowest, highest], e.g. [1, 5]" in message


def test_outcome_scale_other_than_0_to_10_is_refused(write_file: WriteFile) -> None:
    text = BASE.replace("{id: nps, kind: outcome, column: ltr}",
                        "{id: nps, kind: outcome, column: ltr, scale: [1, 5]}")
    message, _ = map_error(write_file, text)
    assert f"line {line_of(text, 'id: nps,')}, nodes[0].scale:" in message
    assert "its scale is always [0, 10]" in message


def test_shares_on_one_node_summing_above_1_are_refused(write_file: WriteFile) -> None:
    text = with_nodes("  - {id: rep2, kind: role}\n").replace(
        "  - [rep, a]\n",
        "  - {from: rep, to: a, share: 0.7}\n  - {from: rep2, to: a, share: 0.6}\n")
    message, _ = map_error(write_file, text)
    assert f"line {line_of(text, 'from: rep2')}: the shares on 'a' sum to 1.3" in message
    assert "(rep 0.7, rep2 0.6)" in message
    assert "at most 1" in message


def test_shares_summing_to_exactly_1_are_allowed(write_file: WriteFile) -> None:
    text = with_nodes("  - {id: r2, kind: role}\n  - {id: r3, kind: role}\n").replace(
        "  - [rep, a]\n", "  - {from: rep, to: a, share: 0.7}\n  - {from: r2, to: a, share: 0.2}\n"
                          "  - {from: r3, to: a, share: 0.1}\n")
    m = JourneyMap.from_yaml(write_file(text))
    assert sum(m.role_shares(r)["a"] for r in ("rep", "r2", "r3")) == pytest.approx(1.0)


@pytest.mark.parametrize("share", ["0", "1.5", "-0.2", "half", ".nan"])
def test_share_outside_0_to_1_is_refused(write_file: WriteFile, share: str) -> None:
    text = BASE.replace("  - [rep, a]\n", f"  - {{from: rep, to: a, share: {share}}}\n")
    message, _ = map_error(write_file, text)
    assert f"line {line_of(text, 'from: rep')}, edges[0].share:" in message
    assert "share must be a number above 0 and at most 1" in message


def test_share_of_exactly_1_is_allowed(write_file: WriteFile) -> None:
    text = BASE.replace("  - [rep, a]\n", "  - {from: rep, to: a, share: 1}\n")
    assert JourneyMap.from_yaml(write_file(text)).role_shares("rep") == {"a": 1.0}


def test_share_on_an_edge_out_of_a_non_role_is_refused(write_file: WriteFile) -> None:
    text = BASE.replace("  - [a, b]\n", "  - {from: a, to: b, share: 0.5}\n")
    message, _ = map_error(write_file, text)
    assert f"line {line_of(text, 'from: a, to: b')}:" in message
    assert "'share' is only for edges out of roles, not out of touchpoint 'a'" in message


def test_share_on_an_edge_out_of_a_measured_role_is_refused(write_file: WriteFile) -> None:
    text = BASE.replace("{id: rep, kind: role}", "{id: rep, kind: role, column: q_rep, "
                        "scale: [1, 5]}").replace("  - [rep, a]\n",
                                                  "  - {from: rep, to: a, share: 0.5}\n")
    message, _ = map_error(write_file, text)
    assert f"line {line_of(text, 'from: rep')}:" in message
    assert "role 'rep' has a column" in message
    assert "remove 'share'" in message


def test_unknown_node_field_suggests_the_right_name(write_file: WriteFile) -> None:
    text = BASE.replace("{id: b, kind: touchpoint, scale: [1, 5]}",
                        "{id: b, kind: touchpoint, lable: Bee, scale: [1, 5]}")
    message, _ = map_error(write_file, text)
    assert f"line {line_of(text, 'lable')}, nodes[3].lable: unknown node field 'lable'" in message
    assert "Did you mean 'label'?" in message
    assert ("Valid: id, kind, label, column, items, scale, stage, description, recode, "
            "question, values.") in message


def test_unknown_top_level_field_suggests_the_right_name(write_file: WriteFile) -> None:
    text = BASE.replace("edges:", "edgse:")
    message, _ = map_error(write_file, text)
    assert f"line {line_of(text, 'edgse')}, edgse: unknown field 'edgse'" in message
    assert "Did you mean 'edges'?" in message


def test_unknown_edge_field_suggests_the_right_name(write_file: WriteFile) -> None:
    text = BASE.replace("  - [a, b]\n", "  - {from: a, to: b, expect: '+'}\n")
    message, _ = map_error(write_file, text)
    assert f"line {line_of(text, 'expect:')}, edges[1].expect: unknown edge field" in message
    assert "Did you mean 'expected'?" in message


def test_unknown_kind_lists_the_valid_kinds(write_file: WriteFile) -> None:
    text = BASE.replace("{id: b, kind: touchpoint,", "{id: b, kind: touchpiont,")
    message, _ = map_error(write_file, text)
    assert f"line {line_of(text, 'touchpiont')}, nodes[3].kind:" in message
    assert "node 'b' has kind 'touchpiont'" in message
    assert "Did you mean 'touchpoint'?" in message
    assert "Valid kinds: role, touchpoint, factor, outcome." in message


def test_unusable_id_says_what_an_id_may_contain(write_file: WriteFile) -> None:
    text = BASE.replace("{id: b, kind", "{id: 'b b', kind")
    message, _ = map_error(write_file, text)
    assert f"line {line_of(text, 'b b')}, nodes[3].id:" in message
    assert "put spaces in 'label'" in message


def test_expected_other_than_plus_or_minus_is_refused(write_file: WriteFile) -> None:
    text = BASE.replace("  - [a, b]\n", "  - {from: a, to: b, expected: up}\n")
    message, _ = map_error(write_file, text)
    assert f"line {line_of(text, 'expected: up')}, edges[1].expected:" in message
    assert "expected must be '+' or '-'" in message


def test_edge_that_is_not_a_pair_is_refused_with_the_valid_forms(write_file: WriteFile) -> None:
    text = BASE + "  - [a, b, c]\n"
    message, _ = map_error(write_file, text)
    assert f"line {line_of(text, '[a, b, c]')}, edges[4]:" in message
    assert "an edge list must be [from, to]" in message


def test_a_map_with_several_problems_lists_all_of_them(write_file: WriteFile) -> None:
    text = BASE.replace("{id: b, kind: touchpoint, scale: [1, 5]}",
                        "{id: b, kind: touchpoint, scale: [5, 1]}").replace(
        "{id: c, kind: factor, scale: [1, 5]}", "{id: c, kind: factor, lable: x, scale: [1, 5]}")
    text = text.replace("  - [a, b]\n", "  - {from: a, to: b, share: 2}\n")
    message, exc = map_error(write_file, text)
    assert type(exc) is MapValidationError
    assert len(exc.problems) == 3
    assert message.startswith("3 problems in the map:\n")
    assert f"line {line_of(text, 'id: b,')}, nodes[3].scale" in exc.problems[0]
    assert f"line {line_of(text, 'lable')}, nodes[4].lable" in exc.problems[1]
    assert f"line {line_of(text, 'share: 2')}, edges[1].share" in exc.problems[2]
    for problem in exc.problems:
        assert f"  - {problem}" in message


# ------------------------------------------------------------------ file-level errors
def test_yaml_syntax_error_names_the_line_where_the_list_starts(write_file: WriteFile) -> None:
    text = BASE.replace("  - [b, c]\n", "  - [b, c\n")
    message, _ = map_error(write_file, text)
    assert "this is not valid YAML" in message
    assert f"that starts at line {line_of(text, '[b, c')}" in message
    assert f"journey.yaml, line {line_of(text, '[c, nps]')}, column 5" in message
    assert "Check the indentation" in message


def test_yaml_tab_indentation_names_the_line_of_the_tab(write_file: WriteFile) -> None:
    text = BASE.replace("  - [b, c]\n", "\t- [b, c]\n")
    message, _ = map_error(write_file, text)
    assert f"journey.yaml, line {line_of(text, chr(9))}, column 1: this is not valid YAML" \
        in message


def test_invalid_json_names_the_line(write_file: WriteFile) -> None:
    text = '{\n  "outcome": "nps",\n  "nodes": [\n    {"id": "nps", "kind": "outcome",}\n  ]\n}\n'
    message, _ = map_error(write_file, text, name="journey.json")
    assert f"journey.json, line {line_of(text, ',}')}, column" in message
    assert "this is not valid JSON" in message


@pytest.mark.parametrize("indent", [2, "\t"], ids=["spaces", "tabs"])
def test_json_map_errors_name_the_line(write_file: WriteFile, example_map: JourneyMap,
                                       indent: int | str) -> None:
    data = example_map.to_dict()
    data["nodes"].append({"id": "brand", "kind": "factor", "column": "q_brand2", "scale": [1, 5]})
    text = json.dumps(data, indent=indent, ensure_ascii=False)
    message, _ = map_error(write_file, text, name="journey.json")
    first, second = (line_of(text, '"id": "brand"', k) for k in (1, 2))
    assert f"journey.json, line {second}: duplicate node id 'brand' (first at line {first})" \
        in message


def test_json_map_cycle_names_the_line_of_the_closing_edge(write_file: WriteFile,
                                                           example_map: JourneyMap) -> None:
    data = example_map.to_dict()
    data["edges"].append({"from": "ease", "to": "quote"})
    text = json.dumps(data, indent=2, ensure_ascii=False)
    message, _ = map_error(write_file, text, CycleError, name="journey.json")
    closing = [i for i, ln in enumerate(text.splitlines(), 1) if '"from": "ease"' in ln][-1]
    assert f"journey.json, line {closing}: the edges form a cycle: quote → ease → quote" \
        in message


def test_empty_map_file_is_refused(write_file: WriteFile) -> None:
    message, _ = map_error(write_file, "")
    assert "the map file is empty" in message


def test_map_file_of_blank_lines_is_refused_as_empty(write_file: WriteFile) -> None:
    message, _ = map_error(write_file, "\n   \n\n")
    assert "the map file is empty" in message


def test_binary_garbage_map_file_is_refused(write_file: WriteFile) -> None:
    message, _ = map_error(write_file, bytes(range(256)) * 4)
    assert "this is a binary file, not a YAML or JSON map" in message


def test_map_file_that_is_not_utf8_says_save_as_utf8(write_file: WriteFile) -> None:
    message, _ = map_error(write_file, BASE.replace("Tiny", "Säljresa").encode("latin-1"))
    assert "not UTF-8 text" in message
    assert "save it as UTF-8" in message


def test_missing_map_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MapValidationError) as info:
        JourneyMap.from_yaml(tmp_path / "nowhere.yaml")
    assert str(info.value) == f"{tmp_path / 'nowhere.yaml'}: no such map file."


def test_folder_instead_of_map_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MapValidationError, match="is a folder, not a map file"):
        JourneyMap.from_yaml(tmp_path)


def test_a_list_at_the_top_says_a_map_is_a_mapping(write_file: WriteFile) -> None:
    message, _ = map_error(write_file, "- nps\n- quote\n")
    assert "a map file must be a mapping with 'outcome', 'nodes' and 'edges'" in message


def test_every_map_error_is_a_journeymap_error_and_a_value_error(write_file: WriteFile) -> None:
    for text in (BASE + "  - [c, a]\n", BASE + "  - [b, nsp]\n", ""):
        with pytest.raises(JourneymapError) as info:
            JourneyMap.from_yaml(write_file(text))
        assert isinstance(info.value, ValueError)


def test_from_dict_errors_name_the_source_without_a_line() -> None:
    with pytest.raises(MapValidationError) as info:
        JourneyMap.from_dict({"outcome": "nps", "nodes": [
            {"id": "nps", "kind": "outcome", "column": "ltr"},
            {"id": "a", "kind": "touchpoint"}], "edges": [["a", "nps"]]})
    assert str(info.value).startswith("<map>, nodes[1]: measured node 'a' needs a scale")
