"""A mistyped command line is one ``error:`` line with exit code 2, and text the user
provided reaches the terminal without its control characters or rich markup acting."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from journeymap.cli import app
from journeymap.cli._console import esc
from journeymap.model import JourneyMap

RUNNER = CliRunner(env={"FORCE_COLOR": None, "TTY_COMPATIBLE": None, "NO_COLOR": "1"})
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
MAP = str(EXAMPLES / "kitchen_b2b.yaml")
DATA = str(EXAMPLES / "kitchen_b2b.csv")


def run(*args: str) -> Result:
    return RUNNER.invoke(app, list(args))


def one_error_line(result: Result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert "Traceback" not in result.output
    return lines[0]


@pytest.mark.parametrize(("args", "option", "command"), [
    (["fit", MAP, DATA, "--chunk-rows", "0"], "--chunk-rows", "fit"),
    (["fit", MAP, DATA, "--chunk-rows", "999999999999"], "--chunk-rows", "fit"),
    (["fit", MAP, DATA, "--bootstrap", "-1"], "--bootstrap", "fit"),
    (["fit", MAP, DATA, "--min-responses", "many"], "--min-responses", "fit"),
    (["followups", "installer", MAP, DATA, "--low", "0"], "--low", "followups"),
    (["value", MAP, DATA, "--low", "-3"], "--low", "value"),
    (["power", "--margin", "wide"], "--margin", "power"),
    (["check", MAP, DATA, "--draws", "two"], "--draws", "check"),
])
def test_an_invalid_option_value_is_one_error_line(args: list[str], option: str,
                                                   command: str) -> None:
    line = one_error_line(run(*args))
    assert line.startswith(f"error: Invalid value for '{option}': ")
    assert line.endswith(f". See 'journeymap {command} --help'.")


@pytest.mark.parametrize(("args", "expected"), [
    (["fit", MAP], "error: Missing argument 'data_file'. See 'journeymap fit --help'."),
    (["what-if", MAP, DATA], "error: Missing option '--shift'. See 'journeymap what-if --help'."),
    (["fit", MAP, DATA, "--nope"],
     "error: No such option: --nope (Possible options: --se, --to). See 'journeymap fit --help'."),
    (["frobnicate"], "error: No such command 'frobnicate'. See 'journeymap --help'."),
    (["--nope"], "error: No such option: --nope. See 'journeymap --help'."),
])
def test_a_mistyped_command_line_is_one_error_line(args: list[str], expected: str) -> None:
    assert one_error_line(run(*args)) == expected


def test_no_arguments_still_show_the_help() -> None:
    result = run()
    assert "Usage: journeymap" in result.output
    assert "validate" in result.output
    assert "error:" not in result.output


# ====================================================================== user text
def test_an_ansi_escape_in_an_id_is_shown_not_run() -> None:
    line = one_error_line(run("what-if", MAP, DATA, "--shift", "\x1b[2J\x1b]0;owned\x07x=1"))
    assert "\x1b" not in line
    assert "\x07" not in line
    assert "'\\x1b[2J\\x1b]0;owned\\x07x'" in line


def test_control_characters_and_markup_in_a_file_name_are_shown_as_written(
        tmp_path: Path) -> None:
    name = str(tmp_path / "[bold]map\r\u202e.yaml")
    line = one_error_line(run("validate", name))
    assert "\r" not in line
    assert "\u202e" not in line
    assert "[bold]map\\x0d\\u202e.yaml" in line


def test_an_internal_error_message_is_escaped_too(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(path: Path) -> JourneyMap:
        raise RuntimeError("\x1b[31mboom [red]")

    monkeypatch.setattr("journeymap.cli.maps.load_map", broken)
    result = run("validate", MAP)
    assert result.exit_code == 1
    assert result.stderr.startswith("internal error (RuntimeError: \\x1b[31mboom [red]). ")


@pytest.mark.parametrize(("text", "shown"), [
    ("plain label", "plain label"),
    ("line one\nline two\tend", "line one\nline two\tend"),
    ("\x1b[31mred", "\\x1b[31mred"),
    ("bell\x07 del\x7f c1\x9b", "bell\\x07 del\\x7f c1\\x9b"),
    ("\u202eevil\u2066", "\\u202eevil\\u2066"),
])
def test_esc_shows_control_characters_as_escapes(text: str, shown: str) -> None:
    assert esc(text) == shown


def test_esc_keeps_rich_markup_as_text() -> None:
    from rich.console import Console

    out = io.StringIO()
    Console(file=out, width=200, color_system=None).print(esc("[bold]x[/bold] [a, b]"))
    assert out.getvalue() == "[bold]x[/bold] [a, b]\n"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_csv_and_exports_on_a_terminal_show_control_characters_as_escapes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from journeymap.cli._console import write_text

    terminal, pipe = _Terminal(), io.StringIO()
    monkeypatch.setattr("sys.stdout", terminal)
    write_text('id\n"\x1b[2J1\r"\n')
    monkeypatch.setattr("sys.stdout", pipe)
    write_text('id\n"\x1b[2J1\r"')
    assert terminal.getvalue() == 'id\n"\\x1b[2J1\\x0d"\n'
    assert pipe.getvalue() == 'id\n"\x1b[2J1\r"\n'  # data through a pipe stay as they are


@pytest.mark.parametrize("alpha", ["0", "1", "1.5"])
def test_power_names_alpha_when_alpha_is_out_of_range(alpha: str) -> None:
    line = one_error_line(run("power", "--alpha", alpha))
    assert line == f"error: alpha must be between 0 and 1, not {float(alpha):g}."
