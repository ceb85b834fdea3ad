"""The command line never overwrites its own input, writes whole files, and writes CSV that
is safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import journeymap as jm
from journeymap.cli import app

RUNNER = CliRunner(env={"FORCE_COLOR": None, "TTY_COMPATIBLE": None, "NO_COLOR": "1"})
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(*args: str | Path) -> Result:
    return RUNNER.invoke(app, [str(a) for a in args])


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder (the working directory) with a copy of the example map and data."""
    shutil.copy(EXAMPLES / "kitchen_b2b.yaml", tmp_path / "map.yaml")
    shutil.copy(EXAMPLES / "kitchen_b2b.csv", tmp_path / "data.csv")
    (tmp_path / "result.json").write_text("{}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _link(work: Path, how: str, target: str, name: str) -> str:
    """An output name that reaches ``target`` another way."""
    if how == "same":
        return target
    if how == "dot-slash":
        return f"./{target}"
    if how == "absolute":
        return str(work / target)
    if how == "up-and-back":
        return f"../{work.name}/{target}"
    if how == "symlink":
        (work / name).symlink_to(work / target)
        return name
    if how == "hardlink":
        os.link(work / target, work / name)
        return name
    raise AssertionError(how)


CASES = [
    # (command before -o, input hit, how the output reaches it, output name for links)
    (["fit", "map.yaml", "data.csv"], "data.csv", "same", ""),
    (["fit", "map.yaml", "data.csv"], "map.yaml", "dot-slash", ""),
    (["fit", "map.yaml", "data.csv"], "data.csv", "symlink", "result-link.json"),
    (["export", "map.yaml"], "map.yaml", "same", ""),
    (["export", "map.yaml"], "map.yaml", "absolute", ""),
    (["followups", "installer", "map.yaml", "data.csv", "--no-consent-column"], "data.csv",
     "hardlink", "calls.csv"),
    (["followups", "installer", "map.yaml", "data.csv", "--no-consent-column"], "data.csv",
     "up-and-back", ""),
    (["render", "map.yaml"], "map.yaml", "symlink", "map.svg"),
    (["render", "map.yaml", "--result", "result.json"], "result.json", "hardlink", "map.dot"),
    (["card", "installer", "map.yaml", "data.csv"], "data.csv", "symlink", "card.html"),
    (["card", "installer", "map.yaml", "--result", "result.json"], "result.json", "hardlink",
     "card.md"),
]


@pytest.mark.parametrize(("command", "target", "how", "name"), CASES,
                         ids=[f"{c[0]}-{t}-{h}" for c, t, h, _ in CASES])
def test_an_output_that_is_an_input_is_refused_and_the_input_kept(
        work: Path, command: list[str], target: str, how: str, name: str) -> None:
    before = {p.name: p.read_bytes() for p in work.iterdir() if p.is_file()}
    output = _link(work, how, target, name)
    result = run(*command, "-o", output)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: the output ")
    assert "is an input of this command" in lines[0]
    assert "nothing was written" in lines[0]
    after = {p.name: p.read_bytes() for p in work.iterdir() if p.is_file()}
    assert after == {**before, **({name: before[target]} if name else {})}
    assert not [p for p in work.iterdir() if p.name.endswith(".tmp")]


def test_a_markdown_card_refuses_an_image_path_that_is_an_input(work: Path) -> None:
    shutil.copy(work / "result.json", work / "card.svg")
    before = (work / "card.svg").read_bytes()
    result = run("card", "installer", "map.yaml", "--result", "card.svg", "-o", "card.md")
    assert result.exit_code == 2
    assert "'card.svg' is an input" in result.stderr
    assert (work / "card.svg").read_bytes() == before
    assert not (work / "card.md").exists()


def test_an_output_beside_the_inputs_is_written_whole(work: Path) -> None:
    old = os.umask(0o022)
    try:
        result = run("export", "map.yaml", "-f", "dagitty", "-o", "map.dagitty")
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert (work / "map.dagitty").read_text(encoding="utf-8").startswith("dag")
    assert (work / "map.dagitty").stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in work.iterdir()) == ["data.csv", "map.dagitty", "map.yaml",
                                                       "result.json"]


def test_an_export_into_a_missing_folder_names_the_file_and_exits_2(work: Path) -> None:
    result = run("export", "map.yaml", "-o", "nowhere/map.lavaan")
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: No such file or directory: nowhere/map.lavaan."


def test_a_failed_write_keeps_the_old_output_and_leaves_no_temporary_file(
        work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (work / "out.lavaan").write_text("old\n", encoding="utf-8")

    def broken(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("journeymap.outputs.os.fsync", broken)
    result = run("export", "map.yaml", "-o", "out.lavaan")
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: No space left on device."
    assert (work / "out.lavaan").read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in work.iterdir()) == ["data.csv", "map.yaml", "out.lavaan",
                                                       "result.json"]


# ====================================================================== spreadsheet-safe CSV
PAYLOADS = ["=1+1", '+HYPERLINK("http://evil.example","x")', "@SUM(A1:A9)", "-2+3",
            "=cmd|' /C calc'!A0", "\tTAB", "\rCR"]


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, Path]:
    """The example with formula-like response ids and touchpoint labels."""
    m = jm.example_map().to_dict()
    formulas = PAYLOADS[:5]  # labels may not hold a tab or a carriage return at all
    for i, node in enumerate(n for n in m["nodes"] if n["kind"] == "touchpoint"):
        node["label"] = f"{formulas[i % len(formulas)]} {i}"
    map_path = tmp_path / "hostile.yaml"
    jm.JourneyMap.from_dict(m).to_yaml(map_path)
    frame = jm.example_data(n=1500, seed=5).data
    frame["response_id"] = [f"{PAYLOADS[i % len(PAYLOADS)]}#{i}" for i in range(len(frame))]
    data_path = tmp_path / "hostile.csv"
    frame.to_csv(data_path, index=False)
    return map_path, data_path


def _safe(value: object) -> str:
    """Independent statement of the rule for these payloads (none is a plain number)."""
    text = str(value)
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t", "\r")) else text


def _cells(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_followups_csv_neutralises_formula_like_ids_and_labels(
        hostile: tuple[Path, Path], tmp_path: Path) -> None:
    map_path, data_path = hostile
    lib = jm.JourneyMap.from_yaml(map_path)
    from journeymap.analysis.followups import followups

    expected = followups(lib, data_path, "installer", consent_column=None).rows
    assert len(expected) > 10
    out = tmp_path / "calls.csv"
    result = run("followups", "installer", map_path, data_path, "--no-consent-column",
                 "-o", out)
    assert result.exit_code == 0, result.output
    streamed = run("followups", "installer", map_path, data_path, "--no-consent-column")
    assert streamed.exit_code == 0
    for text in (out.read_text(encoding="utf-8"), streamed.stdout):
        rows = _cells(text)
        assert [r["response_id"] for r in rows] == [_safe(v) for v in expected["response_id"]]
        assert [r["talk_about"] for r in rows] == [_safe(v) for v in expected["talk_about"]]
        assert sum(r["response_id"].startswith(("'=", "'+", "'-", "'@")) for r in rows) \
            >= len(rows) / 2
        assert any(r["talk_about"].startswith("'") for r in rows)
        assert [float(r["ltr"]) for r in rows] == [float(v) for v in expected["ltr"]]
