"""What customers said about the touchpoints a role acts on: the survey question, how
many gave each rating, how many did not experience it, and a few recent comments of
those who rated it low (docs/web.md, "The role page"; docs/map-format.md, "Survey
questions" and "Customer comments").

Everything is counted from the respondents of the fit (the rows with a recommend
answer).  A fit without rows — streamed, Spark, or read back from JSON — has no
distribution: :func:`role_touchpoints` says so (``has_rows`` False) instead of guessing.

Suppression (docs/method.md, "Minimum responses"): a touchpoint rated by fewer than the
minimum responses shows no distribution, and comments are shown only when at least the
minimum responses rated it low; a group under the minimum is never shown.

Examples
--------
>>> import journeymap as jm
>>> sim = jm.example_data(n=600, seed=5)
>>> r = jm.fit(jm.example_map(), sim.data)
>>> t = role_touchpoints(r, "installer")
>>> [x.node for x in t.touchpoints]
['delivery', 'installation']
>>> inst = t.touchpoints[1]
>>> inst.rated + inst.not_experienced == r.nps.n
True
>>> sum(c.count for c in inst.distribution) == inst.rated
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..limits import DEFAULT_MIN_RESPONSES, check_min_responses
from .redact import redact

if TYPE_CHECKING:
    from ..data import SurveyData
    from ..engines import FitResult
    from ..model import JourneyMap, Node

__all__ = ["COMMENTS_SHOWN", "LOW_SHARE", "MAX_COMMENT_CHARS", "Comment", "RatingCount",
           "RoleTouchpoints", "TouchpointDetail", "low_range", "role_touchpoints",
           "touchpoint_detail"]

#: A rating is "low" when it lies in the lowest 40 % of the node's scale (1–2 on 1–5,
#: 0–4 on 0–10, 1–3 on 1–7).
LOW_SHARE = 0.4
#: At most this many comments are shown per touchpoint (the most recent first).
COMMENTS_SHOWN = 3
#: A longer comment is cut at a word boundary and ends in "…".
MAX_COMMENT_CHARS = 400


@dataclass(frozen=True)
class RatingCount:
    """How many respondents gave one rating."""

    value: float
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "count": self.count}


@dataclass(frozen=True)
class Comment:
    """One customer comment, with names, e-mail addresses and phone numbers removed."""

    text: str
    date: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "date": self.date}


@dataclass(frozen=True)
class TouchpointDetail:
    """What customers said about one measured node.

    Attributes
    ----------
    node, label
        The node's id and label (in the language in force).
    question
        The survey question (in the language in force), ``None`` when the map gives none.
    scale
        ``(lowest, highest)`` answer.
    respondents
        Respondents of the fit (rows with a recommend answer).
    rated
        Of them, how many rated this node.
    not_experienced
        How many left it blank ("not experienced").
    distribution
        How many gave each rating, lowest first, every whole point of the scale listed
        (zero counts too); ``None`` when suppressed (``rated`` below the minimum).
        A composite (``items``) counts the average of its items rounded to the nearest
        whole point (``rounded`` True).
    low
        ``(lowest, highest)`` rating counted as low (:data:`LOW_SHARE`).
    rated_low
        How many rated it low; ``None`` when the distribution is suppressed.
    comments
        Up to :data:`COMMENTS_SHOWN` recent comments of those who rated it low and agreed
        to share them, redacted (:func:`~journeymap.analysis.redact.redact`); empty when
        the map names no comment columns or ``comments_suppressed``.
    comments_suppressed
        True when the map names comment columns but fewer than the minimum responses
        rated it low, so no comment is shown.
    """

    node: str
    label: str
    question: str | None
    scale: tuple[float, float]
    respondents: int
    rated: int
    not_experienced: int
    distribution: tuple[RatingCount, ...] | None
    low: tuple[float, float]
    rated_low: int | None
    comments: tuple[Comment, ...] = ()
    comments_suppressed: bool = False
    rounded: bool = False

    @property
    def not_experienced_share(self) -> float:
        """``not_experienced / respondents`` (NaN without respondents)."""
        return self.not_experienced / self.respondents if self.respondents else math.nan

    @property
    def suppressed(self) -> bool:
        """True when fewer than the minimum responses rated it (no distribution shown)."""
        return self.distribution is None

    def to_dict(self) -> dict[str, Any]:
        return {"node": self.node, "label": self.label, "question": self.question,
                "scale": list(self.scale), "respondents": self.respondents,
                "rated": self.rated, "not_experienced": self.not_experienced,
                "distribution": (None if self.distribution is None
                                 else [c.to_dict() for c in self.distribution]),
                "low": list(self.low), "rated_low": self.rated_low,
                "comments": [c.to_dict() for c in self.comments],
                "comments_suppressed": self.comments_suppressed, "rounded": self.rounded}


@dataclass(frozen=True)
class RoleTouchpoints:
    """The measured nodes a role acts on, each with :class:`TouchpointDetail` (``has_rows``
    False and no details when the fit holds no respondents)."""

    role: str
    min_responses: int
    has_rows: bool
    touchpoints: tuple[TouchpointDetail, ...] = ()
    #: True when the map names comment columns (``comments:``).
    has_comments: bool = False
    #: The ids of the measured nodes the role acts on (also without rows).
    nodes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "min_responses": self.min_responses,
                "has_rows": self.has_rows, "has_comments": self.has_comments,
                "nodes": list(self.nodes),
                "touchpoints": [t.to_dict() for t in self.touchpoints]}


def low_range(scale: tuple[float, float]) -> tuple[float, float]:
    """The ratings counted as low on ``scale``: from the lowest answer to the lowest 40 %
    of the range, down to a whole point.

    >>> low_range((1, 5)), low_range((0, 10)), low_range((1, 7))
    ((1.0, 2.0), (0.0, 4.0), (1.0, 3.0))
    """
    lo, hi = float(scale[0]), float(scale[1])
    top = lo + LOW_SHARE * (hi - lo)
    return lo, float(math.floor(top + 1e-9)) if top >= math.ceil(lo) else top


def _cut(text: str) -> str:
    if len(text) <= MAX_COMMENT_CHARS:
        return text
    head = text[:MAX_COMMENT_CHARS].rsplit(None, 1)[0] if " " in text[:MAX_COMMENT_CHARS] \
        else text[:MAX_COMMENT_CHARS]
    return head.rstrip(" ,.;:") + "…"


def _distribution(x: np.ndarray[Any, Any], scale: tuple[float, float]
                  ) -> tuple[tuple[RatingCount, ...], bool]:
    """Counts per rating, every whole point of the scale listed; non-whole values (a
    composite's average) are rounded half up to the nearest whole point."""
    whole = bool(np.array_equal(x, np.rint(x)))
    values = x if whole else np.floor(x + 0.5)
    lo, hi = math.ceil(scale[0]), math.floor(scale[1])
    points = np.arange(lo, hi + 1, dtype=np.float64)
    counts = {float(v): int(c) for v, c in zip(*np.unique(values, return_counts=True),
                                                strict=True)}
    keys = sorted(set(points.tolist()) | set(counts))
    return tuple(RatingCount(v, counts.get(v, 0)) for v in keys), not whole


def touchpoint_detail(journey_map: JourneyMap, data: SurveyData, node_id: str, *,
                      min_responses: int = DEFAULT_MIN_RESPONSES,
                      comments_shown: int = COMMENTS_SHOWN) -> TouchpointDetail:
    """What the respondents in ``data`` said about one measured node.

    Parameters
    ----------
    journey_map
        The map (labels, questions, scales, comment columns and staff names).
    data
        The respondents (:func:`~journeymap.data.load_survey`).
    node_id
        A measured node.
    min_responses
        No distribution when fewer rated the node; no comments when fewer rated it low
        (default 30, never below 10).
    comments_shown
        At most this many comments, the most recent first (by the map's date column;
        without one, the last rows of the data count as the most recent).

    Returns
    -------
    TouchpointDetail
    """
    check_min_responses(min_responses)
    node: Node = journey_map.node(node_id)
    assert node.scale is not None
    x = np.asarray(data.column(node_id), dtype=np.float64)
    answered = ~np.isnan(x)
    rated = int(answered.sum())
    low = low_range(node.scale)
    is_low = answered & (np.nan_to_num(x, nan=np.inf) <= low[1] + 1e-9)
    n_low = int(is_low.sum())
    common = TouchpointDetail(
        node=node.id, label=node.display, question=node.question_text, scale=node.scale,
        respondents=data.n, rated=rated, not_experienced=data.n - rated, distribution=None,
        low=low, rated_low=None, comments_suppressed=journey_map.comments is not None)
    if rated < min_responses:
        return common
    dist, rounded = _distribution(x[answered], node.scale)
    shown: tuple[Comment, ...] = ()
    suppressed = False
    if journey_map.comments is not None and data.comments is not None:
        if n_low < min_responses:
            suppressed = True
        else:
            shown = _recent(journey_map, data, is_low, comments_shown)
    return replace(common, distribution=dist, rated_low=n_low, comments=shown,
                   comments_suppressed=suppressed, rounded=rounded)


def _recent(journey_map: JourneyMap, data: SurveyData, rows: np.ndarray[Any, Any],
            most: int) -> tuple[Comment, ...]:
    texts = data.comments
    assert texts is not None
    assert journey_map.comments is not None
    has_text = np.array([t is not None for t in texts.text], dtype=bool)
    idx = np.flatnonzero(rows & texts.consent & has_text)
    if texts.date is not None:
        # newest first; unknown dates last; later rows first among equal dates
        days = texts.date[idx].astype("datetime64[D]").astype(np.int64)
        known = ~np.isnat(texts.date[idx])
        order = np.lexsort((-idx, np.where(known, -days, np.iinfo(np.int64).max)))
        idx = idx[order]
    else:
        idx = idx[::-1]
    staff = journey_map.comments.staff
    out = []
    for i in idx[:most]:
        date = (None if texts.date is None or np.isnat(texts.date[i])
                else str(texts.date[i].astype("datetime64[D]")))
        out.append(Comment(_cut(redact(str(texts.text[i]), staff)), date))
    return tuple(out)


def role_touchpoints(result: FitResult, role: str, *, data: SurveyData | None = None,
                     min_responses: int = DEFAULT_MIN_RESPONSES,
                     comments_shown: int = COMMENTS_SHOWN) -> RoleTouchpoints:
    """The question, the ratings and the comments of every measured node ``role`` acts on
    (its edges' targets, in the map's order).

    Parameters
    ----------
    result
        A fit of the map.
    role
        Id of a role of the map.
    data
        The respondents; default: those the fit kept (``result.model.data``).  Without
        respondents (a streamed fit, a result read back from JSON) the answer has
        ``has_rows`` False and no details.
    min_responses, comments_shown
        As for :func:`touchpoint_detail`.

    Returns
    -------
    RoleTouchpoints

    Raises
    ------
    UnknownNodeError
        ``role`` is not a node of the map.
    JourneymapError
        ``role`` is not a role, or ``min_responses`` is below the floor.
    """
    check_min_responses(min_responses)
    m = result.journey_map
    result.role(role)  # a clear error for a non-role
    targets = tuple(t for t in m.children(role) if m.node(t).measured)
    if data is None and result.model is not None:
        data = result.model.data
    if data is None:
        return RoleTouchpoints(role, min_responses, has_rows=False,
                               has_comments=m.comments is not None, nodes=targets)
    details = tuple(touchpoint_detail(m, data, t, min_responses=min_responses,
                                      comments_shown=comments_shown) for t in targets)
    return RoleTouchpoints(role, min_responses, has_rows=True, touchpoints=details,
                           has_comments=m.comments is not None, nodes=targets)

