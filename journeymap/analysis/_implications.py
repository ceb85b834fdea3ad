"""The map's testable implications: the conditional independences it implies among the
measured nodes, and the tests of them (partial correlation or G-test), Holm-adjusted.

A journey map is a DAG in which the unmeasured roles are latent variables.  For every
pair of measured nodes that the map does not join by an edge, the map implies an
independence given some set of *measured* nodes, if one exists:

* first Shipley's basis set: ``X ⟂ Y | pa(X) ∪ pa(Y)`` with X before Y in topological
  order and the parents restricted to measured nodes;
* when that set does not separate them in the DAG (an unmeasured parent opens a path),
  the smallest separating set of measured nodes (``networkx.find_minimal_d_separator``
  restricted to measured nodes);
* when no set of measured nodes separates them (e.g. an unmeasured role acts on both:
  a common cause that cannot be conditioned on) the map implies no independence for
  the pair, and none is claimed.

Every claimed independence is verified with ``networkx.is_d_separator`` on the full
DAG, latent roles included, so no claim rests on the roles being absent.  Formulas are
in ``docs/method.md`` ("Checking the map against the data").  The plain-language
sentences of the check (:func:`implication_text`, :func:`fmt_p`) live here too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats as sps

from ..lstsq import centred_cross_products, find_degeneracy

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ..model import JourneyMap

__all__ = ["CITest", "Implication", "Untestable", "fmt_p", "g_test", "holm",
           "implication_text", "implied_independences", "names", "partial_correlation_test",
           "signed"]


@dataclass(frozen=True)
class Implication:
    """``x ⟂ y | given``: implied by the map (d-separation with the roles latent).

    ``basis`` is ``"parents"`` (Shipley's set, the measured parents of both) or
    ``"minimal"`` (a smallest separating set of measured nodes).
    """

    x: str
    y: str
    given: tuple[str, ...]
    basis: str


@dataclass(frozen=True)
class Untestable:
    """A pair of measured nodes without an edge that no measured set separates."""

    x: str
    y: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class CITest:
    """One conditional-independence test.

    ``statistic`` is the partial correlation r (linear) or G (discrete); ``df`` is
    ``n − |Z| − 3`` for the Fisher z test and the summed degrees of freedom of the G-test;
    ``p`` is NaN when the data cannot test it (too few complete rows).
    """

    statistic: float
    df: int
    p: float
    n: int


def implied_independences(journey_map: JourneyMap
                          ) -> tuple[list[Implication], list[Untestable]]:
    """The basis set of independences the map implies among its measured nodes.

    Returns the implications (one per non-adjacent pair of measured nodes that some
    measured set separates, in topological order) and the pairs that no measured set
    separates, with the unmeasured roles that are common causes of both.

    Examples
    --------
    >>> from journeymap.datasets import example_map
    >>> imps, untestable = implied_independences(example_map())
    >>> imps[0].x, imps[0].y, imps[0].given
    ('brand', 'website', ())
    >>> [(u.x, u.y, u.roles) for u in untestable]
    [('quote', 'ordering', ('sales_rep',)), ('delivery', 'installation', ('installer',))]
    """
    import networkx as nx

    m = journey_map
    g = m.to_networkx()
    measured = [n for n in m.topological_order if m.node(n).measured]
    pos = {n: i for i, n in enumerate(measured)}
    parents = {n: {p for p in g.predecessors(n) if p in pos} for n in measured}
    ancestors = {n: nx.ancestors(g, n) for n in measured}
    out: list[Implication] = []
    untestable: list[Untestable] = []
    for i, x in enumerate(measured):
        for y in measured[i + 1:]:
            if g.has_edge(x, y) or g.has_edge(y, x):
                continue
            given = (parents[x] | parents[y]) - {x, y}
            basis = "parents"
            if not nx.is_d_separator(g, {x}, {y}, given):
                found = nx.find_minimal_d_separator(g, {x}, {y},
                                                    restricted=set(measured) - {x, y})
                if found is None:
                    common = (ancestors[x] | {x}) & (ancestors[y] | {y})
                    roles = tuple(r for r in m.topological_order
                                  if r in common and not m.node(r).measured)
                    untestable.append(Untestable(x, y, roles))
                    continue
                given, basis = set(found), "minimal"
            # The claim must hold in the DAG with the roles as latent variables.
            assert nx.is_d_separator(g, {x}, {y}, given)
            out.append(Implication(x, y, tuple(sorted(given, key=pos.__getitem__)), basis))
    return out, untestable


def partial_correlation_test(columns: Sequence[NDArray[np.float64]]) -> CITest:
    """Partial correlation of the first two columns given the rest, with Fisher's z test.

    Uses the rows where every column is observed (NaN = not experienced).  With the
    precision matrix ``P`` of those rows, ``r = −P_xy / sqrt(P_xx · P_yy)``;
    ``z = atanh(r) · sqrt(n − k − 3)`` (k conditioning columns) and the two-sided
    ``p = 2 · (1 − Φ(|z|))``.  ``p`` is NaN when ``n − k − 3 < 1`` or a column is
    constant on those rows.
    """
    data = np.column_stack(columns)
    rows = data[~np.isnan(data).any(axis=1)]
    n, k = rows.shape[0], data.shape[1] - 2
    if n - k - 3 < 1:
        return CITest(math.nan, n - k - 3, math.nan, n)
    return partial_correlation_from_cross(centred_cross_products(rows), n)


def partial_correlation_from_cross(cross: NDArray[np.float64], n: int) -> CITest:
    """:func:`partial_correlation_test` from the centred cross-products of its ``n`` rows
    (x, y, then the conditioning columns), e.g. summed chunk by chunk."""
    k = cross.shape[0] - 2
    df = n - k - 3
    if df < 1:
        return CITest(math.nan, df, math.nan, n)
    if find_degeneracy(cross) is not None:  # a constant or collinear column
        return CITest(math.nan, df, math.nan, n)
    scale = np.sqrt(np.diag(cross))
    corr = cross / np.outer(scale, scale)
    prec = np.linalg.inv(corr)
    r = float(-prec[0, 1] / math.sqrt(prec[0, 0] * prec[1, 1]))
    r = min(max(r, -1.0), 1.0)
    z = math.atanh(r) * math.sqrt(df) if abs(r) < 1.0 else math.copysign(math.inf, r)
    return CITest(r, df, float(2.0 * sps.norm.sf(abs(z))), n)


def g_test(x: NDArray[np.int64], y: NDArray[np.int64],
           given: Sequence[NDArray[np.int64]], *, permutations: int = 100,
           rng: np.random.Generator | None = None) -> CITest:
    """G-test (log-likelihood ratio) of ``x ⟂ y | given`` on discrete codes (−1 = missing).

    Over the rows where all are observed, per stratum z of the conditioning codes:
    ``G = 2 Σ O · log(O · n_z / (R · C))`` over the cells with O > 0 (R, C the stratum's row
    and column totals); ``df = Σ_z (r_z − 1)(c_z − 1)`` with ``r_z``, ``c_z`` the numbers of
    x and y states that occur in the stratum (the adjusted degrees of freedom of sparse
    tables, as pgmpy's ``GSq``; no continuity correction).

    With ``permutations = 0`` the p-value is the chi-square tail on ``df``.  That
    approximation fails in sparse strata (a few responses per combination of the
    conditioning nodes: G is then far larger than df under independence), so by default
    the null distribution is calibrated by permuting x within the strata (which keeps
    every stratum's margins, so only ``Σ O log O`` changes): with mean μ and variance v of
    the permuted G, ``G / a ~ χ²(ν)`` with ``a = v / (2μ)`` and ``ν = 2μ² / v`` (two
    moments matched), which gives tail p-values far below 1 / permutations.
    """
    codes = [x, y, *given]
    complete = np.ones(x.shape[0], dtype=bool)
    for c in codes:
        complete &= c >= 0
    n = int(complete.sum())
    if n == 0:
        return CITest(math.nan, 0, math.nan, 0)
    xs, ys = x[complete], y[complete]
    if given:
        z = np.column_stack([c[complete] for c in given])
        strata = np.unique(z, axis=0, return_inverse=True)[1].ravel().astype(np.int64)
    else:
        strata = np.zeros(n, dtype=np.int64)
    order = np.argsort(strata, kind="stable")
    xs, ys, strata = xs[order], ys[order], strata[order]
    kx, ky = int(xs.max()) + 1, int(ys.max()) + 1

    def olog(counts: NDArray[np.int64]) -> float:
        c = counts[counts > 0].astype(np.float64)
        return float(np.sum(c * np.log(c)))

    n_strata = int(strata[-1]) + 1
    rows = np.bincount(strata * kx + xs, minlength=n_strata * kx)
    cols = np.bincount(strata * ky + ys, minlength=n_strata * ky)
    margins = olog(rows) + olog(cols) - olog(np.bincount(strata))
    G = max(2.0 * (olog(np.bincount((strata * kx + xs) * ky + ys)) - margins), 0.0)
    active_r = (rows.reshape(n_strata, kx) > 0).sum(axis=1)
    active_c = (cols.reshape(n_strata, ky) > 0).sum(axis=1)
    df = int(((active_r - 1).clip(min=0) * (active_c - 1).clip(min=0)).sum())
    if df == 0:
        return CITest(G, 0, math.nan, n)
    if permutations <= 0:
        return CITest(G, df, float(sps.chi2.sf(G, df)), n)
    gen = rng if rng is not None else np.random.default_rng(0)
    null = np.empty(permutations)
    for b in range(permutations):
        shuffled = xs[np.argsort(strata + gen.random(n), kind="stable")]
        null[b] = 2.0 * (olog(np.bincount((strata * kx + shuffled) * ky + ys)) - margins)
    mu, var = float(null.mean()), float(null.var(ddof=1))
    if mu <= 0.0 or var <= 0.0:
        p = float((np.sum(null >= G - 1e-9) + 1) / (permutations + 1))
    else:
        a = var / (2.0 * mu)
        p = float(sps.chi2.sf(G / a, 2.0 * mu * mu / var))
    return CITest(G, df, p, n)


def holm(p: Sequence[float]) -> NDArray[np.float64]:
    """Holm's step-down adjusted p-values; NaN entries stay NaN and are not counted.

    With the m finite p-values sorted, ``p_(i)`` becomes ``max_{j ≤ i} min(1, (m − j + 1)
    p_(j))`` (Holm 1979): it controls the chance of any false "disagree" at α.
    """
    arr = np.asarray(p, dtype=np.float64)
    out = np.full(arr.shape, np.nan)
    finite = np.flatnonzero(np.isfinite(arr))
    m = len(finite)
    if m == 0:
        return out
    order = finite[np.argsort(arr[finite], kind="stable")]
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * arr[order]))
    out[order] = adjusted
    return out


# ------------------------------------------------------------------------ words
def fmt_p(p: float) -> str:
    """``p = 0.41``, ``p = 0.002``, ``p < 0.0001`` (NaN: ``p = –``)."""
    if not math.isfinite(p):
        return "p = –"
    if p < 1e-4:
        return "p < 0.0001"
    return f"p = {p:.2f}" if p >= 0.01 else (f"p = {p:.3f}" if p >= 0.001 else f"p = {p:.1g}")


def signed(x: float | None, digits: int = 2) -> str:
    """``+0.31`` / ``−0.12`` (a true minus sign); ``–`` for a missing number."""
    if x is None or not math.isfinite(x):
        return "–"
    return f"{x:+.{digits}f}".replace("-", "−")


def names(m: JourneyMap, ids: tuple[str, ...] | list[str]) -> str:
    """Labels as a list in words: ``A``, ``A and B``, ``A, B and C``; ``nothing`` if empty."""
    labels = [m.node(i).display for i in ids]
    if not labels:
        return "nothing"
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def implication_text(m: JourneyMap, x: str, y: str, given: tuple[str, ...], t: CITest,
                     p_holm: float, alpha: float, verdict: str) -> str:
    """"The map says X ⟂ Y given Z; no evidence against it (p = 0.41)." and its variants.

    A test that does not reject says only that: no evidence against the independence at
    this n, never that the data confirm it (docs/method.md, §10.1).
    """
    head = (f"The map says {m.node(x).display} ⟂ {m.node(y).display} given "
            f"{names(m, given)}; ")
    if verdict == "untested":
        return head + f"too few responses answered all of them to test it (n = {t.n})."
    if verdict == "disagree":
        return head + f"the data disagree ({fmt_p(t.p)}; Holm-adjusted {fmt_p(p_holm)})."
    if t.p < alpha:
        return head + (f"no evidence against it once all the tests are allowed for "
                       f"({fmt_p(t.p)}; Holm-adjusted {fmt_p(p_holm)}).")
    return head + f"no evidence against it ({fmt_p(t.p)})."
