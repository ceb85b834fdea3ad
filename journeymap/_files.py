"""Input files are regular files: never a pipe, a device or a folder; never read past a cap.

A path given as a map or survey may name ``/dev/zero`` (endless), ``/dev/urandom``
(endless and binary), a FIFO (blocks until someone writes) or a folder.  Their
``st_size`` is 0 or meaningless, so a size check on ``stat`` alone lets them through.
These helpers look at the file type with :func:`os.stat` before opening anything,
and read at most a given number of bytes whatever the file claims its size is
(docs/security.md, "Map files" and "Survey data").
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = ["read_capped", "regular_file_problem"]


def _kind_of(mode: int) -> str | None:
    """What a non-regular file is, in words; ``None`` for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device (like /dev/zero)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def regular_file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be read as an input file, or ``None`` if it is a regular file.

    Looks with :func:`os.stat` (following links) and never opens the file, so a pipe
    or a device is refused without blocking on it or reading from it.
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "no such file"
    except NotADirectoryError:
        return "no such file (a part of the path is not a folder)"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    kind = _kind_of(mode)
    if kind is None:
        return None
    return f"is {kind}" if kind.startswith("not") else f"is {kind}, not a regular file"


def read_capped(path: Path, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of a regular file (never trusting its stated size).

    Opened without blocking (a file swapped for a pipe after the check cannot hang
    the reader) and checked again on the open descriptor.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as fh:
        kind = _kind_of(os.fstat(fd).st_mode)
        if kind is not None:
            raise OSError(f"is {kind}, not a regular file")
        return fh.read(limit + 1)
