"""Consoles, the error-to-exit-code translation, escaping, JSON output and progress.

Shared by every command module of :mod:`journeymap.cli`.  Exit codes: 0 ok, 2 bad input
(one ``error:`` line on stderr, no traceback), 1 internal error, 130 interrupted.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer

from ..exceptions import JourneymapError

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_INTERNAL",
    "errors",
    "esc",
    "print_warnings",
    "progress",
    "stderr",
    "stdout",
    "write_json",
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


def esc(text: object) -> str:
    """User text (labels, paths, messages) made safe for rich markup: ``[a, b]`` stays."""
    from rich.markup import escape

    return escape(str(text))


@contextmanager
def errors() -> Iterator[None]:
    """Turn library errors into one message and exit code 2; anything else into 1."""
    try:
        yield
    except typer.Exit:
        raise
    except JourneymapError as exc:
        stderr().print(f"[bold red]error:[/] {esc(exc)}", markup=True, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except OSError as exc:  # a file or folder the user named cannot be read or written
        what = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
        stderr().print(f"[bold red]error:[/] {esc(what)}.", markup=True, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    except Exception as exc:  # an internal error: say so, without a traceback
        stderr().print(f"internal error ({type(exc).__name__}: {exc}). This is a bug in "
                       "journeymap; please report it with the command you ran.",
                       markup=False, soft_wrap=True)
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

