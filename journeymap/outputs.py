"""Files journeymap writes: never over an input, never half-written, safe in a spreadsheet.

* :func:`refuse_inputs` refuses an output path that is one of the command's input files
  (the same path spelled differently, a symbolic link or a hard link to it);
* :func:`write_atomic` writes a file whole or not at all: to a temporary file in the same
  folder, flushed to disk, then renamed over the target, so a crash or an error leaves the
  old file as it was;
* :func:`csv_text` writes CSV whose text cells pass through :func:`spreadsheet_safe`.

The rules are documented in ``docs/security.md`` ("Files written").
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import secrets
import stat
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .exceptions import DataValidationError
from .limits import OUTPUT_FILE_MODE

__all__ = ["FORMULA_STARTS", "csv_text", "refuse_inputs", "same_file", "spreadsheet_safe",
           "write_atomic"]


# ------------------------------------------------------------------ inputs and outputs
def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """True when two paths name the same file.

    When both exist, the file system decides (same device and inode: symbolic links, hard
    links, ``./x`` and ``x``, a case-insensitive file system); otherwise the absolute
    paths with symbolic links resolved are compared.
    """
    pa, pb = Path(a), Path(b)
    try:
        if pa.exists() and pb.exists():
            return os.path.samefile(pa, pb)
    except OSError:  # unreadable metadata: fall back to the names
        pass
    return pa.resolve() == pb.resolve()


def refuse_inputs(output: str | os.PathLike[str] | None,
                  *inputs: str | os.PathLike[str] | None) -> None:
    """Refuse to write ``output`` when it is one of ``inputs`` (``None`` entries skipped).

    Call it before any work, so that nothing is written.

    Raises
    ------
    DataValidationError
        ``output`` names the same file as an input; the message names both.
    """
    if output is None:
        return
    for source in inputs:
        if source is not None and same_file(output, source):
            same = "" if Path(output) == Path(source) else f" (as '{source}')"
            raise DataValidationError(
                f"the output '{output}' is an input of this command{same}; writing it would "
                "destroy the input. Choose another output file (nothing was written).")


def write_atomic(path: str | os.PathLike[str], data: str | bytes, *,
                 mode: int | None = None, encoding: str = "utf-8") -> Path:
    """Write a whole file, or nothing: a temporary file in the same folder, renamed.

    The data go to a new temporary file next to the target (``.<name>.<random>.tmp``),
    are flushed to disk (``fsync``) and replace the target in one rename
    (``os.replace``).  On any error (or an interrupt) the temporary file is removed and
    the target is left as it was.  A symbolic link is followed: the file it points to is
    replaced and the link stays.

    Parameters
    ----------
    path
        The file to write.
    data
        Text (encoded with ``encoding``) or bytes.
    mode
        Permission bits of the written file, exactly.  Default: a file that exists keeps
        its bits; a new file gets :data:`journeymap.limits.OUTPUT_FILE_MODE` (``0o644``)
        narrowed by the process umask, as ``open`` would give it, so an output is never
        more readable than the user's umask allows.
    encoding
        The encoding of text data.

    Returns
    -------
    Path
        ``path`` as given.
    """
    target = Path(path)
    real = Path(os.path.realpath(target))
    payload = data.encode(encoding) if isinstance(data, str) else data
    exact = mode
    if exact is None:
        with contextlib.suppress(OSError):
            exact = stat.S_IMODE(os.stat(real).st_mode)
    fd, tmp = _new_temporary(real, target, OUTPUT_FILE_MODE if mode is None else mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            if exact is not None:
                os.fchmod(handle.fileno(), exact)
            os.fsync(handle.fileno())
        os.replace(tmp, real)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return target


def _new_temporary(real: Path, target: Path, mode: int) -> tuple[int, str]:
    """A new file beside ``real``, created with ``mode`` (the kernel applies the umask)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) \
        | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        tmp = str(real.parent / f".{real.name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, flags, mode), tmp
        except FileExistsError:
            continue
        except OSError as exc:  # name the file the user asked for, not the temporary one
            raise type(exc)(exc.errno, exc.strerror, str(target)) from None
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(target))


# ------------------------------------------------------------------ spreadsheet-safe CSV

#: A text cell starting with one of these is read as a formula by spreadsheet programs
#: (OWASP, "CSV Injection"): ``=``, ``+``, ``-``, ``@``, tab and carriage return.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# A plain decimal number written as text ("-2", "+1.5", "-3e4") is read as that number,
# never as a formula, so it is kept as it is.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def spreadsheet_safe(cell: Any) -> Any:
    """A CSV cell that a spreadsheet program shows as text instead of running it.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
    leading apostrophe (``'=1+1``), as OWASP recommends against formula injection.
    Numbers are not text: a value of a numeric type (``-2.5``) and text that is a plain
    decimal number (``"-2"``, ``"+1.5e3"``) are returned unchanged, so negative
    effects stay numeric.

    Parameters
    ----------
    cell
        Any value about to be written to a CSV cell.

    Returns
    -------
    object
        ``cell`` itself, or for formula-like text the text with a leading ``'``.

    Examples
    --------
    >>> spreadsheet_safe("=1+1")
    "'=1+1"
    >>> spreadsheet_safe("-2+3")
    "'-2+3"
    >>> spreadsheet_safe(-2.5), spreadsheet_safe("-2.5"), spreadsheet_safe("Delivery")
    (-2.5, '-2.5', 'Delivery')
    """
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS) \
            and _PLAIN_NUMBER.fullmatch(cell) is None:
        return "'" + cell
    return cell


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN, NaT
    except TypeError:  # pandas.NA refuses a truth value
        return True


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return spreadsheet_safe(value)
    if isinstance(value, list | tuple | dict):
        return spreadsheet_safe(json.dumps(value, ensure_ascii=False))
    if _is_missing(value):
        return ""
    return value


def csv_text(rows: Iterable[Mapping[Any, Any]], columns: Sequence[str] | None = None) -> str:
    """CSV text (comma-separated, ``\\n`` line ends, a header line) safe for spreadsheets.

    Parameters
    ----------
    rows
        One mapping per row.
    columns
        Column order; default: the keys of the first row.  Keys a row lacks are blank.

    Returns
    -------
    str
        The header and one line per row.  Missing values (None, NaN) are blank, lists
        and dicts are written as JSON, text cells pass through :func:`spreadsheet_safe`
        and numbers are written as numbers.  No rows and no columns give ``""``.

    Examples
    --------
    >>> print(csv_text([{"label": "=1+1", "effect": -0.5}]), end="")
    label,effect
    '=1+1,-0.5
    """
    rows = list(rows)
    names = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    if not names:
        return ""
    lines = [_line([_cell(c) for c in names])]
    lines += [_line([_cell(row.get(c)) for c in names]) for row in rows]
    return "".join(lines)


def _field(value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    # Python's csv module (3.11) leaves a lone carriage return unquoted when lines end in
    # "\n", and a reader then splits the row; so quoting is done here.
    if any(ch in text for ch in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _line(cells: list[Any]) -> str:
    fields = [_field(c) for c in cells]
    if fields == [""]:  # a lone empty field, quoted so that the line is not blank
        fields = ['""']
    return ",".join(fields) + "\n"
