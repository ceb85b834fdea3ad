"""Consoles, the error-to-exit-code translation, escaping, JSON output and progress.

Shared by every command module of :mod:`journeymap.cli`.  Exit codes: 0 ok, 2 bad input
(one ``error:`` line on stderr, no traceback), 1 internal error, 130 interrupted.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from typer.core import TyperGroup

from ..exceptions import JourneymapError

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERNAL",
    "OneLineErrors",
    "errors",
    "esc",
    "print_warnings",
    "progress",
    "stderr",
    "stdout",
    "write_json",
    "write_text",
]

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1


def stdout() -> Console:
    """The console for results (wide enough for the tables when not a terminal)."""
    from rich.console import Console

    console = Console(highlight=False)
    if not console.is_terminal:  # files and pipes get room for the tables
        console = Console(highlight=False, width=160)
    return console


def stderr() -> Console:
    """The console for messages."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


# C0 controls but line feed and tab, DEL, C1 controls (ESC starts the terminal's escape
# sequences), and the Unicode marks that reorder or hide text (bidi overrides, isolates).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def write_text(text: str) -> None:
    """Text output (CSV, an export) on stdout; on a terminal its control characters are
    shown as escapes like :func:`esc` does, while a pipe or file gets the text as it is."""
    if sys.stdout.isatty():
        text = _CONTROL.sub(_visible, text)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


def esc(text: object) -> str:
    """User text (labels, paths, messages) made safe to print.

    Control characters (an ANSI escape, a carriage return, a bell …) are shown as
    ``\\x1b``-style escapes instead of reaching the terminal, and rich markup is escaped:
    ``[a, b]`` stays as it is.
    """
    from rich.markup import escape

    return escape(_CONTROL.sub(_visible, str(text)))


def fail(message: str) -> NoReturn:
    """Print one ``error:`` line (``message`` is escaped) and exit with code 2."""
    stderr().print(f"[bold red]error:[/] {esc(message)}", markup=True, soft_wrap=True)
    raise typer.Exit(EXIT_BAD_INPUT)


class OneLineErrors(TyperGroup):
    """The command group: a usage error (an option out of range, a value that is not a
    number, a missing option, an unknown command) is one ``error:`` line and exit code 2
    instead of click's usage box."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        with _usage_errors():
            return super().parse_args(ctx, args)

    def invoke(self, ctx: Any) -> Any:
        with _usage_errors():
            return super().invoke(ctx)


#: click's ``UsageError`` (the base of ``typer.BadParameter``): taken from typer, which may
#: carry its own copy of click.
_UsageError: type[Exception] = typer.BadParameter.__mro__[1]


@contextmanager
def _usage_errors() -> Iterator[None]:
    try:
        yield
    except _UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # no arguments: the help is the answer
            raise
        message = str(getattr(exc, "format_message", exc.__str__)()).rstrip(".")
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx is not None else "journeymap"
        fail(f"{message}. See '{where} --help'.")


@contextmanager
def errors() -> Iterator[None]:
    """Turn library errors into one message and exit code 2; anything else into 1."""
    try:
        yield
    except typer.Exit:
        raise
    except JourneymapError as exc:
        fail(str(exc))
    except OSError as exc:  # a file or folder the user named cannot be read or written
        what = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
        fail(f"{what}.")
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except Exception as exc:  # an internal error: say so, without a traceback
        stderr().print(f"internal error ({type(exc).__name__}: {esc(exc)}). This is a bug in "
                       "journeymap; please report it with the command you ran.",
                       soft_wrap=True)
        raise typer.Exit(EXIT_INTERNAL) from None


@contextmanager
def progress(quiet: bool) -> Iterator[Callable[[int, int | None], None] | None]:
    """A Rich progress bar on stderr (rows read, rate, time left) when it is a terminal."""
    from rich.console import Console

    console = Console(stderr=True)
    if quiet or not console.is_terminal:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn("reading responses"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                  TimeRemainingColumn(), console=console, transient=True) as bar:
        task = bar.add_task("read", total=None, rate="")
        start = time.perf_counter()

        def update(rows: int, total: int | None) -> None:
            rate = rows / max(time.perf_counter() - start, 1e-9)
            bar.update(task, completed=rows, total=total, rate=f"{rate:,.0f} rows/s")

        yield update


def write_json(obj: Any) -> None:
    """JSON on stdout (UTF-8 text, indented, no NaN)."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, allow_nan=False) + "\n")


def print_warnings(console: Console, warnings: Iterable[object]) -> None:
    """One ``warning:`` line per warning."""
    for w in warnings:
        console.print(f"[yellow]warning:[/] {esc(w)}", soft_wrap=True)

