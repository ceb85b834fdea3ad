"""Text of the pages that must stay on one line: a percentage with its number.

A browser may break a line at an ordinary space, so "95 %" on a phone can end a line
with "95" and start the next with "%".  :func:`keep_percent` joins every number to a
following "%" with a no-break space (U+00A0); the pages use it everywhere they write a
percentage: the templates' ``_``/``ngettext`` (:mod:`api.web._core` installs them
through it), the ``nobreak`` filter on text the library wrote (the role card, an arrow's
words, warnings) and :data:`CI95`, the "95 %" the templates write themselves.
Formatting only: nothing here changes a number.
"""

from __future__ import annotations

import re
from typing import TypeVar

from markupsafe import Markup

__all__ = ["CI95", "NBSP", "keep_percent"]

#: The no-break space (U+00A0).
NBSP = "\u00a0"
#: A digit, ordinary spaces, then "%": the spaces a line must not break at.
_PERCENT = re.compile(r"(\d) +%")

T = TypeVar("T")


def keep_percent(text: T) -> T:
    """``text`` with every "95 %" written "95\u00a0%" (a no-break space); anything that
    is not text comes back unchanged, and HTML marked safe stays safe.

    >>> keep_percent("95 %: +1.0 to +2.0") == "95" + NBSP + "%: +1.0 to +2.0"
    True
    >>> keep_percent(17.4)
    17.4
    """
    if isinstance(text, Markup):
        return Markup(_PERCENT.sub(rf"\1{NBSP}%", str(text)))  # type: ignore[return-value]
    if isinstance(text, str):
        return _PERCENT.sub(rf"\1{NBSP}%", text)  # type: ignore[return-value]
    return text


#: "95 %" as the pages write it (the label of every 95 % interval).
CI95 = keep_percent("95 %")
