"""The role card's "what customers said" section and its line on the workshop's
assumptions, as HTML and Markdown (numbers from :mod:`journeymap.analysis.touchpoints`;
this module only formats them)."""

from __future__ import annotations

import datetime
import html
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..formatting import count as _count
from ..formatting import percent as _percent
from ..i18n import N_, current_language, ngettext
from ..i18n import gettext as _

if TYPE_CHECKING:
    from ..analysis.touchpoints import RoleTouchpoints, TouchpointDetail
    from ..engines import FitResult
    from ..model import JourneyMap

__all__ = ["Said", "assumptions_line", "said", "said_html", "said_md"]

_H_SAID = N_("What customers said about your touchpoints")
_NO_ROWS = N_("This fit keeps no survey answers (it was computed in chunks, or its survey "
              "file is no longer on the server), so it cannot show how customers rated "
              "each touchpoint.")
_REMOVED_NOTE = N_("Only comments the customer agreed to share are shown. Names, e-mail "
                   "addresses and phone numbers are removed ([…]); read them as one "
                   "customer's words, not as a verdict on anyone.")
_RATING = N_("Rating")
_CUSTOMERS = N_("Customers")
_SHARE = N_("Share")
_QUESTION = N_("Question")
_BAR_REM = 8  # the bar of a rating all customers gave, in rem


@dataclass
class _Touchpoint:
    label: str
    label_lang: str | None
    question: str | None
    question_lang: str | None
    detail: TouchpointDetail | None


@dataclass
class Said:
    """The section's content, formatted in the card's language."""

    has_rows: bool
    has_comments: bool
    min_responses: int
    touchpoints: list[_Touchpoint] = field(default_factory=list)


def said(result: FitResult, role: str, touchpoints: RoleTouchpoints | None,
         min_responses: int) -> Said | None:
    """The section for ``role``: from ``touchpoints`` when given, else from the fit's own
    respondents; ``None`` when the role acts on no rated node."""
    from ..analysis.touchpoints import role_touchpoints

    if touchpoints is None:
        touchpoints = role_touchpoints(result, role, min_responses=min_responses)
    if not touchpoints.nodes:
        return None
    m = result.journey_map
    lang = current_language()
    details = {t.node: t for t in touchpoints.touchpoints}
    out = Said(touchpoints.has_rows, touchpoints.has_comments, touchpoints.min_responses)
    for node_id in touchpoints.nodes:
        node = m.node(node_id)
        out.touchpoints.append(_Touchpoint(
            node.display, node.label_language(lang, m.language), node.question_text,
            node.question_language(lang, m.language), details.get(node_id)))
    return out


def assumptions_line(m: JourneyMap, version: int | str | None,
                     date: datetime.date | str | None) -> str:
    """"The map and the shares are the workshop's assumptions …", with the map's name,
    version and date when known."""
    when = date.isoformat() if isinstance(date, datetime.date) else date
    name = m.name or _("Customer journey")
    if version is not None and when:
        which = _("map “%(name)s”, version %(version)s of %(date)s") % {
            "name": name, "version": version, "date": when}
    elif version is not None:
        which = _("map “%(name)s”, version %(version)s") % {"name": name, "version": version}
    elif when:
        which = _("map “%(name)s” of %(date)s") % {"name": name, "date": when}
    else:
        which = _("map “%(name)s”") % {"name": name}
    return _("The map and the shares are the workshop's assumptions (%(which)s), not "
             "measured facts: the figures show what the survey says if they hold.") % {
        "which": which}


def _scale_text(low: tuple[float, float]) -> str:
    a, b = (int(v) if float(v).is_integer() else v for v in low)
    return f"{a}" if a == b else f"{a}–{b}"


def _point(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _lines(t: _Touchpoint, s: Said) -> dict[str, str]:
    """The sentences of one touchpoint, in the card's language."""
    d = t.detail
    out: dict[str, str] = {}
    if d is None:
        return out
    out["not_experienced"] = _(
        "Not experienced: %(n)s of %(all)s customers (%(share)s) left this question "
        "blank.") % {"n": _count(d.not_experienced), "all": _count(d.respondents),
                     "share": _percent(d.not_experienced_share)}
    low = _scale_text(d.low)
    if d.distribution is None:
        out["suppressed"] = _(
            "Only %(n)s customers rated it, and at least %(min)s are needed before how they "
            "rated it is shown.") % {"n": _count(d.rated), "min": _count(s.min_responses)}
        return out
    out["caption"] = ngettext(
        "How %(num)s customer rated it (%(lo)s = lowest, %(hi)s = highest)",
        "How %(num)s customers rated it (%(lo)s = lowest, %(hi)s = highest)",
        d.rated) % {"num": _count(d.rated), "lo": _point(d.scale[0]),
                    "hi": _point(d.scale[1])}
    if d.rounded:
        out["rounded"] = _("The rating is the average of several questions, rounded to a "
                           "whole point.")
    if s.has_comments:
        if d.comments_suppressed:
            out["comments"] = _(
                "Only %(n)s customers rated it %(low)s; comments are shown when at least "
                "%(min)s did.") % {"n": _count(d.rated_low), "low": low,
                                   "min": _count(s.min_responses)}
        elif d.comments:
            out["comments_head"] = _("Recent comments from customers who rated it %(low)s") % {
                "low": low}
        else:
            out["comments"] = _("No customer who rated it %(low)s left a comment they agreed "
                                "to share.") % {"low": low}
    return out


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _lang(lang: str | None) -> str:
    return "" if lang is None else f' lang="{_e(lang)}"'


def said_html(s: Said | None) -> str:
    """The section as HTML (``<section class="said">``); empty for ``None``."""
    if s is None:
        return ""
    parts = [f'<section class="said">\n<h2>{_e(_(_H_SAID))}</h2>\n']
    if not s.has_rows:
        parts.append(f'<p class="hint">{_e(_(_NO_ROWS))}</p>\n</section>\n')
        return "".join(parts)
    for t in s.touchpoints:
        d = t.detail
        lines = _lines(t, s)
        parts.append(f'<div class="tp">\n<h3{_lang(t.label_lang)}>{_e(t.label)}</h3>\n')
        if t.question:
            parts.append(f'<p class="question">{_e(_(_QUESTION))}: '
                         f'<q{_lang(t.question_lang)}>{_e(t.question)}</q></p>\n')
        if d is None:
            parts.append("</div>\n")
            continue
        if "suppressed" in lines:
            parts.append(f'<p class="suppressed">{_e(lines["suppressed"])}</p>\n')
        elif d.distribution is not None:
            parts.append(f'<table class="dist"><caption>{_e(lines["caption"])}</caption>'
                         f'<thead><tr><th scope="col">{_e(_(_RATING))}</th>'
                         f'<th scope="col">{_e(_(_CUSTOMERS))}</th>'
                         f'<th scope="col">{_e(_(_SHARE))}</th></tr></thead><tbody>')
            for c in d.distribution:
                share = c.count / d.rated if d.rated else math.nan
                width = 0.0 if math.isnan(share) else round(_BAR_REM * share, 2)
                low = ' class="low"' if c.value <= d.low[1] else ""
                parts.append(f'<tr{low}>'
                             f'<th scope="row">{_e(_point(c.value))}</th>'
                             f'<td class="num">{_e(_count(c.count))}</td>'
                             f'<td class="bar"><span style="width:{width}rem"></span>'
                             f'{_e(_percent(share))}</td></tr>')
            parts.append("</tbody></table>\n")

            if "rounded" in lines:
                parts.append(f'<p class="hint">{_e(lines["rounded"])}</p>\n')
        parts.append(f'<p>{_e(lines["not_experienced"])}</p>\n')
        if "comments_head" in lines:
            items = "".join(
                f'<li><blockquote>{_e(c.text)}</blockquote>'
                + (f' <time datetime="{_e(c.date)}">{_e(c.date)}</time>' if c.date else "")
                + "</li>" for c in d.comments)
            parts.append(f'<h4>{_e(lines["comments_head"])}</h4>\n'
                         f'<ul class="comments">{items}</ul>\n')
        elif "comments" in lines:
            parts.append(f'<p class="hint">{_e(lines["comments"])}</p>\n')
        parts.append("</div>\n")
    if s.has_comments:
        parts.append(f'<p class="hint">{_e(_(_REMOVED_NOTE))}</p>\n')
    parts.append("</section>\n")
    return "".join(parts)


def said_md(s: Said | None, m: Callable[[object], str]) -> list[str]:
    """The section as Markdown lines; ``m`` escapes user text."""
    if s is None:
        return []
    out = [f"## {_(_H_SAID)}", ""]
    if not s.has_rows:
        return [*out, _(_NO_ROWS), ""]
    for t in s.touchpoints:
        d = t.detail
        lines = _lines(t, s)
        out += [f"### {m(t.label)}", ""]
        if t.question:
            out += [f"{_(_QUESTION)}: “{m(t.question)}”", ""]
        if d is None:
            continue
        if "suppressed" in lines:
            out += [f"**{m(lines['suppressed'])}**", ""]
        elif d.distribution is not None:
            out += [m(lines["caption"]), "",
                    f"| {_(_RATING)} | {_(_CUSTOMERS)} | {_(_SHARE)} |", "|---:|---:|---:|"]
            for c in d.distribution:
                share = c.count / d.rated if d.rated else math.nan
                out.append(f"| {_point(c.value)} | {_count(c.count)} | {_percent(share)} |")
            out.append("")
            if "rounded" in lines:
                out += [m(lines["rounded"]), ""]
        out += [m(lines["not_experienced"]), ""]
        if "comments_head" in lines:
            out += [f"**{m(lines['comments_head'])}**", ""]
            for said_ in d.comments:
                out += [f"> {m(said_.text)}" + (f" ({said_.date})" if said_.date else ""), ""]
        elif "comments" in lines:
            out += [m(lines["comments"]), ""]
    if s.has_comments:
        out += [f"*{m(_(_REMOVED_NOTE))}*", ""]
    return out
