"""Standard errors of the linear engine's coefficients and the one interval rule.

docs/method.md, "Standard errors" and "Intervals of everything computed from the
coefficients", states the rules; this module computes them.

* the heteroskedasticity-consistent (HC3) covariances of in-memory fits (the default) are
  computed in one masked pass over the rows by :func:`journeymap.stats.hc3_covariances`;
* :func:`hc1_from_moments` — the HC1 covariance from the accumulated fourth moments of an
  equation's rows (streamed and Spark fits, which never hold the rows; see
  :class:`~journeymap.summary.LinearSummary`);
* :class:`Uncertainty` — the estimated coefficients with their (block-diagonal)
  covariance and, with ``bootstrap=B``, their B bootstrap replicates; its
  :meth:`~Uncertainty.intervals` turns **any** quantity computed from the coefficients
  (edges, totals, direct and indirect effects, NPS points, role influence, routes, what-if)
  into 95 % intervals: the delta method on the covariance, or the bootstrap percentile
  interval when replicates exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np

from ..exceptions import JourneymapError
from ..nps import Z95
from ..summary import unvech

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ..headroom import HeadroomTable

__all__ = ["SE_TYPES", "SeType", "Uncertainty", "check_se_type", "hc1_from_moments",
           "nps_points_batch"]

SeType = Literal["hc3", "classical"]
SE_TYPES: tuple[str, ...] = ("hc3", "classical")

#: Relative step of the central differences: about the cube root of the machine epsilon,
#: which balances truncation (step²) against rounding (epsilon / step).
_STEP = 6e-6


def check_se_type(se: str) -> SeType:
    """``se`` if it is a known standard-error type, else one clear error."""
    if se not in SE_TYPES:
        raise JourneymapError(f"unknown standard-error type '{se}'; use {' or '.join(SE_TYPES)} "
                              "(docs/method.md, \"Standard errors\").")
    return "hc3" if se == "hc3" else "classical"


# ------------------------------------------------------------ fourth moments (HC1)
def hc1_from_moments(fourth: NDArray[np.float64], coef: NDArray[np.float64]
                     ) -> NDArray[np.float64]:
    """HC1 covariance of an equation's slopes from ``Σ q qᵀ``, ``q = vech(w wᵀ)``.

    ``w = (1, x_1 … x_k, y)`` per row (any fixed shift of the columns; the slopes and
    residuals do not depend on it).  The second moments ``Σ w wᵀ`` are the row of
    ``fourth`` that pairs with the constant, so everything comes from one matrix:
    ``meat = Σ e² z zᵀ = Σ_cd θ_c θ_d Σ w_c w_d z zᵀ`` with ``θ = (−a, −b, 1)`` and
    ``z = (1, x)``; the covariance is the slope block of
    ``n/(n − k − 1) · (ZᵀZ)⁻¹ meat (ZᵀZ)⁻¹``.
    """
    k = coef.shape[0]
    d = k + 2
    second = unvech(fourth[0], d)  # q_0 = w_0² = 1, so row 0 holds Σ w_c w_d
    n = second[0, 0]
    means = second[0] / n
    theta = np.concatenate([[-(means[k + 1] - coef @ means[1:k + 1])], -coef, [1.0]])
    iu, ju = np.triu_indices(d)
    weight = theta[iu] * theta[ju] * np.where(iu == ju, 1.0, 2.0)  # Σ_cd θ_c θ_d q_cd
    meat = unvech(weight @ fourth, d)[:k + 1, :k + 1]
    bread = np.linalg.inv(second[:k + 1, :k + 1])
    cov = bread @ meat @ bread * (n / (n - k - 1))
    return np.asarray(cov[1:, 1:], dtype=np.float64)


# ---------------------------------------------------------------- the interval rule
Quantities = Callable[["NDArray[np.float64]"], "NDArray[np.float64]"]
"""A function of coefficient vectors: ``(b, p)`` → ``(b, m)`` quantities."""


@dataclass(frozen=True)
class Uncertainty:
    """The estimated coefficients, their covariance and bootstrap replicates.

    Attributes
    ----------
    estimate
        The p estimated coefficients, in the order of :attr:`covariance` (equation by
        equation, parents in map order).
    covariance
        Their ``(p, p)`` covariance (block-diagonal by equation; HC3, HC1 or classical).
    replicates
        ``(B, p)`` bootstrap replicates of the coefficients, or None.
    method
        ``interval_method`` of the result: ``"delta-hc3"``, ``"delta-hc1"``,
        ``"delta-classical"`` or ``"bootstrap-percentile"``.
    """

    estimate: NDArray[np.float64]
    covariance: NDArray[np.float64]
    replicates: NDArray[np.float64] | None = None
    method: str = "delta-classical"

    def jacobian(self, f: Quantities, active: NDArray[np.intp] | None = None
                 ) -> NDArray[np.float64]:
        """``∂f/∂θ`` at the estimate by central differences, ``(m, p)``; only the
        coefficients in ``active`` (default: all) are moved, the other columns are 0."""
        theta = self.estimate
        p = theta.shape[0]
        cols = np.arange(p) if active is None else np.asarray(active, dtype=np.intp)
        if len(cols) == 0:
            return np.zeros((np.asarray(f(theta[None, :])).shape[1], p))
        step = _STEP * np.maximum(1.0, np.abs(theta[cols]))
        moves = np.zeros((len(cols), p))
        moves[np.arange(len(cols)), cols] = step
        probes = np.vstack([theta + moves, theta - moves])
        values = np.asarray(f(probes), dtype=np.float64)
        out = np.zeros((values.shape[1], p))
        out[:, cols] = ((values[:len(cols)] - values[len(cols):]) / (2.0 * step[:, None])).T
        return out

    def se(self, f: Quantities, *, jacobian: NDArray[np.float64] | None = None,
           active: NDArray[np.intp] | None = None) -> NDArray[np.float64]:
        """Delta-method standard errors of the quantities ``f``."""
        J = self.jacobian(f, active) if jacobian is None else jacobian
        var = np.einsum("ij,jk,ik->i", J, self.covariance, J)
        return np.asarray(np.sqrt(np.maximum(var, 0.0)), dtype=np.float64)

    def values(self, f: Quantities) -> NDArray[np.float64]:
        """The quantities at the estimate, ``(m,)``."""
        out: NDArray[np.float64] = np.asarray(f(self.estimate[None, :]), dtype=np.float64)[0]
        return out

    def intervals(self, f: Quantities, *, jacobian: NDArray[np.float64] | None = None,
                  value: NDArray[np.float64] | None = None, quantile: float = Z95,
                  active: NDArray[np.intp] | None = None) -> NDArray[np.float64]:
        """95 % intervals ``(m, 2)`` of every quantity ``f`` computes from the coefficients.

        With bootstrap replicates: the 2.5 and 97.5 percentiles of ``f`` over them.
        Otherwise the delta method ``f(θ̂) ± quantile · se`` (``jacobian`` may give
        ``∂f/∂θ`` in closed form; by default it is taken by central differences, moving
        only the coefficients in ``active`` when ``f`` depends on no others).
        """
        if self.replicates is not None:
            reps = _in_blocks(f, self.replicates)
            return np.asarray(np.percentile(reps, [2.5, 97.5], axis=0).T, dtype=np.float64)
        centre = self.values(f) if value is None else value
        half = quantile * self.se(f, jacobian=jacobian, active=active)
        return np.column_stack([centre - half, centre + half])

    def interval(self, f: Callable[[NDArray[np.float64]], NDArray[np.float64]]
                 ) -> tuple[float, float]:
        """One quantity's interval: ``f`` maps ``(b, p)`` coefficients to ``(b,)`` values."""
        lo, hi = self.intervals(lambda t: np.asarray(f(t))[:, None])[0]
        return float(lo), float(hi)


def _in_blocks(f: Quantities, thetas: NDArray[np.float64], block: int = 256
               ) -> NDArray[np.float64]:
    """``f`` over many coefficient vectors, a block at a time (bounded memory)."""
    parts = [np.asarray(f(thetas[i:i + block]), dtype=np.float64)
             for i in range(0, thetas.shape[0], block)]
    return np.vstack(parts) if parts else np.zeros((0, 0))


def nps_points_batch(table: HeadroomTable, coefficients: NDArray[np.float64],
                     constant: NDArray[np.float64] | float = 0.0) -> NDArray[np.float64]:
    """:meth:`HeadroomTable.nps_points` for many coefficient vectors at once.

    ``coefficients`` is ``(b, q)``; ``constant`` a number or ``(b,)``.  Returns ``(b,)``.
    """
    k = table.ltr.astype(np.float64)[None, :]
    d = coefficients @ table.h.T + np.asarray(constant, dtype=np.float64).reshape(-1, 1)
    gain = ((np.clip(k + d - 8.0, 0.0, 1.0) - np.clip(k - 8.0, 0.0, 1.0))
            - (np.clip(7.0 - k - d, 0.0, 1.0) - np.clip(7.0 - k, 0.0, 1.0)))
    total = float(table.counts.sum())
    if total == 0:
        return np.zeros(coefficients.shape[0])
    return np.asarray(100.0 * (gain @ table.counts) / total, dtype=np.float64)
