"""The "my influence" card: one role's influence on NPS on one page, in plain words.

The card is for employees, not statisticians.  It says how much NPS moves when
the role does one scale point better on what it works on, by which routes, which
of its touchpoints move NPS most, what customers said about them, how sure the data
are, and — in a
highlighted box — that NPS is the result of the whole journey and never a basis
for individual pay (:data:`~journeymap.analysis.roles.NOT_FOR_PAY`).

Every number comes from the :class:`~journeymap.engines.FitResult` records or from
:func:`~journeymap.analysis.role_influence`; this module only formats them.

Examples
--------
>>> import journeymap as jm
>>> r = jm.fit(jm.example_map(), jm.example_data(n=600, seed=5).data)
>>> md = role_card(r, "billing", format="md")
>>> md.splitlines()[0]
'# Fakturering — my influence on NPS'
"""

from __future__ import annotations

import datetime
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._common_cause import role_common_cause_note
from ..exceptions import JourneymapError, MapTooLargeError
from ..formatting import ci as _ci
from ..formatting import count as _count
from ..formatting import fixed as _fixed
from ..formatting import percent as _percent
from ..formatting import signed as _signed
from ..i18n import N_, current_language, use_language
from ..i18n import gettext as _
from ..limits import DEFAULT_MIN_RESPONSES, check_min_responses
from ._said import Said, assumptions_line, said, said_html, said_md
from .graph import _number, _share_text

if TYPE_CHECKING:
    from ..analysis.touchpoints import RoleTouchpoints
    from ..engines import FitResult

__all__ = ["CARD_FORMATS", "inline_svg", "role_card", "role_card_body"]

CARD_FORMATS: tuple[str, ...] = ("html", "md")

_TABLE_HEAD = (N_("Touchpoint"), N_("Your share"), N_("Your part (NPS points)"),
               N_("It alone, everyone 1 point higher (NPS points)"), N_("Average rating"),
               N_("Answers"))
_TABLE_NUMERIC = (False, True, True, True, True, True)
_ROUTE_HEAD = (N_("Route"), N_("NPS points (95 %%)"), N_("Kind"))
_ROUTE_NUMERIC = (False, True, False)


# ------------------------------------------------------------------- content
@dataclass
class _Row:
    """One line of a table: its cells, or ``suppressed`` text replacing the figures."""

    label: str
    cells: list[str] = field(default_factory=list)
    suppressed: str | None = None
    #: The language of ``label`` when it is not the card's (``<td lang="…">``).
    lang: str | None = None


@dataclass
class _Card:
    """The card's content, formatted once and written as HTML or Markdown."""

    role: str
    label: str
    map_name: str
    big: str = ""
    big_ci: str = ""
    tone: str = "neutral"
    sentences: list[str] = field(default_factory=list)
    uncertainty: str | None = None
    #: Plain cautions about how to read the figure (e.g. the role's common-cause part).
    cautions: list[str] = field(default_factory=list)
    suppressed: str | None = None
    touchpoints: list[_Row] = field(default_factory=list)
    routes: list[_Row] = field(default_factory=list)
    footer: str = ""
    #: The language of ``label`` when it is not the card's (for ``<h1 lang="…">``).
    label_lang: str | None = None
    #: What customers said about the role's touchpoints (``None``: no rated node).
    said: Said | None = None
    #: "The map and the shares are the workshop's assumptions …".
    assumptions: str = ""


def _label_language(node: Any, map_language: str | None) -> str | None:
    """The language of the label shown for ``node`` when it differs from the card's:
    the map's ``language`` for a label not given in the card's language, else None."""
    lang = current_language()
    if lang in node.labels or map_language is None or map_language == lang:
        return None
    return str(map_language)


def _join(words: Sequence[str]) -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return _("%(list)s and %(last)s") % {"list": ", ".join(words[:-1]), "last": words[-1]}


def _content(result: FitResult, role: str, min_responses: int) -> _Card:
    from ..analysis.roles import role_influence

    m = result.journey_map
    inf = role_influence(result, role)  # UnknownNodeError / JourneymapError for a non-role
    node = m.node(role)
    card = _Card(role=role, label=inf.label, map_name=m.name or _("Customer journey"),
                 label_lang=_label_language(node, m.language))
    s = result.nps
    today = datetime.date.today().isoformat()
    if result.nps.n < min_responses:
        card.suppressed = _("Figures are suppressed: the survey has only %(n)s answers with "
                            "a recommend score, and at least %(min)s are needed before any "
                            "figure is shown.") % {"n": _count(s.n), "min": min_responses}
        card.touchpoints = [_Row(str(lab), lang=_label_language(m.node(str(t)), m.language))
                            for t, lab in zip(inf.acts_on["node"], inf.acts_on["label"],
                                              strict=True)]
        card.footer = _("Survey: %(n)s answers · generated %(date)s by journeymap") % {
            "n": _count(s.n), "date": today}
        return card

    effects = {e.node: e for e in result.node_effects}
    small = {n for n, e in effects.items() if e.n is not None and e.n < min_responses}

    # touchpoints ranked by the role's part through them (the parts add up to the figure)
    acts: list[dict[str, Any]] = [{str(k): v for k, v in a.items()}
                                  for a in inf.acts_on.to_dict(orient="records")]

    def brings(a: dict[str, Any]) -> float:
        pts = a["role_part"]
        return -1e300 if pts is None or pts != pts else float(pts)

    acts.sort(key=brings, reverse=True)
    for a in acts:
        target = m.node(a["node"])
        row = _Row(str(a["label"]), lang=_label_language(target, m.language))
        eff = effects.get(a["node"])
        if eff is not None and a["node"] in small:
            row.suppressed = _("too few answers (n = %(n)s)") % {"n": _count(eff.n)}
        else:
            mean, n = (eff.mean, eff.n) if eff is not None else (None, None)
            hi = target.scale[1] if target.scale is not None else None
            rating = "–"
            if mean is not None and hi is not None:
                rating = _("%(mean)s of %(top)s") % {"mean": _fixed(mean, 1),
                                                     "top": _number(hi)}
            own = a["nps_points"]
            row.cells = ["–" if node.measured else _share_text(float(a["share"])),
                         _signed(a["role_part"]),
                         "–" if own is None or own != own else _signed(own), rating, _count(n)]
        card.touchpoints.append(row)

    for p in inf.paths.to_dict(orient="records"):
        row = _Row(str(p["route"]))
        hidden = [n for n in p["nodes"] if n in small]
        if hidden:
            counts = ", ".join(f"n = {_count(effects[n].n)}" for n in hidden)
            row.suppressed = _("too few answers (%(counts)s)") % {"counts": counts}
        else:
            points = _signed(p["nps_points"])
            if p["nps_points_ci"] is not None:  # the fit's interval of this route's part
                points += f" ({_ci(p['nps_points_ci'])})"
            row.cells = [points, _("direct") if p["direct"] else _("indirect")]
        card.routes.append(row)

    lo, hi_ci = inf.nps_points_ci
    card.big = _signed(inf.nps_points)
    card.big_ci = f"95 %: {_ci(inf.nps_points_ci)}"
    crosses = lo <= 0 <= hi_ci
    card.tone = "unsure" if crosses else ("up" if inf.nps_points >= 0 else "down")
    card.sentences = _sentences(result, role, inf, [str(a["label"]) for a in acts],
                                measured=node.measured)
    if crosses:
        card.uncertainty = _("The data cannot tell whether this influence is above or below "
                             "zero: the 95 %% interval runs from %(low)s to %(high)s NPS "
                             "points. Read it as “no clear effect yet”, not as a result.") % {
            "low": _signed(lo), "high": _signed(hi_ci)}
    note = role_common_cause_note(m, role)
    if note is not None:
        card.cautions.append(note)
    models = {"linear": _("linear model"), "bayesnet": _("Bayesian network")}
    card.footer = _("Survey NPS %(nps)s (95 %%: %(ci)s) from %(n)s answers · %(model)s · "
                    "generated %(date)s by journeymap") % {
        "nps": _signed(s.value), "ci": _ci(s.ci), "n": _count(s.n),
        "model": models.get(result.engine, result.engine), "date": today}
    return card


def _sentences(result: FitResult, role: str, inf: Any, targets: list[str], *,
               measured: bool) -> list[str]:
    """The headline and the direct/indirect split, in plain words.

    The headline names the first node after the role on the routes that carry the
    largest part of the role's NPS points ("most of it runs through Installation"):
    that is the touchpoint the person works on, which is what they can act on.
    """
    m = result.journey_map
    label = inf.label
    if not targets:
        return [_("%(role)s does not act on any part of this map yet, so it has no route to "
                  "the recommend score and no influence on NPS here; add an edge from it to "
                  "what it works on.") % {"role": label}]
    from ..analysis.roles import not_estimable_text, nps_move

    blank = not_estimable_text(result, role, _join(targets))
    if blank:
        return [blank]
    lo, hi = inf.nps_points_ci
    figures = {"points": _signed(inf.nps_points), "low": _signed(lo), "high": _signed(hi),
               "role": label, "targets": _join(targets),
               "move": nps_move(inf.nps, inf.nps_after, inf.nps_after_ci)}
    if measured:
        head = _("When customers rate %(role)s one point higher, %(move)s: %(points)s NPS "
                 "points (95 %%: %(low)s to %(high)s)") % figures
    else:
        head = _("When %(role)s does one point better on %(targets)s, %(move)s: "
                 "%(points)s NPS points (95 %%: %(low)s to %(high)s)") % figures
    by_first: dict[str, float] = {}
    for p in inf.paths.to_dict(orient="records"):
        first = p["nodes"][1] if len(p["nodes"]) > 1 else p["nodes"][0]
        pts = p["nps_points"] if p["nps_points"] is not None else p["effect"]
        by_first[first] = by_first.get(first, 0.0) + float(pts)
    total = sum(by_first.values())
    if len(by_first) > 1 and total != 0:
        top = max(by_first, key=lambda k: abs(by_first[k]))
        part = by_first[top] / total
        how = (_("; most of it runs through %(node)s") if part > 0.5 else
               _("; the largest part runs through %(node)s"))
        head += how % {"node": m.node(top).display}
    out = [head + "."]

    rec = result.role(role)
    influence, direct = float(rec.influence), float(rec.direct)
    mediators: list[str] = []
    for p in inf.paths.to_dict(orient="records"):
        if not p["direct"]:
            for n in p["nodes"][2:-1]:
                name = m.node(n).display
                if name not in mediators:
                    mediators.append(name)
    via = ((_("%(list)s and more") % {"list": ", ".join(mediators[:3])}
            if len(mediators) > 3 else _join(mediators))
           or _("other parts of the journey"))
    if influence != 0:
        share = direct / influence
        if share >= 0.995:
            out.append(_("All of it is direct: the customers' rating of what %(role)s works "
                         "on moves their likelihood to recommend by itself.") % {"role": label})
        elif abs(share) <= 0.005:
            out.append(_("All of it is indirect: it works through %(via)s before it reaches "
                         "the recommend score.") % {"via": via})
        elif 0 < share < 1:
            out.append(_("About %(direct)s of it is direct (the rating of what %(role)s works "
                         "on moves the recommend score by itself) and %(indirect)s is "
                         "indirect, through %(via)s.") % {
                "direct": _percent(share), "role": label, "indirect": _percent(1 - share),
                "via": via})
        else:
            out.append(_("The direct part and the indirect part pull in opposite directions: "
                         "direct %(direct)s, indirect %(indirect)s points on the 0–10 "
                         "recommend scale.") % {"direct": _signed(direct, 2),
                                                "indirect": _signed(float(rec.indirect), 2)})
    return out


# ---------------------------------------------------------------------- HTML
_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
html { font-size: 18px; }
body { margin: 0; background: #fff; color: #111;
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Roboto, Helvetica,
    Arial, sans-serif; }
main { max-width: 64rem; margin: 0 auto; padding: 1.25rem 1rem 2rem; }
.kicker { margin: 0; color: #444; font-size: .95rem; letter-spacing: .02em; }
h1 { margin: .1rem 0 .8rem; font-size: 2.2rem; line-height: 1.15; }
h2 { margin: 2rem 0 .6rem; font-size: 1.35rem; }
.big { margin: 0; font-size: 3.4rem; font-weight: 800; line-height: 1; }
.big small { font-size: 1.1rem; font-weight: 600; color: #333; }
.ci { margin: .3rem 0 1rem; color: #333; }
.up .big { color: #005A8E; } .down .big { color: #A8430A; } .unsure .big { color: #555; }
.lead { font-size: 1.3rem; font-weight: 600; line-height: 1.35; margin: .6rem 0; }
.uncertain { border-left: 6px solid #777; background: #F2F2F2; padding: .6rem .9rem; }
.note { margin: 1.5rem 0; padding: 1rem 1.1rem; background: #FFF4E5; border: 3px solid #D55E00;
  border-radius: .5rem; font-size: 1.1rem; }
.note strong { display: block; font-size: 1.2rem; margin-bottom: .25rem; }
.suppressed { border: 3px solid #555; background: #F2F2F2; padding: 1rem; font-weight: 600; }
table { width: 100%; border-collapse: collapse; }
th, td { padding: .45rem .55rem; border-bottom: 1px solid #BDBDBD; text-align: left;
  vertical-align: top; }
th { background: #F0F0F0; font-size: .9rem; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.rank { font-weight: 700; }
.hint { color: #333; font-size: .95rem; }
figure { margin: 1.5rem 0; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { color: #333; font-size: .95rem; }
.swipe { display: none; }
dl { margin: 0; } dt { font-weight: 700; margin-top: .6rem; } dd { margin: 0; }
footer { margin-top: 2rem; padding-top: .8rem; border-top: 1px solid #BDBDBD; color: #444;
  font-size: .9rem; }
@media screen and (max-width: 44rem) {
  html { font-size: 17px; }
  h1 { font-size: 1.8rem; }
  .big { font-size: 2.8rem; }
  table, thead, tbody, tr, th, td { display: block; }
  thead { position: absolute; left: -9999px; }
  tr { border: 1px solid #BDBDBD; border-radius: .4rem; margin-bottom: .7rem; padding: .3rem 0; }
  td { border: 0; padding: .15rem .7rem; text-align: left; }
  td.num { text-align: left; white-space: normal; }
  td[data-label]::before { content: attr(data-label) ": "; font-weight: 600; color: #333; }
  td.first { font-size: 1.1rem; font-weight: 700; }
  td.first::before { content: none; }
  .map { overflow-x: auto; }
  .map svg { width: 250%; max-width: none; }
  .swipe { display: block; }
}
@media screen and (min-width: 1600px) {
  html { font-size: 24px; }
  main { max-width: 80rem; }
}
.print-map { display: none; }
@page { size: A4; margin: 9mm 10mm; }
@media print {
  html { font-size: 8pt; }
  body { line-height: 1.3; }
  main { max-width: none; padding: 0; }
  .kicker { font-size: .9rem; }
  h1 { margin: 0 0 .2rem; font-size: 1.9rem; }
  h2 { margin: .6rem 0 .2rem; font-size: 1.15rem; break-after: avoid; }
  .big { font-size: 2.4rem; }
  .big small { font-size: 1rem; }
  .ci { margin: .1rem 0 .2rem; }
  .lead { font-size: 1.1rem; line-height: 1.25; margin: .2rem 0; }
  .headline p { margin: .2rem 0; }
  .uncertain { padding: .25rem .5rem; }
  .note { margin: .5rem 0; padding: .35rem .6rem; font-size: 1rem; border-width: 2.5px;
    break-inside: avoid; }
  .note strong { display: inline; font-size: 1rem; margin: 0 .4rem 0 0; }
  th, td { padding: .1rem .3rem; }
  th { font-size: .85rem; }
  tr, figure, .note { break-inside: avoid; }
  figure { margin: .4rem 0; }
  figure svg { width: 100%; height: auto; max-height: 105mm; }
  figcaption { font-size: .85rem; }
  .swipe { display: none; }
  .hint { margin: .15rem 0; font-size: .85rem; }
  .howto dl { columns: 3; column-gap: 1rem; font-size: .85rem; line-height: 1.25; }
  .howto dt { margin-top: 0; break-after: avoid; }
  .howto dd { margin-bottom: .25rem; break-inside: avoid; }
  footer { margin-top: .5rem; padding-top: .25rem; font-size: .8rem; }
  main.routes-map { display: flex; align-items: flex-start; gap: 5mm; }
  main.routes-map .card-text { flex: 1 1 auto; min-width: 0; }
  main.routes-map .card-text figure { display: none; }
  main.routes-map .print-map { display: block; flex: 0 0 60mm; margin: 0; }
  main.routes-map .print-map svg { width: 100%; height: auto; max-height: 270mm; }
}
.said .tp { border-top: 1px solid #BDBDBD; margin-top: 1rem; padding-top: .4rem; }
.said h3 { margin: .2rem 0; font-size: 1.15rem; }
.said .question q { font-style: italic; }
table.dist { width: auto; min-width: min(100%, 22rem); margin: .4rem 0; }
table.dist caption { text-align: left; font-weight: 600; padding: .2rem 0; }
table.dist td.bar { white-space: nowrap; }
table.dist td.bar span { display: inline-block; height: .9em;
  background: #005A8E; margin-right: .4rem; vertical-align: middle;
  print-color-adjust: exact; -webkit-print-color-adjust: exact; }
table.dist tr.low td.bar span { background: #A8430A; }
.said .comments { list-style: none; padding: 0; }
.said blockquote { margin: .3rem 0; padding: .3rem .7rem; border-left: 4px solid #BDBDBD;
  background: #F5F5F5; }
.said time { color: #444; font-size: .9rem; }
.assumptions { border-left: 4px solid #BDBDBD; padding: .2rem .7rem; color: #333; }
@media print {
  .said h2 { margin-top: .4rem; }
  .said { columns: 2; column-gap: 1rem; }
  .said h2, .said > .hint { column-span: all; }
  .said ~ figure svg { max-height: 92mm; }
  .said .tp { margin-top: .2rem; padding-top: .1rem; break-inside: avoid; }
  .said h3 { display: inline; font-size: .95rem; margin: 0 .4rem 0 0; }
  .said .question { display: inline; margin: 0; font-size: .85rem; }
  .said p { margin: .05rem 0; font-size: .85rem; }
  table.dist, table.dist tbody, table.dist tr, table.dist th, table.dist td,
  table.dist caption { display: inline; padding: 0; border: 0; font-size: .85rem;
    font-weight: normal; background: none; }
  table.dist { margin: 0; }
  table.dist caption { font-weight: 600; }
  table.dist caption::after { content: ": "; }
  table.dist thead, table.dist td.bar { display: none; }
  table.dist th::after { content: ": "; }
  table.dist tr + tr::before { content: " · "; }
  .said h4 { margin: .1rem 0; font-size: .85rem; }
  .said .comments { margin: 0; font-size: .85rem; }
  .said .comments li + li { display: none; }
  .said blockquote { padding: .05rem .4rem; }
  .assumptions { margin: .2rem 0 0; padding: 0 .4rem; border-width: 2px; font-size: .8rem; }
}
@media (max-width: 44rem) {
  table.dist { display: table; width: 100%; }
  table.dist thead { position: static; display: table-header-group; }
  table.dist tbody { display: table-row-group; }
  table.dist tr { display: table-row; border: 0; padding: 0; }
  table.dist th, table.dist td { display: table-cell; padding: .15rem .4rem; }
}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _html_table(head: Sequence[str], rows: Sequence[_Row], numeric: Sequence[bool]) -> str:
    head = [_(h) % {} for h in head]  # % {}: "95 %%" in a heading is one "%"
    out = ['<table><thead><tr>' + "".join(f'<th scope="col">{_e(h)}</th>' for h in head)
           + "</tr></thead><tbody>"]
    for row in rows:
        cells = [f'<td class="first"{_lang_attr(row.lang)}>{_e(row.label)}</td>']
        if row.suppressed is not None:
            cells.append(f'<td colspan="{len(head) - 1}" data-label="{_e(_(_FIGURES))}">'
                         f"{_e(row.suppressed)}</td>")
        else:
            for h, num, c in zip(head[1:], numeric[1:], row.cells, strict=True):
                cls = ' class="num"' if num else ""
                cells.append(f'<td{cls} data-label="{_e(h)}">{_e(c)}</td>')
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def inline_svg(svg: bytes, label: str) -> str:
    """graphviz's SVG ready to put inside an HTML page.

    Removes what an inline ``<svg>`` in HTML needs none of — the XML prolog, the
    doctype, comments, the fixed ``width``/``height`` (so CSS sizes it) and the
    namespace declarations — and labels the drawing for screen readers
    (``role="img"`` and ``aria-label``).  Used by the role card and by the web pages.

    Parameters
    ----------
    svg
        The SVG document as graphviz writes it (:func:`~journeymap.render.render`).
    label
        What the drawing shows, in words (HTML-escaped here).

    Returns
    -------
    str
        The ``<svg …>…</svg>`` element.

    Examples
    --------
    >>> inline_svg(b'<?xml version="1.0"?><!-- dot --><svg width="8pt" height="4pt" '
    ...            b'xmlns="http://www.w3.org/2000/svg"><g/></svg>', "A & B")
    '<svg role="img" aria-label="A &amp; B"><g/></svg>'
    """
    text = svg.decode("utf-8")
    text = text[text.index("<svg"):]
    text = re.sub(r"<!--.*?-->\n?", "", text, flags=re.S)
    head_end = text.index(">")
    head = text[:head_end]
    head = re.sub(r'\s(width|height|xmlns(:xlink)?)="[^"]*"', "", head)
    head += f' role="img" aria-label="{_e(label)}"'
    return head + text[head_end:]


_HOWTO = (
    (N_("NPS points"), N_("How many points the company's NPS would move if every customer "
                          "below the top rated this one point higher (on its own scale). NPS "
                          "runs from −100 to +100.")),
    (N_("Your share"), N_("The part of the touchpoint the workshop gave to your role; the rest "
                          "is other people's work or the organisation as a whole.")),
    ("95 %", N_("The range the true value very likely lies in. A wide range means: not sure "
                "yet.")),
    (N_("Direct and indirect"), N_("Direct: the rating of your touchpoint moves the recommend "
                                   "score itself. Indirect: it first changes something else "
                                   "(for example ease of doing business), which then moves "
                                   "the recommend score.")),
)


def _to_html(card: _Card, svg: str | None, print_svg: str | None = None) -> str:
    """The whole page: head with the card's CSS, and :func:`_body_html` in ``<main>``.

    With ``print_svg`` (the role's routes only, one box a row) the printed page puts
    the card's text in one column and that drawing in a narrow column beside it, in
    place of the whole map (``.print-map``, shown only in print)."""
    title = _("%(role)s — my influence on NPS") % {"role": card.label}
    body = _body_html(card, svg)
    if print_svg is not None:
        body = (f'<div class="card-text">\n{body}</div>\n'
                f'<figure class="print-map">{print_svg}</figure>\n')
    main = '<main class="routes-map">' if print_svg is not None else "<main>"
    return (f'<!DOCTYPE html>\n<html lang="{current_language()}">\n<head>\n'
            '<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(title)}</title>\n"
            f"<style>{_CSS}</style>\n</head>\n<body>\n{main}\n"
            f"{body}</main>\n</body>\n</html>\n")


def _lang_attr(lang: str | None) -> str:
    return "" if lang is None else f' lang="{_e(lang)}"'


def _body_html(card: _Card, svg: str | None) -> str:
    """The card's content: what the page's ``<main>`` holds."""
    from ..analysis.roles import NOT_FOR_PAY

    parts = [f'<header><p class="kicker">{_e(_(_KICKER))} · {_e(card.map_name)}'
             "</p>\n"
             f"<h1{_lang_attr(card.label_lang)}>{_e(card.label)}</h1></header>\n"]
    if card.suppressed is not None:
        parts.append(f'<p class="suppressed">{_e(card.suppressed)}</p>\n')
    else:
        parts.append(f'<section class="headline {card.tone}">\n'
                     f'<p class="big">{_e(card.big)} <small>{_e(_(_POINTS))}</small></p>\n'
                     f'<p class="ci">{_e(card.big_ci)}</p>\n')
        for i, sentence in enumerate(card.sentences):
            cls = ' class="lead"' if i == 0 else ""
            parts.append(f"<p{cls}>{_e(sentence)}</p>\n")
        if card.uncertainty is not None:
            parts.append(f'<p class="uncertain">{_e(card.uncertainty)}</p>\n')
        parts.extend(f'<p class="uncertain caution">{_e(c)}</p>\n' for c in card.cautions)
        parts.append("</section>\n")
    parts.append(f'<aside class="note"><strong>{_e(_(_BOX))}</strong>'
                 f"{_e(_(NOT_FOR_PAY))}</aside>\n")
    if card.suppressed is None:
        parts.append(f"<section>\n<h2>{_e(_(_H_TOUCH))}</h2>\n")
        parts.append(_html_table(_TABLE_HEAD, card.touchpoints, _TABLE_NUMERIC))
        parts.append(f'\n<p class="hint">{_e(_(_RANKED))}</p>\n</section>\n')
    elif card.touchpoints:
        items = "".join(f"<li{_lang_attr(r.lang)}>{_e(r.label)}</li>" for r in card.touchpoints)
        parts.append(f"<section>\n<h2>{_e(_(_H_WORK))}</h2>\n<ul>{items}</ul>\n"
                     "</section>\n")
    if card.suppressed is None:
        parts.append(said_html(card.said))
    if svg is not None and svg.startswith(f'<p class="{_NOTE}">'):
        parts.append(f"<section>\n{svg}\n</section>\n")
    elif svg is not None:
        caption = _("The journey map with the routes from %(role)s to the recommend score "
                    "highlighted.") % {"role": card.label}
        # a focusable, named frame: on a phone the map scrolls sideways inside it, which
        # a keyboard can only do when the frame takes focus (WCAG 2.1.1)
        parts.append(f'<figure>\n<div class="map" tabindex="0" role="group" '
                     f'aria-label="{_e(caption)}">{svg}</div>\n<figcaption>{_e(caption)}'
                     f'<span class="swipe">{_e(_(_SWIPE))}'
                     "</span></figcaption>\n</figure>\n")
    if card.suppressed is None and card.routes:
        parts.append(f"<section>\n<h2>{_e(_(_H_ROUTES))}</h2>\n")
        parts.append(_html_table(_ROUTE_HEAD, card.routes, _ROUTE_NUMERIC))
        parts.append("\n</section>\n")
    items = "".join(f"<dt>{_e(_(t))}</dt><dd>{_e(_(d))}</dd>" for t, d in _HOWTO)
    parts.append(f'<section class="howto">\n<h2>{_e(_(_H_HOWTO))}</h2>\n'
                 f"<dl>{items}</dl>\n"
                 "</section>\n")
    if card.assumptions:
        parts.append(f'<p class="assumptions">{_e(card.assumptions)}</p>\n')
    parts.append(f"<footer>{_e(card.footer)}</footer>\n")
    return "".join(parts)


# ------------------------------------------------------------------ Markdown
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _m(text: object) -> str:
    """Escape Markdown (and inline HTML) in user text."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def _md_table(head: Sequence[str], rows: Sequence[_Row], numeric: Sequence[bool]) -> str:
    lines = ["| " + " | ".join(_(h) % {} for h in head) + " |",
             "|" + "|".join("---:" if num else "---" for num in numeric) + "|"]
    for row in rows:
        cells = ([row.suppressed] + [""] * (len(head) - 2) if row.suppressed is not None
                 else row.cells)
        lines.append("| " + " | ".join(_m(c) for c in [row.label, *cells]) + " |")
    return "\n".join(lines)


def _to_md(card: _Card, image: str | None) -> str:
    from ..analysis.roles import NOT_FOR_PAY

    title = _("%(role)s — my influence on NPS") % {"role": _m(card.label)}
    out = [f"# {title}", "", f"*{_m(card.map_name)}*", ""]
    if card.suppressed is not None:
        out += [f"**{_m(card.suppressed)}**", ""]
    else:
        out += [f"**{_m(card.big)} {_(_POINTS)}** ({_m(card.big_ci)})", ""]
        for sentence in card.sentences:
            out += [_m(sentence), ""]
        if card.uncertainty is not None:
            out += [f"*{_m(card.uncertainty)}*", ""]
        for caution in card.cautions:
            out += [f"*{_m(caution)}*", ""]
    out += [f"> **{_(_BOX)}.** {_m(_(NOT_FOR_PAY))}", ""]
    if card.suppressed is None:
        out += [f"## {_(_H_TOUCH)}", "",
                _md_table(_TABLE_HEAD, card.touchpoints, _TABLE_NUMERIC), "",
                _(_RANKED), ""]
    elif card.touchpoints:
        out += [f"## {_(_H_WORK)}", ""] + [f"- {_m(r.label)}" for r in card.touchpoints]
        out += [""]
    if card.suppressed is None:
        out += said_md(card.said, _m)
    if image is not None:
        alt = _("The journey map with the routes from %(role)s highlighted") % {
            "role": _m(card.label)}
        out += [f"![{alt}]({image})", ""]
    if card.suppressed is None and card.routes:
        out += [f"## {_(_H_ROUTES)}", "",
                _md_table(_ROUTE_HEAD, card.routes, _ROUTE_NUMERIC), ""]
    out += [f"## {_(_H_HOWTO)}", ""]
    out += [f"- **{_(t)}**: {_m(_(d))}" for t, d in _HOWTO]
    if card.assumptions:
        out += ["", f"*{_m(card.assumptions)}*"]
    out += ["", "---", "", _m(card.footer), ""]
    return "\n".join(out)


# ----------------------------------------------------------------------- API
def role_card(result: FitResult, role: str, *, format: str = "html",
              min_responses: int = DEFAULT_MIN_RESPONSES, image: str | None = None,
              lang: str | None = None, touchpoints: RoleTouchpoints | None = None,
              map_version: int | str | None = None,
              map_date: datetime.date | str | None = None) -> str:
    """One role's "my influence" card, as a self-contained HTML page or as Markdown.

    The card shows the role's label; a headline in plain language ("When Installatör
    does one point better on Installation and Leverans, NPS would go from +17.4 to +34.8
    (95 %: +31.7 to +37.9): +17.5 NPS points (95 %: +16.4 to +18.6); most of it runs
    through Installation" — it names
    the first node after the role on the routes that carry the largest part of the
    role's NPS points, i.e. the touchpoint the person can act on); the direct and
    indirect split in words, naming the mediators; the uncertainty in words when the
    95 % interval contains 0; a box saying that NPS is the result of the whole
    journey and not for pay; the role's touchpoints ranked by the role's part through
    each (the parts add up to the headline's NPS points), beside the touchpoint's own NPS
    points labelled as what it alone would bring, with the average rating of the scale
    maximum and n; what customers said about each touchpoint (the survey question, how
    many gave each rating, how many did not experience it, and recent comments of those
    who rated it low — :mod:`journeymap.analysis.touchpoints`); every route with its NPS
    points, direct or indirect; the map with the role's routes highlighted; a short "how
    to read this"; a line that the map and the shares are the workshop's assumptions,
    with the map's version and date; the survey's NPS and the date.

    Parameters
    ----------
    result
        A fit; all numbers come from its records and from
        :func:`~journeymap.analysis.role_influence`.
    role
        Id of a role of the map.
    format
        ``"html"``: one page with inline CSS and the map as inline SVG (no scripts, no
        external resources, no web fonts; readable on a phone and on a projector);
        needs graphviz's ``dot``.  ``"md"``: the same content as GitHub Markdown.
    min_responses
        A touchpoint or route through a node rated by fewer respondents shows
        ``too few answers (n = …)`` instead of figures; a survey below it shows no
        figures at all, only the suppression notice (default 30, never below 10).
    image
        Markdown only: file name of the map image to reference (e.g. ``"map.svg"``,
        written separately with :func:`~journeymap.render.write`); omitted if None.
    lang
        The card's language: ``en``, ``sv``, ``da``, ``fi`` or ``nb`` (words, numbers
        and ``<html lang>``); ``None`` keeps the language in force
        (:func:`journeymap.i18n.use_language`, English by default).
    touchpoints
        What customers said about the role's touchpoints
        (:func:`~journeymap.analysis.role_touchpoints`); default: counted from the fit's
        own respondents (a fit without them says it has no distribution).
    map_version, map_date
        The map's version and the date it was saved, named in the line on the
        workshop's assumptions (each left out when ``None``).

    Returns
    -------
    str
        The HTML page or the Markdown text.

    Raises
    ------
    UnknownNodeError
        ``role`` is not a node of the map.
    JourneymapError
        ``role`` is not a role, ``format`` is unknown, ``min_responses`` is below 10 or
        ``lang`` is not a language of :data:`journeymap.i18n.LANGUAGES`.
    RenderError
        HTML was asked for and graphviz's ``dot`` is not installed.
    """
    if format not in CARD_FORMATS:
        raise JourneymapError(f"unknown card format '{format}'; valid formats: "
                              f"{', '.join(CARD_FORMATS)}.")
    check_min_responses(min_responses)
    with use_language(lang):
        card = _content(result, role, min_responses)
        _add_said(card, result, role, min_responses, touchpoints, map_version, map_date)
        if format == "md":
            return _to_md(card, image)
        return _to_html(card, _card_svg(result, role, card, min_responses),
                        _print_svg(result, role, card, min_responses))


def role_card_body(result: FitResult, role: str, *,
                   min_responses: int = DEFAULT_MIN_RESPONSES, lang: str | None = None,
                   touchpoints: RoleTouchpoints | None = None,
                   map_version: int | str | None = None,
                   map_date: datetime.date | str | None = None,
                   include_map: bool = True) -> str:
    """The HTML card's content without the page around it, to put inside another page.

    It is exactly the card's text in the ``<main>`` element of ``role_card(result,
    role, format="html")`` (header, headline, the not-for-pay box, tables, the map as
    inline SVG, how to read it, footer), without the map that page adds for print only
    (the role's routes alone, beside the text); the page that includes it brings its
    own styles.  Parameters and errors are those of :func:`role_card`; with
    ``include_map=False`` the map is left out too (for a page that shows the role's
    routes its own way, e.g. the web role page's phone view).

    Returns
    -------
    str
        An HTML fragment starting with ``<header>`` and ending with ``</footer>``.
    """
    check_min_responses(min_responses)
    with use_language(lang):
        card = _content(result, role, min_responses)
        _add_said(card, result, role, min_responses, touchpoints, map_version, map_date)
        return _body_html(card, _card_svg(result, role, card, min_responses)
                          if include_map else None)


def _add_said(card: _Card, result: FitResult, role: str, min_responses: int,
              touchpoints: RoleTouchpoints | None, map_version: int | str | None,
              map_date: datetime.date | str | None) -> None:
    """What customers said, and the line on the workshop's assumptions."""
    card.said = said(result, role, touchpoints, min_responses)
    card.assumptions = assumptions_line(result.journey_map, map_version, map_date)


def _card_svg(result: FitResult, role: str, card: _Card, min_responses: int) -> str:
    """The map with the role's routes highlighted, as inline SVG (no figures when the
    survey is below ``min_responses``); a note instead when the routes are too large to
    draw (docs/security.md, "Rendering")."""
    from .graph import render

    suppressed = card.suppressed is not None
    try:
        svg = render(result.journey_map, None if suppressed else result, role=role,
                     format="svg", min_responses=min_responses)
    except MapTooLargeError as exc:
        return f'<p class="{_NOTE}">{_e(_(_NOT_DRAWN) % {"why": exc})}</p>'
    return inline_svg(svg, _("Journey map: the routes from %(role)s to NPS highlighted")
                      % {"role": card.label})


#: The most boxes (the role, the nodes on its routes, the outcome) the printed card's
#: map column draws one a row: about 11 rows of ≈ 24 mm fill the A4 column at a size
#: whose box names stay ≈ 7 pt.  A role with more draws the whole map in print instead
#: (the routes view of a role with thousands of routes takes graphviz more than 30 s).
PRINT_MAP_MAX_BOXES = 12


def _print_svg(result: FitResult, role: str, card: _Card, min_responses: int) -> str | None:
    """The role's routes only, one box a row (``render(routes_only=True)``): the printed
    card's map, in a column beside the text, where its labels keep about 7 pt on A4
    (the whole map, scaled to the page's width, would have 3–4 pt labels).  None when
    the routes have more than :data:`PRINT_MAP_MAX_BOXES` boxes or cannot be drawn;
    the printed card then shows the whole map."""
    from .graph import render

    boxes = {n for p in result.role(role).paths for n in p.nodes}
    if not boxes or len(boxes) > PRINT_MAP_MAX_BOXES:  # nothing to draw, or too tall
        return None
    suppressed = card.suppressed is not None
    try:
        svg = render(result.journey_map, None if suppressed else result, role=role,
                     format="svg", min_responses=min_responses, routes_only=True)
    except MapTooLargeError:
        return None
    return inline_svg(svg, _("Journey map: the routes from %(role)s to NPS highlighted")
                      % {"role": card.label})


_NOTE = "map-not-drawn"
# Words used inside f-strings: marked here, where message extraction sees them.
_FIGURES = N_("Figures")
_KICKER = N_("My influence on NPS")
_POINTS = N_("NPS points")
_BOX = N_("Not for pay or bonus")
_H_TOUCH = N_("Your touchpoints, the one that moves NPS most first")
_H_WORK = N_("What you work on")
_SWIPE = N_("Swipe sideways to see the whole map.")
_H_ROUTES = N_("Every route from you to NPS")
_H_HOWTO = N_("How to read this")
_NOT_DRAWN = N_("The map is not drawn: %(why)s")
_RANKED = N_("Ranked by your part: the NPS points of your routes through the touchpoint, which "
             "add up to your figure above. “It alone” is another number: what the touchpoint "
             "would bring if everyone's rating of it rose by one point, whoever made it rise.")
