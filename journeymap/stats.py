"""Sufficient statistics for the linear engine: each equation's Gram matrix.

Each equation of a map (a measured node regressed on its measured parents) uses the
rows where the node and all its parents are observed.  Its statistics are the Gram
matrix ``G = Σ z zᵀ`` over those rows with ``z = (1, x_1, …, x_m)``.  Statistics of
chunks add up, so data can stream (or be computed on Spark executors) and be merged
with :meth:`SufficientStats.merge`.

A chunk without gaps gives one Gram matrix over all its columns; each equation reads
its block (:meth:`SufficientStats.moments`).  A chunk with "not experienced" gaps goes
through one blocked pass (:func:`masked_grams`, docs/performance.md): per block of rows
the gaps are filled with a finite number, each equation's complete-row indicator
``r = Π_{j∈S} observed_j`` is formed from the observed cells, and its Gram matrix is
``Wᵀ W`` with ``W = r ⊙ [1, Z_S]`` — rows with a gap in the equation's columns are
multiplied by 0, never gathered or sorted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import blas

from .limits import HC3_BOUND_TOLERANCE

__all__ = ["BLOCK_ROWS", "EXACT_PEAK", "ColumnTotals", "EquationMoments", "SufficientStats",
           "column_sums", "hc3_bound_factors", "hc3_covariances", "leverage_bound",
           "masked_grams"]

#: Rows per block of the masked pass: a block of 31 float32 columns (≈ 2 MB) and its
#: products stay in the CPU cache.
BLOCK_ROWS = 16_384
#: Whole numbers of at most this size are multiplied in float32: every sum a block forms
#: is then an integer of at most ``BLOCK_ROWS · EXACT_PEAK² = 2**24``, exact in float32.
EXACT_PEAK = 32


@dataclass(frozen=True)
class EquationMoments:
    """Moments of one equation's complete rows.

    ``gram`` is ``Σ z zᵀ`` over those rows with ``z = (1, x_cols…)``, so
    ``gram[0, 0]`` is n, ``gram[0, 1:]`` the column sums.
    """

    columns: tuple[int, ...]
    gram: NDArray[np.float64]

    @property
    def n(self) -> int:
        return round(float(self.gram[0, 0]))

    @property
    def means(self) -> NDArray[np.float64]:
        return np.asarray(self.gram[0, 1:] / self.gram[0, 0], dtype=np.float64)

    @property
    def covariance(self) -> NDArray[np.float64]:
        """Sample covariance (ddof 1) of the columns over the equation's rows."""
        n = self.gram[0, 0]
        s = self.gram[0, 1:]
        return np.asarray((self.gram[1:, 1:] - np.outer(s, s) / n) / (n - 1), dtype=np.float64)


@dataclass(frozen=True)
class ColumnTotals:
    """Each column's number of observed values and their sum, in one chunk."""

    n: NDArray[np.int64]
    sums: NDArray[np.float64]


@dataclass
class SufficientStats:
    """Each equation's Gram matrix over its complete rows, for a fixed set of equations.

    Parameters
    ----------
    n_columns
        Number of value columns (measured nodes).
    equations
        For each equation, the column indices it needs (parents and child).

    Attributes
    ----------
    complete
        ``Σ z zᵀ`` over the rows of chunks without any gap, ``z = (1, x_1 … x_n_columns)``
        (None before the first such chunk).
    grams
        Per equation, ``Σ z zᵀ`` over its complete rows in chunks with gaps.
    n_rows
        Rows added.
    """

    n_columns: int
    equations: tuple[tuple[int, ...], ...]
    complete: NDArray[np.float64] | None = None
    grams: list[NDArray[np.float64]] = field(default_factory=list)
    n_rows: int = 0

    def __post_init__(self) -> None:
        self.equations = tuple(tuple(int(c) for c in eq) for eq in self.equations)
        if not self.grams:
            self.grams = [np.zeros((len(eq) + 1, len(eq) + 1)) for eq in self.equations]

    @classmethod
    def from_array(cls, values: NDArray[np.floating[Any]],
                   equations: Sequence[Sequence[int]], *, whole: bool = False
                   ) -> SufficientStats:
        """Statistics of one in-memory array (rows = responses, NaN = missing)."""
        stats = cls(values.shape[1], tuple(tuple(e) for e in equations))
        stats.update(values, whole=whole)
        return stats

    def update(self, values: NDArray[np.floating[Any]],
               sums: NDArray[np.float64] | None = None, *, whole: bool = False
               ) -> ColumnTotals:
        """Add the rows of ``values`` (shape ``(n, n_columns)``, NaN = missing).

        Parameters
        ----------
        values
            The chunk; any memory order (column-major is fastest).
        sums
            The column sums, when the caller has them (NaN in a column makes its sum
            NaN), saving one pass over the data.
        whole
            Every value is a whole number (a float32 chunk always is, see
            :func:`column_sums`): blocks whose largest value is at most
            :data:`EXACT_PEAK` are then multiplied in float32, exactly.

        Returns
        -------
        ColumnTotals
            Each column's observed count and sum in this chunk.
        """
        if values.shape[1] != self.n_columns:
            raise ValueError(f"expected {self.n_columns} columns, got {values.shape[1]}")
        n = values.shape[0]
        if n == 0:
            return ColumnTotals(np.zeros(self.n_columns, dtype=np.int64),
                                np.zeros(self.n_columns))
        self.n_rows += n
        if sums is None:
            sums = column_sums(values)
        if np.isfinite(sums).all():  # NaN anywhere would make its column sum NaN
            gram = _gram(values, sums)
            self.complete = gram if self.complete is None else self.complete + gram
            return ColumnTotals(np.full(self.n_columns, n, dtype=np.int64),
                                np.asarray(sums, dtype=np.float64))
        grams, totals = masked_grams(values, self.equations,
                                     whole=whole or values.dtype == np.float32)
        for mine, add in zip(self.grams, grams, strict=True):
            mine += add
        return totals

    def merge(self, other: SufficientStats) -> SufficientStats:
        """Add another chunk's statistics (same equations) into this one; returns self."""
        if other.equations != self.equations or other.n_columns != self.n_columns:
            raise ValueError("cannot merge statistics of different equations")
        if other.complete is not None:
            self.complete = other.complete.copy() if self.complete is None \
                else self.complete + other.complete
        for mine, theirs in zip(self.grams, other.grams, strict=True):
            mine += theirs
        self.n_rows += other.n_rows
        return self

    @classmethod
    def weighted_sum(cls, parts: Sequence[SufficientStats],
                     weights: NDArray[np.float64]) -> SufficientStats:
        """``Σ w_g · stats_g`` (e.g. bootstrap weights on groups of rows)."""
        first = parts[0]
        out = cls(first.n_columns, first.equations)
        for part, w in zip(parts, weights, strict=True):
            if w == 0:
                continue
            if part.complete is not None:
                out.complete = w * part.complete if out.complete is None \
                    else out.complete + w * part.complete
            for mine, theirs in zip(out.grams, part.grams, strict=True):
                mine += w * theirs
            out.n_rows += round(float(w) * part.n_rows)
        return out

    def moments(self, e: int) -> EquationMoments:
        """Moments of equation ``e`` over its complete rows."""
        eq = self.equations[e]
        gram = self.grams[e].copy()
        if self.complete is not None:
            idx = [0, *(c + 1 for c in eq)]
            gram += self.complete[np.ix_(idx, idx)]
        return EquationMoments(eq, gram)


def masked_grams(values: NDArray[np.floating[Any]], equations: Sequence[tuple[int, ...]], *,
                 whole: bool = False, block_rows: int = BLOCK_ROWS
                 ) -> tuple[list[NDArray[np.float64]], ColumnTotals]:
    """Each equation's Gram matrix over its complete rows, and the column totals.

    One pass over ``values`` (NaN = missing) in blocks of ``block_rows`` rows.  Per block:
    the gaps of column j are filled with ``min(0, the block's smallest value of j)`` (so
    every value is finite and the observed ones are unchanged) and the observed cells are
    marked.  For an equation with columns S, the complete-row indicator
    ``r = Π_{j∈S} observed_j`` is the first column of ``W = r ⊙ [1, Z_S]`` and its Gram
    matrix is ``G += Wᵀ W`` (``r² = r``): a row with a gap in S is multiplied by 0, never
    gathered or sorted, and every step is a contiguous column operation or one matrix
    product.

    With ``whole`` (every value a whole number), a block whose values lie within
    ±:data:`EXACT_PEAK` (and whose rows × peak² ≤ 2**24) is multiplied in float32 (every
    sum is then an integer of at most 2**24, so exact) and added up in float64; otherwise
    in float64.

    Returns
    -------
    grams, totals
        ``grams[e]`` is ``Σ z zᵀ`` over the rows where every column of ``equations[e]``
        is observed, ``z = (1, x_S)``; ``totals`` each column's observed count and sum.
    """
    n, m = values.shape
    b = max(1, min(n, block_rows))
    grams = [np.zeros((len(eq) + 1, len(eq) + 1)) for eq in equations]
    counts = np.zeros(m, dtype=np.int64)
    sums = np.zeros(m)
    observed = np.empty((b, m), dtype=bool, order="F")
    complete = np.empty(b, dtype=bool)
    widest = max((len(eq) + 1 for eq in equations), default=1)
    buffers: dict[str, tuple[NDArray[Any], NDArray[Any]]] = {}

    def buffer(dtype: str) -> tuple[NDArray[Any], NDArray[Any]]:
        """The block's values and one equation's ``W``, in ``dtype``."""
        if dtype not in buffers:
            buffers[dtype] = (np.empty((b, m), dtype=dtype, order="F"),
                              np.empty((b, widest), dtype=dtype, order="F"))
        return buffers[dtype]

    for start in range(0, n, b):
        stop = min(n, start + b)
        k = stop - start
        block = values[start:stop]
        z, w = buffer("f4" if whole else "f8")
        x = z[:k]
        np.copyto(x, block, casting="unsafe")
        low = np.fmin.reduce(x, axis=0)  # NaN only for a column without values
        if whole:
            high = np.fmax.reduce(x, axis=0)
            peak = float(np.fmax.reduce(np.abs(np.concatenate([low, high])), initial=0.0))
            if not (peak <= EXACT_PEAK and k * peak * peak <= 2**24):
                z, w = buffer("f8")
                x = z[:k]
                np.copyto(x, block)
                low = np.fmin.reduce(x, axis=0)
        fill = np.minimum(np.nan_to_num(low, nan=0.0), 0.0)
        obs = observed[:k]
        np.equal(x, x, out=obs)
        np.fmax(x, fill.astype(x.dtype), out=x)  # fmax ignores NaN: gaps → fill
        seen = np.array([np.count_nonzero(obs[:, j]) for j in range(m)], dtype=np.int64)
        counts += seen
        sums += np.add.reduce(x, axis=0).astype(np.float64) - (k - seen) * fill
        for e, eq in enumerate(equations):
            we = w[:k, :len(eq) + 1]
            if not eq:
                we.fill(1.0)
            else:
                np.copyto(we[:, 0], _complete_rows(obs, eq, complete[:k]), casting="unsafe")
                for j, c in enumerate(eq, start=1):
                    np.multiply(x[:, c], we[:, 0], out=we[:, j])
            grams[e] += _crossprod(we)
    return grams, ColumnTotals(counts, sums)


def _complete_rows(observed: NDArray[np.bool_], columns: Sequence[int],
                   out: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Rows of a block where every one of ``columns`` is observed (``out`` unless there is
    one column: then its own view)."""
    if len(columns) == 1:
        return observed[:, columns[0]]
    np.logical_and(observed[:, columns[0]], observed[:, columns[1]], out=out)
    for c in columns[2:]:
        np.logical_and(out, observed[:, c], out=out)
    return out


#: Equations with at most this many parents get the exact box bound on their leverage
#: (every corner of the parents' box is tried: 2**k of them); above, an eigenvalue bound.
BOX_CORNERS_UP_TO = 16

Fit = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], int]


def leverage_bound(fit: Fit, low: NDArray[np.float64], high: NDArray[np.float64]) -> float:
    """An upper bound on every leverage ``h = 1/n + x̃ᵀ Sxx⁻¹ x̃`` of an equation whose
    parents lie in the box ``low ≤ x ≤ high`` (their scales).

    ``fit = (coef, means, Sxx⁻¹, n)`` as in :func:`hc3_covariances`.  The quadratic form
    is convex, so its largest value over the box is at a corner: with at most
    :data:`BOX_CORNERS_UP_TO` parents every corner ``x̃ = corner − x̄`` is tried (the
    exact maximum over the box); with more, ``max ‖x̃‖² · λ_max(Sxx⁻¹)`` bounds it.  A
    relative margin of 1e-9 covers the rounding of these few products.
    """
    _, means, inverse, n = fit
    k = inverse.shape[0]
    lo = np.asarray(low, dtype=np.float64) - means[:k]
    hi = np.asarray(high, dtype=np.float64) - means[:k]
    if k <= BOX_CORNERS_UP_TO:
        bits = (np.arange(2**k)[:, None] >> np.arange(k)[None, :]) & 1
        corners = np.where(bits == 1, hi, lo)
        quad = float(np.einsum("ij,ij->i", corners @ inverse, corners).max())
    else:
        far = float(np.maximum(lo * lo, hi * hi).sum())
        quad = far * float(np.linalg.eigvalsh(inverse)[-1])
    return (1.0 / n + max(quad, 0.0)) * (1.0 + 1e-9)


def hc3_bound_factors(fits: Sequence[Fit],
                      boxes: Sequence[tuple[NDArray[np.float64], NDArray[np.float64]] | None],
                      *, tolerance: float = HC3_BOUND_TOLERANCE) -> list[float | None]:
    """Per equation, the factor ``c = (1 − h̄)⁻²`` of the bounded HC3, or None (exact).

    ``h̄`` is :func:`leverage_bound` over the parents' box ``boxes[e] = (low, high)``.
    Every row has ``1 ≤ (1 − h_i)⁻² ≤ c``, so HC3's meat ``Σ e_i²/(1 − h_i)² x̃ x̃ᵀ`` lies
    between HC0's meat ``Σ e_i² x̃ x̃ᵀ`` and c times it (in the order of positive
    semidefinite matrices, and so does every variance of a linear combination).  When
    ``c − 1 ≤ tolerance`` (:data:`~journeymap.limits.HC3_BOUND_TOLERANCE`: large n), c × HC0
    is reported — never below HC3 and at most ``tolerance`` above it — and the pass needs
    no leverages; otherwise (or without a box) None: HC3 row by row.
    """
    out: list[float | None] = []
    for fit, box in zip(fits, boxes, strict=True):
        factor = None
        if box is not None and fit[3] > 0 and fit[2].shape[0] > 0:
            h = leverage_bound(fit, *box)
            if h < 1.0:
                c = 1.0 / (1.0 - h) ** 2
                factor = c if c - 1.0 <= tolerance else None
        out.append(factor)
    return out


def hc3_covariances(values: NDArray[np.floating[Any]], equations: Sequence[tuple[int, ...]],
                    fits: Sequence[Fit], *, factors: Sequence[float | None] | None = None,
                    gaps: bool | None = None,
                    block_rows: int = BLOCK_ROWS) -> list[NDArray[np.float64]]:
    """HC3 covariance of each equation's slopes, in one pass over the rows with gaps.

    Equation e is ``equations[e] = (parents…, child)``, fitted on its complete rows with
    ``fits[e] = (coef, means, inverse, n)``: the k slopes, the means of ``(x…, y)`` over
    those rows, ``Sxx⁻¹`` and their number.  With ``x̃ = x − x̄``, residual
    ``e = (y − ȳ) − x̃ᵀ b``, ``a = Sxx⁻¹ x̃`` and leverage ``h = 1/n + aᵀ x̃``, the HC3
    covariance of the slopes is ``Σ (e/(1 − h))² a aᵀ`` over the complete rows (the slope
    block of ``(ZᵀZ)⁻¹ Zᵀ diag(e²/(1 − h)²) Z (ZᵀZ)⁻¹``, Z = [1, x]; Frisch–Waugh–Lovell).

    An equation with a factor ``c = factors[e]`` (:func:`hc3_bound_factors`) gets the
    bounded HC3 ``c · Sxx⁻¹ (Σ e² x̃ x̃ᵀ) Sxx⁻¹`` instead: per row only its residual
    ``e = y − b₀ − xᵀb`` (one BLAS ``axpy`` per parent), ``W = e ⊙ [1, x]`` and ``WᵀW``,
    centred afterwards (``x̃ = L z``, ``L = [−x̄, I]``) — no leverages.

    The rows are read as in :func:`masked_grams`, in float64 blocks with the gaps filled:
    every row of a block is computed, and a row with a gap in the equation's columns gets
    ``e = h = 0`` (its complete-row indicator multiplied in), so it adds nothing — no
    equation's rows are gathered.  A block without gaps skips the indicators; with
    ``gaps=False`` (the caller knows there are none) a column-major float64 array is read
    in place, without copying its blocks.
    """
    n, m = values.shape
    b = max(1, min(n, block_rows))
    factors = list(factors) if factors is not None else [None] * len(equations)
    out = [np.zeros((len(eq) - 1, len(eq) - 1)) for eq in equations]
    meats = [np.zeros((len(eq), len(eq))) for eq in equations]
    in_place = gaps is False and values.dtype == np.float64 and values.flags.f_contiguous
    z = np.empty((0, m) if in_place else (b, m), order="F")
    observed = np.empty((b, m), dtype=bool, order="F")
    complete = np.empty(b, dtype=bool)
    widest = max((len(eq) for eq in equations), default=1)
    centred = np.empty((b, widest), order="F")
    scaled = np.empty((b, widest), order="F")
    resid = np.empty(b)
    lever = np.empty(b)
    offsets = [float(means[-1] - coef @ means[:-1]) if len(coef) else 0.0
               for coef, means, _, _ in fits]
    for start in range(0, n, b):
        stop = min(n, start + b)
        k = stop - start
        if in_place:
            x = values[start:stop]
            has_gaps = False
        else:
            x = z[:k]
            np.copyto(x, values[start:stop])
            has_gaps = gaps is not False and bool(np.isnan(np.add.reduce(x, axis=0)).any())
            if has_gaps:
                obs = observed[:k]
                np.equal(x, x, out=obs)
                low = np.fmin.reduce(x, axis=0)
                np.fmax(x, np.minimum(np.nan_to_num(low, nan=0.0), 0.0), out=x)
        e_, h = resid[:k], lever[:k]
        for e, eq in enumerate(equations):
            coef, means, inverse, rows = fits[e]
            p = len(eq) - 1
            if p < 1 or rows <= 0:
                continue
            if factors[e] is not None:
                w = scaled[:k, :p + 1]
                r0 = w[:, 0]
                np.subtract(x[:, eq[p]], offsets[e], out=r0)
                for j, c in enumerate(eq[:p]):
                    r0 = blas.daxpy(x[:, c], r0, a=-coef[j])
                if has_gaps:
                    r0 *= _complete_rows(obs, eq, complete[:k])
                for j, c in enumerate(eq[:p], start=1):
                    np.multiply(x[:, c], r0, out=w[:, j])
                meats[e] += _crossprod(w)
                continue
            xc = centred[:k, :p]  # column-major throughout: every step is a BLAS call or
            for j, c in enumerate(eq[:p]):  # a contiguous column operation
                np.subtract(x[:, c], means[j], out=xc[:, j])
            np.subtract(x[:, eq[p]], means[p], out=e_)
            e_ = blas.dgemv(-1.0, xc, coef, beta=1.0, y=e_, overwrite_y=1)
            a = blas.dgemm(1.0, xc, np.asfortranarray(inverse), beta=0.0, c=scaled[:k, :p],
                           overwrite_c=1)
            np.einsum("ij,ij->i", a, xc, out=h)
            h += 1.0 / rows
            if has_gaps:
                r = _complete_rows(obs, eq, complete[:k])
                e_ *= r
                h *= r
            np.subtract(1.0, h, out=h)
            e_ /= h
            a *= e_[:, None]
            out[e] += _crossprod(a)
    for e, factor in enumerate(factors):
        if factor is not None:
            _, means, inverse, _ = fits[e]
            p = inverse.shape[0]
            lift = np.hstack([-means[:p, None], np.eye(p)])  # x̃ = L z
            meat = lift @ meats[e] @ lift.T
            out[e] = factor * (inverse @ meat @ inverse)
    return out


def _crossprod(w: NDArray[np.floating[Any]]) -> NDArray[np.float64]:
    """``wᵀ w`` by BLAS's general product: for a few columns and many rows gemm is several
    times faster than the symmetric syrk that numpy picks for ``w.T @ w``."""
    gemm = blas.sgemm if w.dtype == np.float32 else blas.dgemm
    if w.flags.c_contiguous and not w.flags.f_contiguous:
        return np.asarray(gemm(1.0, w.T, w.T, trans_b=1), dtype=np.float64)
    return np.asarray(gemm(1.0, w, w, trans_a=1), dtype=np.float64)


def column_sums(x: NDArray[np.floating[Any]]) -> NDArray[np.float64]:
    """Column sums in float64 (NaN in a column makes its sum NaN); exact for float32
    whole numbers (see :func:`_whole_number_blocks`)."""
    if x.dtype == np.float32:
        sums = np.zeros(x.shape[1])
        for block in _whole_number_blocks(x):
            sums += np.ones(block.shape[0], dtype=np.float32) @ block
        return sums
    return np.asarray(np.ones(x.shape[0]) @ x, dtype=np.float64)


def _whole_number_blocks(x: NDArray[np.floating[Any]]) -> list[NDArray[np.floating[Any]]]:
    """Row blocks of a float32 matrix of whole numbers in which every sum of products
    stays an integer below 2**24, so float32 arithmetic is exact whatever the order of
    the additions (rows per block ≤ 2**24 / peak², peak = the largest |x|)."""
    if x.size == 0:
        return [x]
    # whole-array reductions (NaN ignored): fast in either memory order
    top = float(np.fmax.reduce(x, axis=None))
    bottom = float(np.fmin.reduce(x, axis=None))
    peak = max(1.0, *(abs(v) for v in (top, bottom) if not math.isnan(v)))
    rows = max(1, int(2**24 // (peak * peak)))
    return [x[i:i + rows] for i in range(0, x.shape[0], rows)]


def _gram(x: NDArray[np.floating[Any]], sums: NDArray[np.float64] | None = None
          ) -> NDArray[np.float64]:
    """``zᵀz`` with ``z = [1, x]`` without building z (float64; exact from float32 whole
    numbers, summed in blocks)."""
    k = x.shape[1]
    out = np.empty((k + 1, k + 1))
    out[0, 0] = x.shape[0]
    s = column_sums(x) if sums is None else sums
    out[0, 1:] = s
    out[1:, 0] = s
    if x.dtype == np.float32:
        cross = np.zeros((k, k))
        for block in _whole_number_blocks(x):
            cross += block.T @ block
        out[1:, 1:] = cross
    else:
        out[1:, 1:] = x.T @ x
    return out
