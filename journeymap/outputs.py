"""Files journeymap writes: CSV that is safe to open in a spreadsheet.

Every CSV the library, the command line and the HTTP API produce goes through
:func:`csv_text`, which passes each text cell through :func:`spreadsheet_safe`.
The rule is documented in ``docs/security.md`` ("Files written").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["FORMULA_STARTS", "csv_text", "spreadsheet_safe"]

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


def csv_text(rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
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
