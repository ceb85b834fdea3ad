"""The role card as a one-page A4 PDF, drawn from its HTML page by WeasyPrint.

The card's HTML page (:func:`~journeymap.render.card.role_card`) carries its own print
layout (``@page`` A4, the role's routes drawn in a column beside the text, the "not
for pay" box kept); WeasyPrint lays that page out with the print styles and writes the
PDF, so the PDF and the page a browser prints are one design.  WeasyPrint is pure
Python on top of Pango, which graphviz already brings on Debian; it is an optional
extra (``pip install 'journeymap[pdf]'``), measured against headless Chromium in
``docs/cli.md`` ("The card as PDF").  Without it, :func:`card_pdf` raises one
:class:`~journeymap.exceptions.RenderError` that says how to install it.

The page is self-contained (inline CSS and SVG, no scripts, no external references);
the converter is given a URL fetcher that refuses every protocol, so nothing the card
contains can make it read a file or open a connection (docs/security.md, "Rendering").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..exceptions import MapTooLargeError, RenderError
from ..formatting import count
from ..limits import DEFAULT_MIN_RESPONSES, MAX_PDF_CARD_ROUTES

if TYPE_CHECKING:
    from ..engines import FitResult

__all__ = ["PDF_INSTALL_HINT", "card_pdf", "check_card_pdf", "html_pdf", "pdf_available"]

#: What to install for PDF cards (the message of the error raised without it).
PDF_INSTALL_HINT = ("a PDF card needs WeasyPrint, which is not installed: install it with "
                    "pip install 'journeymap[pdf]' (it uses the Pango library that "
                    "graphviz already installs on Debian/Ubuntu), or write the card as "
                    "HTML (card.html) and print it from a browser.")


def _weasyprint() -> Any:
    """The ``weasyprint`` module, or :class:`RenderError` with the install hint.

    WeasyPrint loads Pango with cffi when it is imported: a missing Pango is an
    ``OSError`` there, a missing package an ``ImportError``; both get the same message.
    """
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        raise RenderError(PDF_INSTALL_HINT) from exc
    return weasyprint


def pdf_available() -> bool:
    """True when :func:`html_pdf` can run (WeasyPrint and Pango are installed)."""
    try:
        _weasyprint()
    except RenderError:
        return False
    return True


def html_pdf(page: str) -> bytes:
    """A self-contained HTML page as PDF, laid out with its print styles.

    Parameters
    ----------
    page
        The HTML page (inline styles and SVG; any external reference is refused, not
        fetched).

    Returns
    -------
    bytes
        The PDF document.

    Raises
    ------
    RenderError
        WeasyPrint (or the Pango library it loads) is not installed.
    """
    weasyprint = _weasyprint()
    refuse_all = weasyprint.urls.URLFetcher(allowed_protocols=())
    pdf: bytes = weasyprint.HTML(string=page, url_fetcher=refuse_all).write_pdf()
    return pdf


def check_card_pdf(result: FitResult, role: str) -> None:
    """Refuse, before any work, a card with more routes than a PDF card may list.

    Raises
    ------
    MapTooLargeError
        The role has more than :data:`~journeymap.limits.MAX_PDF_CARD_ROUTES` routes to
        the outcome (docs/security.md, "Rendering"); its HTML card has them all.
    UnknownNodeError, JourneymapError
        ``role`` is not a role of the fit.
    """
    routes = len(result.role(role).paths)
    if routes > MAX_PDF_CARD_ROUTES:
        raise MapTooLargeError(
            f"the card of '{role}' lists {count(routes)} routes, more than the "
            f"{count(MAX_PDF_CARD_ROUTES)} a PDF card may hold (docs/security.md, "
            "\"Rendering\"); write the card as HTML (card.html) instead.")


def card_pdf(result: FitResult, role: str, *, min_responses: int = DEFAULT_MIN_RESPONSES,
             lang: str | None = None, **card: Any) -> bytes:
    """One role's "my influence" card as a one-page A4 PDF.

    The content is the HTML card's (:func:`~journeymap.render.card.role_card`): the
    headline, the "not for pay or bonus" box, the touchpoints, the map with the role's
    routes, every route, how to read it and the survey's NPS, in the card's language.

    Parameters
    ----------
    result, role, min_responses, lang
        As for :func:`~journeymap.render.card.role_card`.
    **card
        More options of :func:`~journeymap.render.card.role_card` (``touchpoints``,
        ``map_version``, ``map_date``).

    Returns
    -------
    bytes
        The PDF document (one A4 page for the maps the card is designed for; text is
        real text, so it can be searched and read aloud).

    Raises
    ------
    RenderError
        WeasyPrint or graphviz's ``dot`` is not installed.
    MapTooLargeError
        The role has more routes than a PDF card may list (:func:`check_card_pdf`).
    UnknownNodeError, JourneymapError
        As for :func:`~journeymap.render.card.role_card`.
    """
    from .card import role_card

    _weasyprint()  # the install hint before any work
    check_card_pdf(result, role)
    return html_pdf(role_card(result, role, format="html", min_responses=min_responses,
                              lang=lang, **card))
