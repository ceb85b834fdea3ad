"""Sufficient statistics for the linear engine: Gram matrices per missingness pattern.

Each equation of a map (a measured node regressed on its measured parents) uses the
rows where the node and all its parents are observed.  A row's *pattern* is the set
of equations it can serve; rows with the same pattern are summed into one Gram
matrix ``G = Σ z zᵀ`` with ``z = (1, x_1, …, x_m)`` (missing values entered as 0,
never read).  The Gram matrix of equation *e* is the sum of the pattern blocks that
contain *e*, restricted to its columns.  Statistics of chunks add up, so data can
stream (or be computed on Spark executors) and be merged with :meth:`merge`.

When a chunk holds more distinct patterns than ``max_patterns`` (e.g. random
missingness over many nodes), its rows are instead summed per equation directly —
the same numbers, with memory bounded by the number of equations.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["EquationMoments", "SufficientStats", "column_sums"]

MAX_PATTERNS = 64
PATTERN_SAMPLE = 4096  # rows looked at first to tell whether patterns are few


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


@dataclass
class SufficientStats:
    """Gram matrices per missingness pattern, for a fixed set of equations.

    Parameters
    ----------
    n_columns
        Number of value columns (measured nodes).
    equations
        For each equation, the column indices it needs (parents and child).
    """

    n_columns: int
    equations: tuple[tuple[int, ...], ...]
    max_patterns: int = MAX_PATTERNS
    blocks: dict[int, NDArray[np.float64]] = field(default_factory=dict)
    direct: list[NDArray[np.float64]] = field(default_factory=list)
    n_rows: int = 0

    def __post_init__(self) -> None:
        self.equations = tuple(tuple(int(c) for c in eq) for eq in self.equations)
        if not self.direct:
            self.direct = [np.zeros((len(eq) + 1, len(eq) + 1)) for eq in self.equations]

    @classmethod
    def from_array(cls, values: NDArray[np.float64],
                   equations: Sequence[Sequence[int]],
                   max_patterns: int = MAX_PATTERNS) -> SufficientStats:
        """Statistics of one in-memory array (rows = responses, NaN = missing)."""
        stats = cls(values.shape[1], tuple(tuple(e) for e in equations), max_patterns)
        stats.update(values)
        return stats

    def _patterns(self, observed: NDArray[np.bool_]) -> tuple[list[int], NDArray[np.intp]]:
        """Distinct patterns (bit e set = equation e complete) and each row's pattern."""
        complete = np.column_stack(
            [observed[:, list(eq)].all(axis=1) for eq in self.equations]
        ) if self.equations else np.zeros((observed.shape[0], 1), dtype=bool)
        if complete.shape[1] <= 62:
            weights = np.left_shift(np.int64(1), np.arange(complete.shape[1], dtype=np.int64))
            codes, inverse = np.unique(complete.astype(np.int64) @ weights, return_inverse=True)
            return [int(c) for c in codes], inverse
        packed = np.ascontiguousarray(np.packbits(complete, axis=1, bitorder="little"))
        rows = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
        uniq, inverse = np.unique(rows, return_inverse=True)
        return [int.from_bytes(u.tobytes(), "little") for u in uniq], inverse

    def update(self, values: NDArray[np.floating[Any]],
               sums: NDArray[np.float64] | None = None) -> None:
        """Add the rows of ``values`` (shape ``(n, n_columns)``, NaN = missing).

        ``sums`` may pass the column sums when the caller has them and they are finite
        (no missing value), saving one pass over the data.
        """
        if values.shape[1] != self.n_columns:
            raise ValueError(f"expected {self.n_columns} columns, got {values.shape[1]}")
        n = values.shape[0]
        if n == 0:
            return
        self.n_rows += n
        if sums is None:
            sums = column_sums(values)
        if np.isfinite(sums).all():  # NaN anywhere would make its column sum NaN
            key = (1 << len(self.equations)) - 1
            self._add_block(key, _gram(values, sums))
            return
        observed = ~np.isnan(values)
        # Many patterns already among the first rows (e.g. random gaps over many nodes):
        # go per equation at once, without sorting every row's pattern first.
        if n > PATTERN_SAMPLE and len(self._patterns(observed[:PATTERN_SAMPLE])[0]) \
                > self.max_patterns:
            self._add_direct(values, observed)
            return
        keys, inverse = self._patterns(observed)
        if len(keys) > self.max_patterns:
            self._add_direct(values, observed)
            return
        filled = np.where(observed, values, 0.0)
        if len(keys) == 1:
            self._add_block(keys[0], _gram(filled))
            return
        order = np.argsort(inverse, kind="stable")
        bounds = np.searchsorted(inverse[order], np.arange(len(keys) + 1))
        for i, key in enumerate(keys):
            if key == 0:
                continue  # rows that serve no equation
            rows = order[bounds[i]:bounds[i + 1]]
            self._add_block(key, _gram(filled[rows]))

    def _add_block(self, key: int, gram: NDArray[np.float64]) -> None:
        if key in self.blocks:
            self.blocks[key] += gram
        else:
            self.blocks[key] = gram

    def _add_direct(self, values: NDArray[np.floating[Any]], observed: NDArray[np.bool_]) -> None:
        for e, eq in enumerate(self.equations):
            cols = list(eq)
            rows = observed[:, cols].all(axis=1)
            # the equation's few columns first, then its rows: never a copy of all columns
            self.direct[e] += _gram(np.compress(rows, values[:, cols], axis=0))

    def merge(self, other: SufficientStats) -> SufficientStats:
        """Add another chunk's statistics (same equations) into this one; returns self."""
        if other.equations != self.equations or other.n_columns != self.n_columns:
            raise ValueError("cannot merge statistics of different equations")
        for key, gram in other.blocks.items():
            self._add_block(key, gram.copy())
        for e in range(len(self.equations)):
            self.direct[e] += other.direct[e]
        self.n_rows += other.n_rows
        return self

    @classmethod
    def weighted_sum(cls, parts: Sequence[SufficientStats],
                     weights: NDArray[np.float64]) -> SufficientStats:
        """``Σ w_g · stats_g`` (e.g. bootstrap weights on groups of rows)."""
        first = parts[0]
        out = cls(first.n_columns, first.equations, first.max_patterns)
        for part, w in zip(parts, weights, strict=True):
            if w == 0:
                continue
            for key, block in part.blocks.items():
                out._add_block(key, w * block)
            for e in range(len(out.equations)):
                out.direct[e] += w * part.direct[e]
            out.n_rows += round(float(w) * part.n_rows)
        return out

    def moments(self, e: int) -> EquationMoments:
        """Moments of equation ``e`` over its complete rows."""
        eq = self.equations[e]
        idx = [0, *(c + 1 for c in eq)]
        gram = self.direct[e].copy()
        bit = 1 << e
        for key, block in self.blocks.items():
            if key & bit:
                gram += block[np.ix_(idx, idx)]
        return EquationMoments(eq, gram)


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
