"""Rendered journey maps and the "my influence" role card.

:func:`to_dot` writes graphviz DOT source; :func:`render` and :func:`write` run
graphviz's ``dot`` (SVG, PNG, PDF); :func:`role_card` builds one role's card as a
self-contained HTML page or as Markdown, and :func:`card_pdf` as a one-page A4 PDF
(WeasyPrint, an optional extra).  graphviz and WeasyPrint are used only when a map or
a PDF is drawn, so importing this package stays light.
"""

from .card import role_card
from .graph import EdgeDetail, edge_details, focusable_edges, render, to_dot, write
from .pdf import card_pdf

__all__ = ["EdgeDetail", "card_pdf", "edge_details", "focusable_edges", "render", "role_card",
           "to_dot", "write"]
