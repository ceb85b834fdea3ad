"""A drawn map inside a page: arrows reachable by tap and keyboard, text of a readable size.

The pages show graphviz's SVG inline.  :func:`map_markup` makes every arrow a keyboard
stop with a name (the library's :func:`~journeymap.render.graph.focusable_edges`), with a
wider invisible stroke to tap, and sizes the drawing so that its smallest text is shown at
least :data:`MIN_TEXT_PX` (a phone) or :data:`PRESENT_TEXT_PX` (presentation mode on a wall
screen): the drawing's ``font-size`` × the scale it is shown at (shown width ÷ ``viewBox``
width).  A drawing wider than the screen then scrolls inside its container, which the
templates make focusable and name (``tabindex="0"``, ``role="group"``, ``aria-label``).
``app.js`` shows an arrow's words (the list under the map, ``id="about-<arrow id>"``) in
the details panel on a click, a tap, Enter or Space.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from journeymap.render.card import inline_svg
from journeymap.render.graph import EdgeDetail, focusable_edges

__all__ = ["MIN_TEXT_PX", "PRESENT_FONT_SCALE", "PRESENT_TEXT_PX", "map_markup", "smallest_text"]

#: Smallest text of a drawing on a page, in CSS pixels (a phone at 360 px).
MIN_TEXT_PX = 12.0
#: Smallest text of a drawing in presentation mode (a 1080p wall screen).
PRESENT_TEXT_PX = 24.0
#: Font scale of a whole map drawn for presentation mode: its boxes grow with their text and
#: the spacing does not, so the map shown at PRESENT_TEXT_PX is about 20 % narrower than at 1.
PRESENT_FONT_SCALE = 2.0
#: Largest size a drawing's smallest text is shown at on a wide screen (not presenting):
#: the phone view is narrow and would otherwise be blown up to the page's width.
MAX_TEXT_PX = 18.0

_VIEW_BOX = re.compile(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"')
_FONT_SIZE = re.compile(r'font-size="([\d.]+)"')
# the stroke of an arrow (graphviz draws nothing else with fill="none")
_ARROW_PATH = re.compile(r'<path fill="none" stroke="[^"]*"[^>]*? d="([^"]*)"/>')


def smallest_text(svg: str) -> float:
    """The smallest ``font-size`` of a graphviz SVG, in the drawing's units (0 if none)."""
    return min((float(x) for x in _FONT_SIZE.findall(svg)), default=0.0)


def map_markup(svg: str, details: Sequence[EdgeDetail], label: str, *,
               present: bool = False, phone: bool = True) -> str:
    """``svg`` (graphviz's text) as an inline ``<svg>`` for a page.

    Every arrow in ``details`` is a named keyboard stop (``role="button"``), the drawing a
    ``role="group"`` named ``label``, and its size set by an inline style: when
    presenting, exactly wide enough that its smallest text is :data:`PRESENT_TEXT_PX` on
    screen; otherwise (``phone``, a drawing made for one: the role's routes) at least wide
    enough for :data:`MIN_TEXT_PX`, filling its container up to :data:`MAX_TEXT_PX`.
    With ``phone=False`` and not presenting the page's CSS sizes it.
    """
    found = _VIEW_BOX.search(svg)
    smallest = smallest_text(svg)
    markup = inline_svg(focusable_edges(svg, details).encode("utf-8"), label)
    markup = markup.replace(' role="img" ', ' role="group" ', 1)
    # a wider, invisible copy of each arrow's line: something a finger can hit
    markup = _ARROW_PATH.sub(lambda m: m[0] + f'<path class="hit" fill="none" '
                             f'stroke="transparent" stroke-width="18" d="{m[1]}"/>', markup)
    if found is None or smallest <= 0 or not (present or phone):
        return markup
    width = float(found[1])
    if present:  # whole pixels, rounded up: never a hair below the size asked for
        style = f"width:{math.ceil(width * PRESENT_TEXT_PX / smallest)}px;max-width:none"
    else:
        style = (f"width:100%;min-width:{math.ceil(width * MIN_TEXT_PX / smallest)}px;"
                 f"max-width:{math.floor(width * MAX_TEXT_PX / smallest)}px")
    return f'<svg style="{style};height:auto"' + markup.removeprefix("<svg")
