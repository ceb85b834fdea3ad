"""Rendered journey maps and the "my influence" role card.

:func:`to_dot` writes graphviz DOT source; :func:`render` and :func:`write` run
graphviz's ``dot`` (SVG, PNG, PDF); :func:`role_card` builds one role's card as a
self-contained HTML page or as Markdown.  graphviz is imported only when a map is
drawn, so importing this package stays light.
"""

from .card import role_card
from .graph import EdgeDetail, edge_details, focusable_edges, render, to_dot, write

__all__ = ["EdgeDetail", "edge_details", "focusable_edges", "render", "role_card", "to_dot",
           "write"]
