"""Net Promoter Score: classes, score, adjusted-Wald interval, and shifts.

The formulas are in docs/method.md, "NPS and its interval" and "NPS points".

NPS = 100 · (promoters − detractors) / n with promoters LTR 9–10, passives 7–8 and
detractors 0–6.  The scale and the cut-offs are fixed; nothing here changes them.

Examples
--------
>>> s = nps_score([10, 9, 9, 8, 7, 6, 3, 10, 9, 5])
>>> s.value, s.promoters, s.passives, s.detractors
(20.0, 5, 2, 3)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["DETRACTOR_MAX", "PROMOTER_MIN", "NPSScore", "nps_change", "nps_change_slope",
           "nps_gains", "nps_score"]

PROMOTER_MIN = 9
DETRACTOR_MAX = 6
Z95 = 1.959963984540054


@dataclass(frozen=True)
class NPSScore:
    """An NPS with its counts and 95 % adjusted-Wald interval (NPS points)."""

    value: float
    ci: tuple[float, float]
    promoters: int
    passives: int
    detractors: int
    n: int

    @property
    def promoter_share(self) -> float:
        return self.promoters / self.n if self.n else math.nan

    @property
    def detractor_share(self) -> float:
        return self.detractors / self.n if self.n else math.nan

    @property
    def se(self) -> float:
        """Standard error of the adjusted estimate, in NPS points.

        ``100 · sqrt((p + d − (p − d)²)/n')`` from the counts (see :func:`nps_score`),
        so it stays right when the interval is clipped at ±100.
        """
        if not self.n:
            return math.nan
        return 100.0 * _adjusted_se(self.promoters, self.detractors, self.n)

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "ci": list(self.ci), "promoters": self.promoters,
                "passives": self.passives, "detractors": self.detractors, "n": self.n}


def nps_score(ltr: ArrayLike, z: float = Z95) -> NPSScore:
    """NPS of 0–10 answers with the adjusted-Wald 95 % interval.

    The interval adds 0.75 to the promoter and detractor counts and 3 to n:
    ``p = (P + 0.75)/(n + 3)``, ``d = (D + 0.75)/(n + 3)``,
    ``se = sqrt((p + d − (p − d)²)/(n + 3))`` and ``100·(p − d ± z·se)``, clipped to
    [−100, 100].  The point estimate is the plain ``100·(P − D)/n``.

    Parameters
    ----------
    ltr
        Integer answers 0–10 (missing answers must be removed before).
    """
    x = np.asarray(ltr)
    n = int(x.size)
    promoters = int(np.count_nonzero(x >= PROMOTER_MIN))
    detractors = int(np.count_nonzero(x <= DETRACTOR_MAX))
    passives = n - promoters - detractors
    return nps_from_counts(promoters, passives, detractors, z=z)


def nps_from_counts(promoters: int, passives: int, detractors: int,
                    z: float = Z95) -> NPSScore:
    """NPS and adjusted-Wald interval from class counts (see :func:`nps_score`)."""
    n = promoters + passives + detractors
    if n == 0:
        return NPSScore(math.nan, (math.nan, math.nan), 0, 0, 0, 0)
    value = 100.0 * (promoters - detractors) / n
    n_adj = n + 3.0
    p = (promoters + 0.75) / n_adj
    d = (detractors + 0.75) / n_adj
    se = _adjusted_se(promoters, detractors, n)
    low = max(-100.0, 100.0 * (p - d - z * se))
    high = min(100.0, 100.0 * (p - d + z * se))
    return NPSScore(value, (low, high), promoters, passives, detractors, n)


def _adjusted_se(promoters: int, detractors: int, n: int) -> float:
    """Adjusted-Wald se of p − d (shares, not NPS points)."""
    n_adj = n + 3.0
    p = (promoters + 0.75) / n_adj
    d = (detractors + 0.75) / n_adj
    return math.sqrt((p + d - (p - d) ** 2) / n_adj)


def _clip01(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.clip(x, 0.0, 1.0)


def nps_change(ltr: ArrayLike, delta: ArrayLike,
               weights: ArrayLike | None = None) -> float:
    """Expected change in NPS points when each respondent's LTR moves by ``delta``.

    An integer answer ``k`` is read as the interval ``[k − 0.5, k + 0.5)``; after a
    shift ``δ`` the share of it at or above 8.5 is promoter and below 6.5 detractor:
    ``P(promoter) = clip(k + δ − 8, 0, 1)``, ``P(detractor) = clip(7 − k − δ, 0, 1)``.
    The result is ``100 · mean(ΔP(promoter) − ΔP(detractor))`` (weighted when
    ``weights`` are given, e.g. counts of identical rows).

    >>> round(nps_change([8, 6, 9], [0.5, 0.5, 0.5]), 6)  # 8→half promoter, 6→half out
    33.333333
    """
    gain = nps_gains(ltr, delta)
    if not gain.size:
        return 0.0
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    return 100.0 * float(np.average(gain, weights=w))


def nps_gains(ltr: ArrayLike, delta: ArrayLike) -> NDArray[np.float64]:
    """Each respondent's change in promoter − detractor share (0–1 per respondent, not yet
    times 100) when their LTR moves by ``delta``; :func:`nps_change` averages them.

    >>> nps_gains([8, 6, 9, 10], 0.5).tolist()
    [0.5, 0.5, 0.0, 0.0]
    """
    k = np.asarray(ltr, dtype=np.float64)
    d = np.broadcast_to(np.asarray(delta, dtype=np.float64), k.shape)
    return np.asarray((_clip01(k + d - 8.0) - _clip01(k - 8.0))
                      - (_clip01(7.0 - k - d) - _clip01(7.0 - k)), dtype=np.float64)


def nps_change_slope(ltr: ArrayLike, delta: ArrayLike) -> NDArray[np.float64]:
    """Derivative of each respondent's gain in :func:`nps_change` with respect to δ.

    ``1{0 < k + δ − 8 < 1} + 1{0 < 7 − k − δ < 1}`` (per LTR point; multiply by 100
    for NPS points).  Used by the delta method for intervals of NPS-point effects.
    """
    k = np.asarray(ltr, dtype=np.float64)
    d = np.broadcast_to(np.asarray(delta, dtype=np.float64), k.shape)
    up = k + d - 8.0
    down = 7.0 - k - d
    return (((up > 0) & (up < 1)).astype(np.float64)
            + ((down > 0) & (down < 1)).astype(np.float64))


def class_counts(ltr: Sequence[int] | NDArray[np.int64]) -> tuple[int, int, int]:
    """(promoters, passives, detractors) of 0–10 answers."""
    s = nps_score(ltr)
    return s.promoters, s.passives, s.detractors
