"""Numbers formatted for people: one set of rules for the command line, the drawn map,
the role card and the web pages, so that they all print the same number the same way.

Formatting only; nothing here computes a statistic.  The conventions:

* a true minus sign (``−``, U+2212), and an explicit ``+`` where the sign matters
  (:func:`signed`);
* a value that rounds to zero at the digits shown is written without a sign (``0.0``,
  never ``−0.0`` or ``+0.0``), so ``-0.0``, ``-0.04`` and ``0.04`` all read ``0.0``;
* rounding is Python's (correctly rounded from the binary value, so ``0.25`` → ``0.2``
  and ``0.35`` → ``0.3`` at one digit, because ``0.35`` is stored as 0.34999…);
* a missing value (``None``, NaN, pandas' NA) is an en dash ``–``.

Examples
--------
>>> signed(1.234), signed(-1.25, 2), signed(-0.0), signed(None)
('+1.2', '−1.25', '0.0', '–')
>>> ci((-3.14, 2.0))
'−3.1 to +2.0'
>>> fixed(0.5), count(1960), money(12345.6)
('0.50', '1,960', '12,346')
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

__all__ = ["MINUS", "MISSING", "ci", "count", "fixed", "is_missing", "money", "signed"]

#: The minus sign of every formatted number (U+2212).
MINUS = "\u2212"
#: What a missing value is shown as (an en dash, U+2013).
MISSING = "\u2013"


def is_missing(x: Any) -> bool:
    """True for ``None``, NaN and pandas' ``NA`` (nothing to show)."""
    if x is None:
        return True
    try:
        return bool(x != x)
    except TypeError:  # pandas.NA has no truth value
        return True


def _number(x: Any, spec: str, digits: int) -> str:
    value = float(x)
    if round(value, digits) == 0:  # no "−0.0": a value that rounds to zero has no sign
        value = 0.0
        spec = spec.replace("+", "")
    return format(value, f"{spec}.{digits}f").replace("-", MINUS)


def signed(x: Any, digits: int = 1) -> str:
    """``+1.2`` / ``−1.2``; ``0.0`` when the value rounds to zero; ``–`` when missing.

    Parameters
    ----------
    x
        A number (int, float, NumPy scalar) or a missing value.
    digits
        Digits after the decimal point.
    """
    if is_missing(x):
        return MISSING
    return _number(x, "+", digits)


def ci(interval: Iterable[Any] | None, digits: int = 1) -> str:
    """A 95 % interval as ``−3.1 to +2.0``; ``–`` when there is none."""
    if interval is None:
        return MISSING
    lo, hi = interval
    return f"{signed(lo, digits)} to {signed(hi, digits)}"


def fixed(x: Any, digits: int = 2) -> str:
    """``1.25`` / ``−1.25`` (no ``+``); ``0.00`` when it rounds to zero; ``–`` when missing."""
    if is_missing(x):
        return MISSING
    return _number(x, "", digits)


def count(n: Any) -> str:
    """A count with thousands separated: ``1,960``; ``–`` when missing."""
    if is_missing(n):
        return MISSING
    return f"{int(n):,}"


def money(x: Any) -> str:
    """An amount in whole units with thousands separated: ``12,346``; ``–`` when missing."""
    if is_missing(x):
        return MISSING
    return _number(x, ",", 0)
