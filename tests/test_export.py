"""Exports of a map (lavaan, DAGitty, DOT, JSON), read back by independent means."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import journeymap as jm
from journeymap.exceptions import JourneymapError
from journeymap.model import JourneyMap
from journeymap.render.export import (
    FORMATS,
    export,
    lavaan_names,
    parse_dagitty_edges,
    parse_lavaan_edges,
    to_dagitty,
    to_dot_structure,
    to_json,
    to_lavaan,
    to_semopy,
)

AWKWARD_LABEL = 'Säljare & "Key" accounts'
ENTITY_LABEL = "R&amp;D \\ lab\\"  # graphviz must show it as written
MAP_NAME = 'Awkward "map" & co \\ x'  # a graph ID keeps the backslash as it is


def awkward_map() -> JourneyMap:
    """Ids lavaan and DAGitty cannot take as they are, labels with quotes and '&'.

    ``ops-lead`` is a measured role that acts on the unmeasured role ``é``: an edge
    out of a measured node that is not a regression.
    """
    return JourneyMap.from_dict({
        "name": MAP_NAME,
        "outcome": "nps",
        "nodes": [
            {"id": "nps", "kind": "outcome", "column": "ltr", "label": 'Say "wow" & tell'},
            {"id": "é", "kind": "role", "label": AWKWARD_LABEL},
            {"id": "team.lead", "kind": "role"},
            {"id": "ops-lead", "kind": "role", "column": "q_ops", "scale": [1, 5]},
            {"id": "Kök.bad", "kind": "touchpoint", "column": "q_kök", "scale": [1, 5],
             "label": ENTITY_LABEL},
            {"id": "a-b", "kind": "factor", "items": ["q a", "q-b"], "scale": [1, 7]},
            {"id": "a.b", "kind": "factor", "scale": [1, 5]},
            {"id": "a_b", "kind": "touchpoint", "scale": [1, 5]},
            {"id": "if", "kind": "factor", "scale": [1, 5]},
            {"id": "_x", "kind": "touchpoint", "scale": [1, 5]},
        ],
        "edges": [
            {"from": "é", "to": "Kök.bad", "share": 0.5},
            ["é", "a_b"],
            ["team.lead", "é"],
            ["ops-lead", "Kök.bad"],
            ["ops-lead", "é"],
            ["Kök.bad", "a-b"],
            ["a_b", "a-b"],
            ["Kök.bad", "a.b"],
            ["a-b", "nps"],
            ["a.b", "nps"],
            ["_x", "if"],
            ["if", "nps"],
        ],
    })


MAPS = {"example": jm.example_map, "awkward": awkward_map}


@pytest.fixture(params=sorted(MAPS))
def journey_map(request: pytest.FixtureRequest) -> JourneyMap:
    return MAPS[request.param]()


def regression_edges(m: JourneyMap) -> set[tuple[str, str]]:
    """Edges that get a coefficient and have a measured target, under lavaan names."""
    names = lavaan_names(m)
    return {(names[e.source], names[e.target]) for e in m.edges
            if m.is_estimated(e) and m.node(e.target).measured}


def minimal_lavaan_regressions(text: str) -> set[tuple[str, str]]:
    """Independent reader: ``y ~ a + b`` lines only, nothing else."""
    out: set[tuple[str, str]] = set()
    for y, rhs in re.findall(r"^([A-Za-z]\w*) ~ (.+)$", text, flags=re.MULTILINE):
        out.update((x.strip().split("*")[-1], y) for x in rhs.split("+"))
    return out


def unquote_dagitty(token: str) -> str:
    return token[1:-1].replace('\\"', '"') if token.startswith('"') else token


# ----------------------------------------------------------------------- lavaan
def test_lavaan_names_follow_the_documented_rule() -> None:
    assert lavaan_names(awkward_map()) == {
        "nps": "nps", "é": "e", "team.lead": "team_lead", "ops-lead": "ops_lead",
        "Kök.bad": "Kok_bad", "a-b": "a_b_2", "a.b": "a_b_3", "a_b": "a_b",
        "if": "if_", "_x": "v_x",
    }


def test_ids_that_mangle_to_the_same_name_get_distinct_names() -> None:
    ids = ["a-b", "a.b", "a_b_2", "a_b", "a-b-2"]
    m = JourneyMap.from_dict({
        "outcome": "nps",
        "nodes": [{"id": "nps", "kind": "outcome", "column": "ltr"}]
        + [{"id": i, "kind": "factor", "scale": [1, 5]} for i in ids],
        "edges": [[i, "nps"] for i in ids],
    })
    names = lavaan_names(m)
    assert len(set(names.values())) == len(names)
    # already-safe ids keep their names; the others take the next free suffix in map order
    assert names == {"nps": "nps", "a-b": "a_b_3", "a.b": "a_b_4", "a_b_2": "a_b_2",
                     "a_b": "a_b", "a-b-2": "a_b_2_2"}


_ID_CHARS = st.sampled_from(list("ab_-.ö2Éж"))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.text(_ID_CHARS, min_size=1, max_size=4), min_size=1, max_size=8,
                unique=True))
def test_lavaan_names_are_distinct_syntactic_and_keep_safe_ids(raw: list[str]) -> None:
    ids = ["x" + r for r in raw]  # an id starts with a letter
    m = JourneyMap.from_dict({
        "outcome": "nps",
        "nodes": [{"id": "nps", "kind": "outcome", "column": "ltr"}]
        + [{"id": i, "kind": "factor", "scale": [1, 5]} for i in ids],
        "edges": [[i, "nps"] for i in ids],
    })
    names = lavaan_names(m)
    assert list(names) == [n.id for n in m.nodes]
    assert len(set(names.values())) == len(names)
    assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", v) for v in names.values())
    assert all(v == k for k, v in names.items() if re.fullmatch(r"[A-Za-z]\w*", k, re.ASCII))
    assert names == lavaan_names(m)


def test_lavaan_regressions_read_back_equal_the_estimated_edges(journey_map: JourneyMap) -> None:
    text = to_lavaan(journey_map)
    expected = regression_edges(journey_map)
    assert expected
    assert parse_lavaan_edges(text) == expected
    assert minimal_lavaan_regressions(text) == expected


def test_lavaan_has_one_regression_per_measured_child_with_parents_in_edge_order() -> None:
    text = to_lavaan(jm.example_map())
    lines = [ln for ln in text.splitlines() if re.match(r"^\w+ ~ ", ln)]
    assert "ease ~ b5*website + b6*quote + b7*support + b8*no_errors" in lines
    assert [ln.split(" ~ ")[0] for ln in lines] == [
        "no_errors", "product_quality", "ease", "nps"]


def test_lavaan_header_names_the_map_and_journeymap() -> None:
    text = to_lavaan(jm.example_map())
    first, second = text.splitlines()[:2]
    assert first == "# Storköksutrustning B2B – customer journey"
    assert second.startswith("#")
    assert "generated by journeymap" in second


def test_lavaan_says_a_composite_is_the_mean_of_its_items_and_offers_a_latent_line() -> None:
    text = to_lavaan(jm.example_map())
    assert re.search(r"^#\s+delivery: mean of the items q_del_time, q_del_complete, "
                     r"q_del_condition", text, flags=re.MULTILINE)
    assert re.search(r"^#\s+delivery =~ q_del_time \+ q_del_complete \+ q_del_condition$",
                     text, flags=re.MULTILINE)
    # awkward item names are mangled in the latent line, kept in the mean line
    awkward = to_lavaan(awkward_map())
    assert re.search(r"^#\s+a_b_2: node a-b, mean of the items q a, q-b ", awkward,
                     flags=re.MULTILINE)
    assert re.search(r"^#\s+a_b_2 =~ q_a \+ q_b$", awkward, flags=re.MULTILINE)


def test_lavaan_lists_each_unmeasured_role_with_its_shares(journey_map: JourneyMap) -> None:
    text = to_lavaan(journey_map)
    names = lavaan_names(journey_map)
    found = {m.group(1): m.group(2) for m in re.finditer(
        r"^# role (\S+)(?: \(node \S+\))? acts on: (.*)$", text, flags=re.MULTILINE)}
    unmeasured = [r for r in journey_map.roles if not r.measured]
    assert set(found) == {names[r.id] for r in unmeasured}
    for role in unmeasured:
        listed = dict(re.findall(r"(\S+) \(share ([0-9.]+)\)", found[names[role.id]]))
        shares = journey_map.role_shares(role.id)
        assert {t: float(s) for t, s in listed.items()} == pytest.approx(
            {names[t]: s for t, s in shares.items()}, abs=1e-6)


def test_lavaan_example_role_line_reads_as_documented() -> None:
    assert ("# role installer acts on: delivery (share 0.2), installation (share 1)"
            in to_lavaan(jm.example_map()).splitlines())


def test_lavaan_role_comment_names_the_node_behind_a_renamed_role() -> None:
    assert "# role e (node é) acts on: Kok_bad (share 0.5), a_b (share 1)" in to_lavaan(
        awkward_map()).splitlines()


def test_measured_role_is_a_variable_and_its_edge_to_an_unmeasured_role_is_a_comment() -> None:
    text = to_lavaan(awkward_map())
    assert ("ops_lead", "Kok_bad") in parse_lavaan_edges(text)
    assert "#   ops_lead -> e" in text.splitlines()
    assert not any(y == "e" for _, y in parse_lavaan_edges(text))


def test_lavaan_parser_reads_modifiers_chains_and_ignores_other_operators() -> None:
    text = """
    # a comment: x ~ y
    f =~ x1 + x2 + x3      ! lavaan's other comment mark
    y ~ 0.5*a + c(b1, b2)*b + 1 ; z ~ y
    w ~ a +
        b
    y1 + y2 ~ f
    a ~~ b
    d := b1 * b2
    """
    assert parse_lavaan_edges(text) == {
        ("a", "y"), ("b", "y"), ("y", "z"), ("a", "w"), ("b", "w"), ("f", "y1"), ("f", "y2"),
    }


# ---------------------------------------------------------------------- DAGitty
def test_dagitty_edges_equal_all_map_edges(journey_map: JourneyMap) -> None:
    text = to_dagitty(journey_map)
    assert parse_dagitty_edges(text) == {(e.source, e.target) for e in journey_map.edges}


def test_dagitty_marks_the_outcome_and_unmeasured_roles_only(journey_map: JourneyMap) -> None:
    text = to_dagitty(journey_map)
    assert text.startswith("dag {\n")
    assert text.endswith("}\n")
    markers: dict[str, str] = {}
    for line in text.splitlines()[1:-1]:
        m = re.fullmatch(r'("(?:[^"\\]|\\.)*"|[0-9A-Za-z_.]+)(?: \[(\w+)\])?', line)
        if m:
            markers[unquote_dagitty(m.group(1))] = m.group(2) or ""
        else:
            assert " -> " in line
    assert set(markers) == {n.id for n in journey_map.nodes}
    assert {k for k, v in markers.items() if v == "outcome"} == {journey_map.outcome}
    assert {k for k, v in markers.items() if v == "latent"} == {
        n.id for n in journey_map.roles if not n.measured}
    assert set(markers.values()) <= {"", "outcome", "latent"}


def test_dagitty_quotes_ids_that_are_not_barewords() -> None:
    text = to_dagitty(awkward_map())
    for quoted in ('"Kök.bad"', '"a-b"', '"é"', '"ops-lead"'):
        assert quoted in text
    for bare in ("a.b", "a_b", "team.lead", "_x"):
        assert f"\n{bare}\n" in text or f"\n{bare} " in text


def test_dagitty_parser_reads_chains_reverse_arrows_groups_and_quotes() -> None:
    text = '''dag {
      bb="0,0,1,1"
      a [exposure, pos="-1.2,0.5"]
      a -> b -> "c-1" [pos="0,0"]
      d <- a
      {x y} -> "say \\"hi\\""
      e <-> f
      g -- h
    }'''
    assert parse_dagitty_edges(text) == {
        ("a", "b"), ("b", "c-1"), ("a", "d"), ("x", 'say "hi"'), ("y", 'say "hi"'),
    }


def test_dagitty_parser_names_a_character_that_needs_quotes() -> None:
    with pytest.raises(JourneymapError, match=r"line 2: unexpected 'ö'"):
        parse_dagitty_edges("dag {\n a -> Kök\n}")


# -------------------------------------------------------------------------- DOT
def run_dot(text: str, fmt: str) -> str:
    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("graphviz's dot program is not installed")
    done = subprocess.run([dot, f"-T{fmt}"], input=text.encode("utf-8"),
                          capture_output=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert done.stderr == b""
    return done.stdout.decode("utf-8")


def _dot_id(token: str) -> str:
    return token[1:-1].replace('\\"', '"') if token.startswith('"') else token


def test_dot_structure_is_accepted_by_dot_and_lists_every_edge(journey_map: JourneyMap) -> None:
    canon = run_dot(to_dot_structure(journey_map), "canon")
    pattern = r'^\s*("(?:[^"\\]|\\.)*"|[^\s"\[;]+)\s*->\s*("(?:[^"\\]|\\.)*"|[^\s"\[;]+)'
    edges = {(_dot_id(a), _dot_id(b))
             for a, b in re.findall(pattern, canon, flags=re.MULTILINE)}
    assert edges == {(e.source, e.target) for e in journey_map.edges}


def test_dot_structure_shows_labels_as_written_and_kinds_as_class(
        journey_map: JourneyMap) -> None:
    layout: dict[str, Any] = json.loads(run_dot(to_dot_structure(journey_map), "json"))
    assert layout["name"] == journey_map.name
    objects = {o["name"]: o for o in layout["objects"]}
    assert set(objects) == {n.id for n in journey_map.nodes}
    for node in journey_map.nodes:
        drawn = [op["text"] for op in objects[node.id]["_ldraw_"] if op["op"] == "T"]
        assert drawn == [node.display]
        assert objects[node.id]["class"] == node.kind
    by_index = {o["_gvid"]: o["name"] for o in layout["objects"]}
    assert {(by_index[e["tail"]], by_index[e["head"]]) for e in layout["edges"]} == {
        (e.source, e.target) for e in journey_map.edges}


def test_dot_structure_writes_effective_shares_on_role_edges() -> None:
    text = to_dot_structure(jm.example_map())
    assert '"installer" -> "delivery" [share="0.2"];' in text
    assert '"ease" -> "nps" [expected="+"];' in text


# --------------------------------------------------------------- JSON, dispatch
def test_json_export_reads_back_as_the_same_map(journey_map: JourneyMap) -> None:
    text = to_json(journey_map)
    assert JourneyMap.from_text(text) == journey_map
    assert export(journey_map, "json") == text


def test_export_dispatches_on_every_format_name(journey_map: JourneyMap) -> None:
    by_hand = {"lavaan": to_lavaan, "semopy": to_semopy, "dagitty": to_dagitty,
               "dot": to_dot_structure, "json": to_json}
    assert set(FORMATS) == set(by_hand)
    for fmt in FORMATS:
        assert export(journey_map, fmt) == by_hand[fmt](journey_map)
    assert export(journey_map, " DOT ") == to_dot_structure(journey_map)


def test_unknown_export_format_lists_the_valid_ones() -> None:
    with pytest.raises(JourneymapError,
                       match=r"unknown export format 'dagity'\. Did you mean 'dagitty'\? "
                             r"Valid formats: lavaan, semopy, dagitty, dot, json\."):
        export(jm.example_map(), "dagity")
    with pytest.raises(JourneymapError,
                       match="Valid formats: lavaan, semopy, dagitty, dot, json"):
        export(jm.example_map(), "svg")


# ---------------------------------------------------------------------- semopy
def test_semopy_fits_the_lavaan_model_to_the_same_coefficients_as_journeymap() -> None:
    semopy = pytest.importorskip("semopy")
    import pandas as pd

    m = jm.example_map()
    names = lavaan_names(m)
    data = jm.simulate(m, n=1000, seed=11).data  # complete responses: no missing values
    frame = pd.DataFrame({
        names[n.id]: data[list(n.items)].mean(axis=1) if n.items else data[n.column]
        for n in m.measured_nodes
    })
    model = semopy.Model(to_semopy(m))
    model.fit(frame, options={"ftol": 1e-12, "maxiter": 10000})
    table = model.inspect()
    regressions = table[table["op"] == "~"]
    semopy_edges = {(r.rval, r.lval): float(r.Estimate) for r in regressions.itertuples()}
    assert set(semopy_edges) == regression_edges(m)

    # A recursive path model fitted by ML to complete data gives the OLS coefficients.
    fitted = jm.fit(m, data).edges
    ols = {(s, t): float(b) for s, t, b in zip(fitted["from"], fitted["to"],
                                               fitted["estimate"], strict=True)
           if m.is_estimated(m.edge(s, t))}
    assert semopy_edges == pytest.approx(ols, rel=1e-5, abs=1e-6)


def test_semopy_parses_the_lavaan_model_of_the_awkward_map() -> None:
    semopy = pytest.importorskip("semopy")
    m = awkward_map()
    model = semopy.Model(to_semopy(m))
    variables = {x for edge in regression_edges(m) for x in edge}
    assert set(model.vars["observed"]) == variables
    assert model.vars["latent"] == set()


def test_semopy_on_the_semopy_export_gives_the_df_and_fit_indices_of_check() -> None:
    semopy = pytest.importorskip("semopy")
    import warnings

    import pandas as pd

    from journeymap.analysis import check

    m = jm.example_map()
    names = lavaan_names(m)
    data = jm.simulate(m, n=1000, seed=7).data  # complete responses: listwise N = 1000
    frame = pd.DataFrame({
        names[n.id]: data[list(n.items)].mean(axis=1) if n.items else data[n.column]
        for n in m.measured_nodes
    })
    fi = check(m, data, suggest=False).fit_indices
    model = semopy.Model(to_semopy(m))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # semopy's own runtime notices
        model.fit(frame)
        st = semopy.calc_stats(model).T["Value"]
    n = fi["n"]
    assert n == model.n_samples == 1000
    assert fi["df"] == st["DoF"] == 25
    assert fi["df_baseline"] == st["DoF Baseline"]
    # semopy's χ² is N · F_ML, check's (N − 1) · F_ML (docs/method.md §10.3)
    assert fi["chi2"] * n / (n - 1) == pytest.approx(st["chi2"], rel=1e-3)
    assert fi["rmsea"] == pytest.approx(st["RMSEA"], abs=1e-3)
    assert fi["cfi"] == pytest.approx(min(1.0, st["CFI"]), abs=1e-3)


def test_the_lavaan_defined_effects_evaluate_to_journeymaps_total_and_indirect_effects(
        ) -> None:
    m = jm.example_map()
    names = lavaan_names(m)
    text = to_lavaan(m)
    result = jm.fit(m, jm.simulate(m, n=1000, seed=11).data)
    estimate = {(names[s], names[t]): b for s, t, b in zip(
        result.edges["from"], result.edges["to"], result.edges["estimate"], strict=True)}
    env: dict[str, float] = {}
    for y, rhs in re.findall(r"^(\w+) ~ (.+)$", text, flags=re.MULTILINE):
        for term in rhs.split(" + "):
            label, x = term.split("*")
            env[label] = float(estimate[(x, y)])
    defined = re.findall(r"^(\w+) := (.+)$", text, flags=re.MULTILINE)
    assert defined
    for name, expr in defined:  # in file order: lavaan evaluates them one after another
        env[name] = float(eval(expr, {"__builtins__": {}}, dict(env)))
    effects = result.effects.set_index("node")
    totals = {n: v for n, v in env.items() if n.startswith("total_")}
    assert set(totals) == {f"total_{names[i]}" for i in effects.index if i != m.outcome
                           and m.node(i).measured and abs(effects.loc[i, "total"]) > 0}
    for node_id, row in effects.iterrows():
        key = f"total_{names[str(node_id)]}"
        if key in env:
            assert env[key] == pytest.approx(row["total"], rel=1e-10, abs=1e-12)
        key = f"indirect_{names[str(node_id)]}"
        if key in env:
            assert env[key] == pytest.approx(row["indirect"], rel=1e-10, abs=1e-12)
    assert "indirect_delivery := total_delivery - b10" in text
    assert ":=" not in to_semopy(m)


def test_exogenous_covariances_are_listed_for_every_pair_once() -> None:
    text = to_lavaan(jm.example_map())
    pairs = re.findall(r"^(\w+) ~~ (\w+)$", text, flags=re.MULTILINE)
    exo = ["brand", "website", "quote", "ordering", "delivery", "installation", "invoice",
           "support"]
    assert pairs == [(a, b) for i, a in enumerate(exo) for b in exo[i:]]


def test_a_map_with_very_many_exogenous_nodes_gets_a_comment_not_quadratic_lines() -> None:
    from journeymap.limits import MAX_EXPORT_EXOGENOUS

    k = MAX_EXPORT_EXOGENOUS + 1
    m = JourneyMap.from_dict({
        "outcome": "nps",
        "nodes": [{"id": "nps", "kind": "outcome"},
                  *({"id": f"t{i}", "kind": "touchpoint", "scale": [1, 5]} for i in range(k))],
        "edges": [[f"t{i}", "nps"] for i in range(k)]})
    text = to_lavaan(m)
    assert "~~" not in text.replace("# ", "")
    assert f"# {k:,} nodes have no measured parent; their {k * (k + 1) // 2:,} variances" in text
    assert len(text) < 60_000
