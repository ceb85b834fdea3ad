"""Reference computations written independently of the library, shared by several tests.

They follow DESIGN §4 literally, per respondent, without the library's tables or
gradients, so that the library's numbers can be checked against them.
"""

from __future__ import annotations

import numpy as np


def nps_points(ltr: np.ndarray, shift: np.ndarray) -> float:
    """100 · mean change in P(promoter) − P(detractor) when each answer k, read as the
    interval [k − .5, k + .5), moves by ``shift`` (DESIGN §4, the interval-crossing rule)."""

    def promoter(v: np.ndarray) -> np.ndarray:  # share of [v − .5, v + .5) at or above 8.5
        return np.clip(v + 0.5 - 8.5, 0.0, 1.0)

    def detractor(v: np.ndarray) -> np.ndarray:  # share of [v − .5, v + .5) below 6.5
        return np.clip(6.5 - (v - 0.5), 0.0, 1.0)

    gain = (promoter(ltr + shift) - promoter(ltr)) - (detractor(ltr + shift) - detractor(ltr))
    return 100.0 * float(gain.mean())
