"""Hostile and accidental map files: each is refused with one clear error, quickly.

The limits are those of ``journeymap.limits`` ("Map files"), documented in
docs/security.md.  Every case here was once a hang, a traceback ("internal error",
exit 1), a silent guess or a raw escape sequence on the terminal.  The worst inputs
(an alias bomb, /dev/zero, a pipe) run in a child process with a memory cap and a
time-out, so that a regression fails the test instead of hanging or exhausting the
machine; they are never timed (timings are in benchmarks/hostile_inputs.py).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner, Result

from journeymap import limits
from journeymap._validate import find_cycle
from journeymap.cli import app
from journeymap.exceptions import (
    CycleError,
    JourneymapError,
    MapValidationError,
    UnknownNodeError,
)
from journeymap.model import JourneyMap, Node

WriteFile = Callable[..., Path]
RUNNER = CliRunner(env={"FORCE_COLOR": None, "TTY_COMPATIBLE": None, "NO_COLOR": "1"})

GOOD = """\
outcome: nps
nodes:
  - {id: nps, kind: outcome, column: ltr}
  - {id: installer, kind: role}
  - {id: install, kind: touchpoint, scale: [1, 5]}
edges:
  - [installer, install]
  - [install, nps]
"""

# 9 ** 8 = 43 million elements when expanded, in 11 lines ("billion laughs").
BOMB = "".join(f"{a}: &{a} [{', '.join([f'*{p}'] * 9 if p else ['x'] * 9)}]\n"
               for p, a in zip(["", "a", "b", "c", "d", "e", "f", "g"], "abcdefgh", strict=True)
               ) + "outcome: nps\nnodes: *h\nedges: []\n"


def _bomb_line() -> int:
    """The line where the expanded size first passes MAX_MAP_ELEMENTS, counted by hand:
    the top mapping, then per line a key and a list of 9 copies of the previous list."""
    total, size = 1, 10  # a: [x × 9] is a list and 9 scalars
    for line in range(1, 9):
        total += 1 + size
        if total > limits.MAX_MAP_ELEMENTS:
            return line
        size = 9 * size + 1
    raise AssertionError("the bomb is too small")


BOMB_LINE = _bomb_line()
DEEP_FLOW = "[" * 2_000_000 + "]" * 2_000_000  # 4 MB, under MAX_MAP_BYTES
DEEP_JSON = '{"outcome": ' + "[" * 5_000 + "]" * 5_000 + "}"
DEEP_BLOCK = "a:\n" + "".join(" " * i + "b:\n" for i in range(1, 200))


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """1-based line of the ``nth`` line containing ``needle`` (an independent count)."""
    hits = [i for i, ln in enumerate(text.splitlines(), 1) if needle in ln]
    return hits[nth - 1]


def refused(text: str, source: str = "map.yaml") -> MapValidationError:
    with pytest.raises(MapValidationError) as info:
        JourneyMap.from_text(text, source)
    return info.value


def run(*args: str | Path) -> Result:
    return RUNNER.invoke(app, [str(a) for a in args])


def assert_one_error_line(result: Result) -> str:
    """Exit 2, exactly one ``error:`` line, no traceback, no raw control character."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    err = result.stderr
    assert [ln for ln in err.splitlines() if ln.startswith("error:")] == [err.splitlines()[0]]
    assert "Traceback" not in err
    assert "internal error" not in err
    assert not any(ord(c) < 32 and c not in "\n\t" for c in err + result.stdout)
    return err


# ------------------------------------------------------------------ the worst inputs, in a child
# The child caps its own memory at 2 GB (no preexec_fn: forking a process with threads
# warns on newer Pythons), then runs the command line as `journeymap validate PATH` does.
CHILD = ("import resource, sys; cap = 2 * 1024 ** 3; "
         "resource.setrlimit(resource.RLIMIT_AS, (cap, cap)); "
         "from journeymap.cli import main; sys.argv[0] = 'journeymap'; main()")


@pytest.fixture(scope="module")
def worst(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    """``journeymap validate`` on the worst inputs, run together as real programs."""
    folder = tmp_path_factory.mktemp("worst")
    (folder / "bomb.yaml").write_text(BOMB, encoding="utf-8")
    (folder / "deep.yaml").write_text(DEEP_FLOW, encoding="utf-8")
    (folder / "deep.json").write_text('{"a": ' + "[" * 2_000_000 + "]" * 2_000_000 + "}",
                                      encoding="utf-8")
    os.mkfifo(folder / "pipe.yaml")
    targets = {"bomb": folder / "bomb.yaml", "deep": folder / "deep.yaml",
               "deep_json": folder / "deep.json", "pipe": folder / "pipe.yaml",
               "zero": Path("/dev/zero"), "urandom": Path("/dev/urandom")}
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200"}
    procs = {name: subprocess.Popen(
        [sys.executable, "-c", CHILD, "validate", str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", env=env)
        for name, path in targets.items() if path.exists()}
    out = {}
    for name, proc in procs.items():
        try:
            stdout, stderr = proc.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
            stderr += "\n(still running after 120 s: killed)"
        out[name] = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    return out


@pytest.mark.slow  # six real programs
@pytest.mark.parametrize(("name", "says"), [
    ("bomb", f"line {BOMB_LINE}: the text expands to more than 500,000 elements"),
    ("deep", "line 1: the text is nested too deeply (more than 20 levels"),
    ("deep_json", "line 1: the text is nested too deeply (more than 20 levels"),
    ("pipe", "is a pipe (FIFO), not a regular file"),
    ("zero", "/dev/zero: is a device (like /dev/zero), not a regular file"),
    ("urandom", "/dev/urandom: is a device (like /dev/zero), not a regular file"),
])
def test_the_program_refuses_the_worst_map_files_with_exit_2_and_one_line(
        worst: dict[str, subprocess.CompletedProcess[str]], name: str, says: str) -> None:
    if name not in worst:
        pytest.skip(f"no {name} device here")
    proc = worst[name]
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert says in lines[0]


# ------------------------------------------------------------------ aliases and nesting
def test_an_alias_bomb_is_refused_in_python_naming_the_line_where_it_grows_too_big() -> None:
    exc = refused(BOMB)
    assert line_of(BOMB, "f: &f") == BOMB_LINE  # 597,871 elements on line 6 alone
    assert str(exc).startswith(f"map.yaml, line {BOMB_LINE}: the text expands to more than "
                               f"{limits.MAX_MAP_ELEMENTS:,} elements")


def test_an_alias_bomb_file_is_refused_by_from_yaml_and_the_cli(write_file: WriteFile) -> None:
    path = write_file(BOMB)
    with pytest.raises(MapValidationError, match="expands to more than 500,000 elements"):
        JourneyMap.from_yaml(path)
    assert "expands to more than" in assert_one_error_line(run("validate", path))


def test_aliases_beyond_the_budget_are_refused_even_when_small() -> None:
    n = limits.MAX_MAP_ALIASES + 1
    text = "s: &s [1, 5]\nx: [" + ", ".join(["*s"] * n) + "]\n"
    exc = refused(text)
    assert f"more than {limits.MAX_MAP_ALIASES:,} YAML aliases" in str(exc)


def test_a_few_aliases_and_merge_keys_still_work() -> None:
    text = GOOD.replace("  - {id: install, kind: touchpoint, scale: [1, 5]}\n",
                        "  - &tp {id: install, kind: touchpoint, scale: &five [1, 5]}\n"
                        "  - {<<: *tp, id: delivery}\n"
                        "  - {id: ease, kind: factor, scale: *five}\n")
    text += "  - [delivery, nps]\n  - [ease, nps]\n"
    m = JourneyMap.from_text(text)
    assert [n.id for n in m.nodes] == ["nps", "installer", "install", "delivery", "ease"]
    assert m.node("delivery").scale == (1.0, 5.0)
    assert m.node("delivery").kind == "touchpoint"
    assert m.node("ease").scale == (1.0, 5.0)


def test_an_alias_inside_what_it_names_is_refused_not_followed_forever() -> None:
    exc = refused("outcome: nps\nnodes: &n [{id: nps, kind: outcome}, *n]\n")
    assert str(exc).startswith("map.yaml, line 2: the alias *n is used inside &n itself")


def test_an_alias_without_anchor_is_refused_with_its_line() -> None:
    exc = refused("outcome: nps\nnodes: *n\n")
    assert str(exc).startswith("map.yaml, line 2: ")


@pytest.mark.parametrize(("text", "line"), [
    (DEEP_FLOW, 1),
    (DEEP_JSON, 1),
    (DEEP_BLOCK, 21),
    ("outcome: nps\nnodes:\n  - {id: nps, kind: outcome, scale: " + "[" * 30 + "]" * 30 + "}\n",
     3),
], ids=["flow", "json", "block", "inside-a-node"])
def test_deep_nesting_is_refused_with_its_line_not_a_recursion_error(text: str, line: int) -> None:
    exc = refused(text)
    assert str(exc).startswith(f"map.yaml, line {line}: the text is nested too deeply (more "
                               f"than {limits.MAX_MAP_DEPTH} levels")


def test_deep_nesting_gives_exit_2_on_the_command_line(write_file: WriteFile) -> None:
    for name, text in (("deep.yaml", DEEP_BLOCK), ("deep.json", DEEP_JSON)):
        assert "nested too deeply" in assert_one_error_line(run("validate",
                                                                write_file(text, name)))


@pytest.mark.parametrize("lists", [limits.MAX_MAP_DEPTH - 1, limits.MAX_MAP_DEPTH])
def test_nesting_up_to_the_limit_is_read_and_one_more_level_refused(lists: int) -> None:
    deep: Any = "x"
    for _ in range(lists):
        deep = [deep]
    text = GOOD + "description: " + json.dumps(deep) + "\n"  # inside the top mapping
    exc = refused(text)
    if 1 + lists <= limits.MAX_MAP_DEPTH:  # read, then refused as a field
        assert "nested too deeply" not in str(exc)
        assert "description: must be text, not list" in str(exc)
    else:
        assert "nested too deeply" in str(exc)


def test_nested_python_data_give_a_short_message_not_a_recursion_error() -> None:
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    data = {"outcome": "nps", "nodes": [{"id": "nps", "kind": "outcome"},
                                        {"id": "t", "kind": "touchpoint", "scale": deep}]}
    with pytest.raises(MapValidationError) as info:
        JourneyMap.from_dict(data)
    assert "got [[[[...]]]]" in str(info.value)
    assert len(str(info.value)) < 300


# ------------------------------------------------------------------ files that are not files
def test_a_pipe_as_map_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    pipe = tmp_path / "map.yaml"
    os.mkfifo(pipe)
    assert stat.S_ISFIFO(os.stat(pipe).st_mode)
    with pytest.raises(MapValidationError, match=r"map.yaml: is a pipe \(FIFO\), not a regular"):
        JourneyMap.from_yaml(pipe)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_device_as_map_is_refused_in_python_without_reading_it(device: str) -> None:
    if not Path(device).exists():
        pytest.skip(f"no {device} here")
    with pytest.raises(MapValidationError,
                       match=f"^{device}: is a device \\(like /dev/zero\\), not a regular file"):
        JourneyMap.from_yaml(device)


def test_a_folder_as_map_says_so(tmp_path: Path) -> None:
    with pytest.raises(MapValidationError, match="is a folder, not a map file"):
        JourneyMap.from_yaml(tmp_path)


def test_a_file_over_the_byte_limit_is_refused_by_what_is_read(write_file: WriteFile) -> None:
    path = write_file(GOOD + "#" * limits.MAX_MAP_BYTES)
    with pytest.raises(MapValidationError, match="larger than 5,000,000 bytes"):
        JourneyMap.from_yaml(path)


def test_a_text_over_the_byte_limit_is_refused_by_from_text() -> None:
    exc = refused(GOOD + "#" * limits.MAX_MAP_BYTES)
    assert "larger than 5,000,000 bytes" in str(exc)


def test_an_unreadable_map_file_is_refused(write_file: WriteFile) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    path = write_file(GOOD)
    path.chmod(0)
    with pytest.raises(MapValidationError, match="cannot be read"):
        JourneyMap.from_yaml(path)


# ------------------------------------------------------------------ control characters
@pytest.mark.parametrize(("raw", "name"), [
    ("\x1b", "U+001B (ESCAPE)"), ("\x07", "U+0007"), ("\x7f", "U+007F (DELETE)"),
    ("\x9b", "U+009B"), ("\x85", "U+0085"), ("\u2028", "U+2028 (LINE SEPARATOR)"),
])
def test_a_raw_control_character_in_the_file_is_refused_with_its_line(raw: str,
                                                                      name: str) -> None:
    text = GOOD.replace("kind: role}", f"kind: role, label: red{raw}[31m}}")
    exc = refused(text)
    assert str(exc).startswith(f"map.yaml, line {line_of(text, 'installer, kind')}: the text "
                               f"contains the control character {name}")
    assert raw not in str(exc)


@pytest.mark.parametrize(("field", "value"), [
    ("label", '"\\e[31mred"'), ("label", '"two\\nlines"'), ("stage", '"\\x00"'),
    ("column", '"q\\x07"'), ("id", '"inst\\tall"'),
])
def test_an_escaped_control_character_in_a_field_is_refused_with_the_field_line(
        field: str, value: str) -> None:
    text = GOOD.replace("{id: installer, kind: role}",
                        f"{{id: installer, kind: role,\n     {field}: {value}}}"
                        if field != "id" else f"{{id: {value}, kind: role}}")
    exc = refused(text)
    message = str(exc)
    assert "control character U+00" in message
    target = "inst" if field == "id" else f"{field}: {value}"
    assert f"map.yaml, line {line_of(text, target)}" in message
    # each problem is one printable line (several are joined by newlines: a renamed id
    # also leaves the edges that name the old one pointing at an unknown node)
    assert not any(ord(c) < 32 for problem in exc.problems for c in problem)


def test_a_control_character_in_json_text_is_refused_and_never_printed_raw() -> None:
    data = json.loads(json.dumps({"outcome": "nps", "nodes": [
        {"id": "nps", "kind": "outcome", "label": "\x1b]0;owned\x07"}]}))
    text = json.dumps(data, indent=2)  # escaped as \u001b in the file
    assert "\x1b" not in text
    exc = refused(text, "map.json")
    assert f"map.json, line {line_of(text, 'label')}, nodes[0].label" in str(exc)
    assert "\x1b" not in str(exc)
    assert "\x07" not in str(exc)


def test_a_tab_in_a_comment_and_line_breaks_in_a_description_are_fine() -> None:
    text = GOOD.replace("outcome: nps\n", "outcome: nps\t# the 0-10 question\n") + \
        "description: |\n  Two lines,\n  \tthe second indented.\n"
    m = JourneyMap.from_text(text)
    assert m.description == "Two lines,\n\tthe second indented.\n"


def test_error_messages_show_control_characters_as_escapes() -> None:
    with pytest.raises(MapValidationError) as info:
        JourneyMap.from_dict({"outcome": "nps", "nodes": [
            {"id": "nps", "kind": "outcome", "\x1b[2Jcolour": 1}]})
    assert "unknown node field '\\x1b[2Jcolour'" in str(info.value)
    assert "\x1b" not in str(info.value)
    assert all("\x1b" not in p for p in info.value.problems)


def test_raw_escapes_never_reach_the_terminal(write_file: WriteFile) -> None:
    text = GOOD.replace("kind: role}", 'kind: role, label: "\\e[2J\\e[31mred"}')
    err = assert_one_error_line(run("validate", write_file(text)))
    assert "U+001B (ESCAPE)" in err


def test_a_lone_surrogate_from_json_is_refused() -> None:
    text = '{"outcome": "nps", "nodes": [{"id": "nps", "kind": "outcome", "label": "\\ud800"}]}'
    exc = refused(text, "map.json")
    assert "U+D800 (a lone surrogate)" in str(exc)


def test_nodes_built_in_python_meet_the_same_text_rules() -> None:
    nps = Node("nps", "outcome", column="ltr", scale=(0.0, 10.0))
    with pytest.raises(MapValidationError, match="label: contains the control character"):
        JourneyMap(outcome="nps", nodes=(Node("nps", "outcome", column="ltr",
                                              scale=(0.0, 10.0), label="\x1b[31m"),), edges=())
    with pytest.raises(MapValidationError, match="is 101 characters long; at most 100"):
        JourneyMap(outcome="nps", nodes=(nps, Node("a" * 101, "role")), edges=())
    bad_id: Any = 5
    with pytest.raises(MapValidationError, match="is a number; ids are text"):
        JourneyMap(outcome="nps", nodes=(nps, Node(bad_id, "role")), edges=())


# ------------------------------------------------------------------ keys, ids and types
def test_a_duplicate_top_level_key_names_both_lines_instead_of_keeping_the_last() -> None:
    text = GOOD + "nodes: []\n"
    exc = refused(text)
    assert str(exc) == (f"map.yaml, line {line_of(text, 'nodes: []')}: the field 'nodes' "
                        f"appears twice in the same mapping (first at line "
                        f"{line_of(text, 'nodes:')}); keep one.")


def test_a_duplicate_key_inside_a_node_is_refused() -> None:
    text = GOOD.replace("{id: installer, kind: role}", "{id: installer, kind: role, kind: factor}")
    exc = refused(text)
    assert f"line {line_of(text, 'kind: factor')}: the field 'kind' appears twice" in str(exc)


def test_a_duplicate_key_in_json_names_its_line() -> None:
    text = '{\n  "outcome": "nps",\n  "outcome": "ltr",\n  "nodes": []\n}\n'
    exc = refused(text, "map.json")
    assert str(exc).startswith("map.json, line 3: the field 'outcome' appears twice")


@pytest.mark.parametrize("word", ["yes", "no", "on", "off", "true", "False"])
def test_an_id_that_yaml_reads_as_yes_or_no_says_ids_are_text(word: str) -> None:
    text = GOOD.replace("installer", word)
    exc = refused(text)
    first = exc.problems[0]
    assert first.startswith(f"map.yaml, line {line_of(text, f'id: {word}')}, nodes[1].id: the "
                            "id ")
    assert "is read by YAML as yes-or-no" in first
    assert "put the id in quotes" in first
    assert "no 'id'" not in str(exc)
    quoted = JourneyMap.from_text(GOOD.replace("installer", f"'{word}'"))
    assert quoted.nodes[1].id == word


def test_a_numeric_id_says_ids_are_text() -> None:
    text = GOOD.replace("id: installer", "id: 123").replace("[installer,", "[123,")
    exc = refused(text)
    assert exc.problems[0] == (f"map.yaml, line {line_of(text, 'id: 123')}, nodes[1].id: the "
                               "id 123 is a number; ids are text that start with a letter, "
                               "e.g. q123.")
    assert f"line {line_of(text, '[123,')}, edges[0][0]: the node id 123 is a number" in str(exc)


def test_an_outcome_named_by_a_yes_or_no_word_says_ids_are_text() -> None:
    exc = refused(GOOD.replace("outcome: nps", "outcome: yes"))
    assert "map.yaml, line 1, outcome: the outcome id true is read by YAML" in str(exc)


def test_ids_that_differ_only_in_case_are_duplicates() -> None:
    text = GOOD.replace("  - {id: install,", "  - {id: Installer, kind: role}\n  - {id: install,")
    exc = refused(text)
    assert str(exc) == (f"map.yaml, line {line_of(text, 'Installer')}: duplicate node id "
                        f"'Installer': it differs from 'installer' at line "
                        f"{line_of(text, 'id: installer')} only in upper and lower case, "
                        "which people (and case-insensitive file systems) read as the same "
                        "id; rename one.")


def test_an_unreadable_scalar_is_a_map_error_not_an_internal_error() -> None:
    for value in ("2001-13-45", "!!int abc", "!!float x", "!!timestamp nope"):
        exc = refused(GOOD.replace("kind: role}", f"kind: role, stage: {value}}}"))
        assert "cannot be read" in str(exc)
        assert "put it in quotes" in str(exc)


def test_an_integer_of_thousands_of_digits_is_a_map_error() -> None:
    exc = refused("outcome: " + "1" * 5_000 + "\n")
    assert "a number of thousands of digits" in str(exc)
    exc = refused('{"outcome": ' + "1" * 5_000 + "}", "map.json")
    assert "a number of thousands of digits" in str(exc)


def test_tags_outside_the_map_format_are_refused() -> None:
    for text in ("outcome: !foo [1]\n", "outcome: !!python/name:os.system x\n",
                 "outcome: !!set {a, b}\n"):
        exc = refused(text)
        assert str(exc).startswith("map.yaml, line 1: ")


def test_a_second_document_is_refused() -> None:
    exc = refused(GOOD + "---\n" + GOOD)
    assert str(exc).startswith(f"map.yaml, line {line_of(GOOD + '---', '---')}: a second YAML "
                               "document")


def test_a_list_as_a_key_is_refused() -> None:
    exc = refused("? [a, b]\n: c\n")
    assert "a list or mapping is used as a field name" in str(exc)


# ------------------------------------------------------------------ sizes
@pytest.mark.parametrize(("field", "limit"), [
    ("label", limits.MAX_LABEL_CHARS), ("stage", limits.MAX_LABEL_CHARS),
    ("description", limits.MAX_DESCRIPTION_CHARS),
])
def test_a_text_field_over_its_limit_is_refused_and_at_its_limit_read(field: str,
                                                                     limit: int) -> None:
    at = JourneyMap.from_text(GOOD.replace("kind: role}", f"kind: role, {field}: {'x' * limit}}}"))
    assert getattr(at.node("installer"), field) == "x" * limit
    text = GOOD.replace("kind: role}", f"kind: role, {field}: {'x' * 200_000}}}")
    exc = refused(text)
    assert (f"nodes[1].{field}: the text is 200,000 characters long; at most {limit:,} are "
            "allowed") in str(exc)


def test_an_id_over_the_limit_is_refused() -> None:
    long_id = "a" * (limits.MAX_ID_CHARS + 1)
    exc = refused(GOOD.replace("installer", long_id))
    assert f"is {limits.MAX_ID_CHARS + 1} characters long; at most {limits.MAX_ID_CHARS}" \
        in exc.problems[0]
    assert long_id not in exc.problems[0]


def test_too_many_nodes_or_edges_are_refused_before_each_is_checked() -> None:
    nodes = [{"id": "nps", "kind": "outcome"}] * (limits.MAX_MAP_NODES + 1)
    with pytest.raises(MapValidationError, match="the map has 10,001 nodes; at most 10,000"):
        JourneyMap.from_dict({"outcome": "nps", "nodes": nodes})
    edges = [["a", "b"]] * (limits.MAX_MAP_EDGES + 1)
    with pytest.raises(MapValidationError, match="the map has 50,001 edges; at most 50,000"):
        JourneyMap.from_dict({"outcome": "nps", "nodes": nodes[:1], "edges": edges})


def test_many_problems_are_listed_up_to_the_limit_and_counted() -> None:
    data = {"outcome": "nps", "nodes": [{"id": "nps", "kind": "outcome"}]
            + [{"id": f"t{i}", "kind": "role"} for i in range(5_000)],
            "edges": [[f"t{i}", f"missing{i}"] for i in range(5_000)]}
    with pytest.raises(MapValidationError) as info:
        JourneyMap.from_dict(data)
    exc = info.value
    assert str(exc).startswith("5000 problems in the map:\n")
    assert len(exc.problems) == limits.MAX_PROBLEMS_LISTED + 1
    assert exc.problems[-1] == "… and 4,980 more problems; fix these first."
    assert "… (5,001 in all)" in exc.problems[0]
    assert len(str(exc)) < 20_000


# ------------------------------------------------------------------ validation stays linear
def _big_map(n: int, seed: int = 0) -> dict[str, Any]:
    rng = random.Random(seed)
    nodes: list[dict[str, Any]] = [{"id": "nps", "kind": "outcome", "column": "ltr"}]
    edges: list[Any] = []
    for i in range(n):
        nodes.append({"id": f"t{i}", "kind": "touchpoint", "scale": [1, 5]})
        for p in {rng.randrange(i) for _ in range(3)} if i else ():
            edges.append([f"t{p}", f"t{i}"])
        if rng.random() < 0.5:
            edges.append([f"t{i}", "nps"])
    for r in range(n // 5):
        nodes.append({"id": f"r{r}", "kind": "role"})
        for t in {rng.randrange(n) for _ in range(2)}:
            share = {"from": f"r{r}", "to": f"t{t}", "share": 0.25} if r % 3 == 0 else None
            edges.append(share or [f"r{r}", f"t{t}"])
    return {"outcome": "nps", "nodes": nodes, "edges": edges}


def test_a_5000_node_map_has_the_warnings_shares_and_lookups_a_brute_force_gives() -> None:
    data = _big_map(5_000)
    m = JourneyMap.from_dict(data)
    g = nx.DiGraph([(e.source, e.target) for e in m.edges])
    g.add_nodes_from(n.id for n in m.nodes)
    reach = nx.ancestors(g, "nps")
    no_path = [n.id for n in m.nodes if n.id != "nps" and n.id not in reach]
    assert [w.split("'")[1] for w in m.warnings if "no path" in w] == no_path
    for node in ("t10", "t4999", "nps", "r7"):
        assert m.parents(node) == tuple(e.source for e in m.edges if e.target == node)
        assert m.children(node) == tuple(e.target for e in m.edges if e.source == node)
    for e in m.edges[::97]:
        assert m.edge(e.source, e.target) is e
    for role in ("r0", "r1", "r3"):
        for target, share in m.role_shares(role).items():
            acting = [e for e in m.edges if e.target == target and e.source.startswith("r")]
            explicit = sum(e.share for e in acting if e.share is not None)
            implicit = [e for e in acting if e.share is None]
            edge = m.edge(role, target)
            expect = edge.share if edge.share is not None else \
                max(0.0, 1 - explicit) / len(implicit)
            assert share == pytest.approx(expect)


def test_a_cycle_in_a_5000_node_map_is_found_and_named() -> None:
    data = _big_map(5_000)
    back = next(e for e in data["edges"] if isinstance(e, list) and e[0] == "t2000")
    data["edges"].append([back[1], back[0]])  # closes at least the cycle t2000 → x → t2000
    with pytest.raises(CycleError) as info:
        JourneyMap.from_dict(data)
    cycle = info.value.cycle
    assert cycle[0] == cycle[-1]
    assert len(cycle) >= 3
    pairs = {(e[0], e[1]) if isinstance(e, list) else (e["from"], e["to"])
             for e in data["edges"]}
    steps = list(itertools.pairwise(cycle))
    assert all(step in pairs for step in steps)
    assert (back[1], back[0]) in steps  # the only edge that can close a cycle


@pytest.mark.parametrize("seed", range(30))
def test_find_cycle_agrees_with_networkx_on_random_graphs(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randrange(1, 40)
    nodes = [f"n{i}" for i in range(n)]
    edges = {(rng.choice(nodes), rng.choice(nodes)) for _ in range(rng.randrange(0, 3 * n))}
    g = nx.DiGraph(list(edges))
    g.add_nodes_from(nodes)
    cycle = find_cycle(nodes, sorted(edges))
    assert (cycle is None) == nx.is_directed_acyclic_graph(g)
    if cycle is not None:
        assert cycle[0] == cycle[-1]
        assert len(set(cycle[:-1])) == len(cycle) - 1
        assert all((a, b) in edges for a, b in itertools.pairwise(cycle))


def test_an_unknown_edge_end_in_a_big_map_lists_a_few_known_ids() -> None:
    data = _big_map(3_000)
    data["edges"].append(["t1", "t99999"])
    with pytest.raises(UnknownNodeError) as info:
        JourneyMap.from_dict(data)
    assert "Did you mean" in str(info.value)
    assert "… (3,601 in all)" in str(info.value)


# ------------------------------------------------------------------ every front end: one error
@pytest.mark.parametrize("text", [
    BOMB, DEEP_BLOCK, GOOD + "nodes: []\n", GOOD.replace("installer", "yes"),
    GOOD.replace("kind: role}", "kind: role, label: \x1b[31m}"),
], ids=["bomb", "deep", "duplicate-key", "yes-id", "escape"])
def test_the_cli_answers_every_hostile_map_with_exit_2_and_one_error_line(
        write_file: WriteFile, text: str) -> None:
    assert_one_error_line(run("validate", write_file(text)))


def test_a_valid_map_still_validates(write_file: WriteFile) -> None:
    result = run("validate", write_file(GOOD))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ok ")


def test_the_library_limits_are_the_only_copy() -> None:
    import journeymap_api.services.maps as service

    assert not hasattr(service, "MAX_MAP_ELEMENTS")
    assert not hasattr(service, "_check_shape")
    with pytest.raises(JourneymapError):
        JourneyMap.from_text(BOMB, "x.yaml")


# ------------------------------------------------------------------ generated hostile maps
# Property tests: whatever the text or data, loading gives a JourneyMap or raises a
# JourneymapError; never another exception (a traceback, "internal error"), never a hang.
# derandomize: the same examples on every run, so a failure reproduces.
FUZZ = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SCALARS = (st.none() | st.booleans() | st.integers(-10**30, 10**30)
           | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=30)
           | st.sampled_from(["nps", "outcome", "role", "touchpoint", "factor", "yes", "<<",
                              "1", "", "~", "&a", "*a", "!!int", "2001-13-45"]))
NESTED = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=6)
    | st.dictionaries(st.text(max_size=12) | st.sampled_from(["id", "kind", "from", "to"]),
                      inner, max_size=6),
    max_leaves=60)
IDS = st.sampled_from(["nps", "a", "b", "A", "Marketing", "marketing", "yes"]) | SCALARS
NODE = st.fixed_dictionaries({}, optional={
    "id": IDS, "kind": st.sampled_from(["outcome", "touchpoint", "factor", "role"]) | SCALARS,
    "label": SCALARS, "column": SCALARS, "scale": st.lists(SCALARS, max_size=3) | SCALARS,
    "items": st.lists(SCALARS, max_size=3) | SCALARS, "stage": SCALARS,
    "description": SCALARS, "extra": SCALARS})
EDGE = (st.lists(IDS, min_size=0, max_size=3)
        | st.fixed_dictionaries({}, optional={"from": IDS, "to": IDS, "share": SCALARS,
                                              "expected": SCALARS}) | SCALARS)
MAP_SHAPED = st.fixed_dictionaries({}, optional={
    "outcome": IDS, "nodes": st.lists(NODE, max_size=6) | NESTED,
    "edges": st.lists(EDGE, max_size=6) | NESTED, "schema_version": SCALARS,
    "name": SCALARS, "description": SCALARS, "junk": NESTED})


def loads_or_refuses(load: Callable[[], JourneyMap]) -> JourneyMap | JourneymapError:
    try:
        return load()
    except JourneymapError as exc:
        refused = exc
    assert str(refused)
    assert not any(ord(c) < 32 and c != "\n" for c in str(refused))
    return refused


def _dump(data: Any, as_json: bool) -> str:
    if as_json:
        return json.dumps(data, allow_nan=True)
    import yaml

    return yaml.safe_dump(data, allow_unicode=True)


@pytest.mark.slow  # fuzzing
@FUZZ
@given(data=MAP_SHAPED)
def test_map_shaped_data_either_loads_or_raises_a_journeymap_error(data: dict[str, Any]) -> None:
    loads_or_refuses(lambda: JourneyMap.from_dict(data))


@pytest.mark.slow  # fuzzing
@FUZZ
@given(data=MAP_SHAPED | NESTED, as_json=st.booleans())
def test_random_structures_as_yaml_or_json_text_load_or_raise_a_journeymap_error(
        data: Any, as_json: bool) -> None:
    try:
        text = _dump(data, as_json)
    except (ValueError, TypeError):  # e.g. JSON keys that are not text
        return
    loads_or_refuses(lambda: JourneyMap.from_text(text, "fuzz.json" if as_json else "fuzz.yaml"))


@pytest.mark.slow  # fuzzing
@FUZZ
@given(text=st.text(max_size=400))
def test_random_unicode_text_loads_or_raises_a_journeymap_error(text: str) -> None:
    loads_or_refuses(lambda: JourneyMap.from_text(text))


@pytest.mark.slow  # fuzzing
@FUZZ
@given(raw=st.binary(max_size=400))
def test_random_bytes_in_a_file_load_or_raise_a_journeymap_error(raw: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "map.yaml"
        path.write_bytes(raw)
        loads_or_refuses(lambda: JourneyMap.from_yaml(path))


@pytest.mark.slow  # fuzzing
@FUZZ
@given(depth=st.integers(1, 3 * limits.MAX_MAP_DEPTH),
       opener=st.sampled_from(["[", "{a: ", "- ", '{"a": ', "? "]),
       closed=st.booleans())
def test_random_nesting_is_refused_beyond_the_limit_and_never_recurses(
        depth: int, opener: str, closed: bool) -> None:
    if opener == "- ":
        text = "".join(" " * (2 * i) + "-\n" for i in range(depth)) + " " * (2 * depth) + "x\n"
    else:
        closer = {"[": "]", "{a: ": "}", '{"a": ': "}", "? ": ""}[opener]
        text = opener * depth + "x" + (closer * depth if closed else "")
    outcome = loads_or_refuses(lambda: JourneyMap.from_text(text))
    assert isinstance(outcome, MapValidationError)
    if depth > limits.MAX_MAP_DEPTH + 1 and opener != "? ":  # '? ?' is a list as a key
        assert "nested too deeply" in str(outcome)


@pytest.mark.slow  # fuzzing
@FUZZ
@given(edits=st.lists(st.tuples(st.integers(0, len(GOOD)), st.integers(0, 3),
                                st.text(max_size=3)), min_size=1, max_size=6))
def test_a_valid_map_with_random_edits_loads_or_raises_a_journeymap_error(
        edits: list[tuple[int, int, str]]) -> None:
    text = GOOD
    for at, cut, insert in edits:
        at = min(at, len(text))
        text = text[:at] + insert + text[at + cut:]
    loads_or_refuses(lambda: JourneyMap.from_text(text))


def test_an_outcome_scale_that_is_not_a_list_is_a_map_error() -> None:
    for scale in ("true", "5", "{a: 1}"):  # once "'bool' object is not iterable", exit 1
        exc = refused(GOOD.replace("column: ltr}", f"column: ltr, scale: {scale}}}"))
        assert "its scale is always [0, 10]" in str(exc)


@pytest.mark.slow  # fuzzing through the command line
@settings(max_examples=60, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=MAP_SHAPED, as_json=st.booleans(), noise=st.text(max_size=20))
def test_the_cli_gives_exit_0_or_exit_2_with_one_error_line_for_any_map(
        data: dict[str, Any], as_json: bool, noise: str) -> None:
    import tempfile

    try:
        text = _dump(data, as_json)
    except (ValueError, TypeError):
        return
    with tempfile.TemporaryDirectory() as folder:
        for content in (text, noise + text):
            path = Path(folder) / ("map.json" if as_json else "map.yaml")
            path.write_text(content, encoding="utf-8", errors="surrogatepass")
            result = run("validate", path)
            if result.exit_code != 0:
                assert_one_error_line(result)
