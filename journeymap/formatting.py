"""Numbers formatted for people: one set of rules for the command line, the drawn map,
the role card and the web pages, so that they all print the same number the same way.

Formatting only; nothing here computes a statistic.  The conventions:

* a true minus sign (``−``, U+2212), and an explicit ``+`` where the sign matters
  (:func:`signed`);
* a value that rounds to zero at the digits shown is written without a sign (``0.0``,
  never ``−0.0`` or ``+0.0``), so ``-0.0``, ``-0.04`` and ``0.04`` all read ``0.0``;
* rounding is Python's (correctly rounded from the binary value, so ``0.25`` → ``0.2``
  and ``0.35`` → ``0.3`` at one digit, because ``0.35`` is stored as 0.34999…);
* a missing value (``None``, NaN, pandas' NA) is an en dash ``–``;
* the decimal mark and the thousands separator follow the language in force
  (:func:`journeymap.i18n.use_language`): ``+17.4`` and ``1,960`` in English,
  ``+17,4`` and ``1 960`` (a no-break space) in Swedish, Finnish and Bokmål,
  ``1.960`` in Danish.

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

from .i18n import DEFAULT_LANGUAGE, current_language, decimal_symbols
from .i18n import gettext as _

__all__ = ["MINUS", "MISSING", "ci", "count", "fixed", "is_missing", "localize", "money",
           "percent", "signed"]

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
    return localize(format(value, f"{spec}.{digits}f").replace("-", MINUS))


def localize(text: str) -> str:
    """A number written the English way (``1,960.5``) with the decimal mark and the
    thousands separator of the language in force (``1 960,5`` in Swedish)."""
    if current_language() == DEFAULT_LANGUAGE:
        return text
    point, group = decimal_symbols()
    table: dict[str, str | int | None] = {".": point, ",": group}
    return text.translate(str.maketrans(table))


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
    return _("%(low)s to %(high)s") % {"low": signed(lo, digits), "high": signed(hi, digits)}


def fixed(x: Any, digits: int = 2) -> str:
    """``1.25`` / ``−1.25`` (no ``+``); ``0.00`` when it rounds to zero; ``–`` when missing."""
    if is_missing(x):
        return MISSING
    return _number(x, "", digits)


def count(n: Any) -> str:
    """A count with thousands separated: ``1,960``; ``–`` when missing."""
    if is_missing(n):
        return MISSING
    return localize(f"{int(n):,}")


def money(x: Any) -> str:
    """An amount in whole units with thousands separated: ``12,346``; ``–`` when missing."""
    if is_missing(x):
        return MISSING
    return _number(x, ",", 0)


def percent(x: Any) -> str:
    """A share as a whole percentage: ``42%`` in English, ``42 %`` (no-break space) in
    Swedish, Danish, Finnish and Bokmål; ``–`` when missing."""
    if is_missing(x):
        return MISSING
    text = _number(100 * float(x), "", 0)
    return text + "%" if current_language() == DEFAULT_LANGUAGE else text + "\u00a0%"
