"""Headroom tables: the respondents' room to improve, compressed for NPS points.

The NPS-point value of a node or role (docs/method.md, "NPS points") averages, over every respondent
with an LTR, the expected change in promoter − detractor share when the LTR moves by
``Σ_j c_j · h_ij``, where ``h_ij = min(1, hi_j − x_ij)`` is respondent i's headroom on
node j (0 when i did not experience j) and ``c_j`` a total effect (or share × total
effect).  The change depends on a respondent only through ``(LTR_i, h_i1, …, h_iq)``,
which takes few distinct values, so the data are reduced once to a table of distinct
rows with counts; every later evaluation (and every gradient for an interval) runs
on that small table.  Tables of data chunks add up (:meth:`HeadroomTable.merge`).

Headroom is stored on a grid of 1/2520 scale points (exact for averages of up to 10
items on integer scales).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .nps import nps_change, nps_change_slope

__all__ = ["HeadroomTable", "binary_counts", "binary_groups", "binary_table", "build_tables",
           "headroom"]

GRID = 2520  # lcm(1..10): item means of up to 10 items are exact on this grid
_MAX_DENSE = 50_000_000
BLOCK_ROWS = 16_384  # rows per block of the 0/1 headroom matrix (about 2 MB at 30 nodes)


def headroom(values: NDArray[np.float64], high: NDArray[np.float64]) -> NDArray[np.float64]:
    """``min(1, hi − x)`` per cell, 0 where ``x`` is missing (not experienced)."""
    h = np.minimum(1.0, high - values)
    h[np.isnan(h)] = 0.0
    return np.maximum(h, 0.0)


@dataclass(frozen=True)
class HeadroomTable:
    """Distinct rows of (LTR, headroom on q nodes) with their counts."""

    ltr: NDArray[np.int64]
    h: NDArray[np.float64]
    counts: NDArray[np.float64]

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    @classmethod
    def build(cls, ltr: NDArray[np.int64], h: NDArray[np.float64]) -> HeadroomTable:
        """Compress respondents' (LTR, headroom) rows; ``h`` has shape ``(n, q)``."""
        q = h.shape[1]
        key = ltr.astype(np.int64)
        radix = 11
        levels: list[NDArray[np.float64]] = []
        codes: list[NDArray[np.int64]] = []
        for j in range(q):
            grid = np.rint(h[:, j] * GRID).astype(np.int64)
            present = np.bincount(grid, minlength=GRID + 1) > 0
            rank = np.cumsum(present) - 1
            levels.append(np.flatnonzero(present) / GRID)
            codes.append(rank[grid])
        sizes = [len(lv) for lv in levels]
        if np.prod([11.0, *sizes]) < 2**62:
            for code, size in zip(codes, sizes, strict=True):
                key = key + radix * code
                radix *= size
            if radix <= _MAX_DENSE:
                counts_all = np.bincount(key, minlength=radix)
                uniq = np.flatnonzero(counts_all)
                counts = counts_all[uniq].astype(np.float64)
            else:
                uniq, c = np.unique(key, return_counts=True)
                counts = c.astype(np.float64)
            k = uniq % 11
            rest = uniq // 11
            hs = np.empty((len(uniq), q))
            for j, size in enumerate(sizes):
                hs[:, j] = levels[j][rest % size]
                rest = rest // size
            return cls(k.astype(np.int64), hs, counts.astype(np.float64))
        rows = np.column_stack([ltr, *codes])
        uniq_rows, c = np.unique(rows, axis=0, return_counts=True)
        hs = np.column_stack([levels[j][uniq_rows[:, j + 1]] for j in range(q)])
        return cls(uniq_rows[:, 0].astype(np.int64), hs.reshape(len(c), q),
                   c.astype(np.float64))

    def merge(self, other: HeadroomTable) -> HeadroomTable:
        """The table of both sets of respondents."""
        return HeadroomTable.concat([self, other])

    @staticmethod
    def concat(tables: Sequence[HeadroomTable]) -> HeadroomTable:
        """The table of all the tables' respondents (one pass, however many chunks)."""
        ltr = np.concatenate([t.ltr for t in tables])
        h = np.vstack([t.h for t in tables])
        w = np.concatenate([t.counts for t in tables])
        rows = np.column_stack([ltr, np.rint(h * GRID)])
        uniq, inverse = np.unique(rows, axis=0, return_inverse=True)
        counts = np.bincount(inverse.ravel(), weights=w).astype(np.float64)
        return HeadroomTable(uniq[:, 0].astype(np.int64), uniq[:, 1:] / GRID, counts)

    def nps_points(self, coefficients: NDArray[np.float64], constant: float = 0.0) -> float:
        """NPS points when each respondent's LTR moves by ``h_i · c + constant``."""
        return nps_change(self.ltr, self.h @ coefficients + constant, self.counts)

    def nps_points_gradient(self, coefficients: NDArray[np.float64],
                            constant: float = 0.0) -> tuple[NDArray[np.float64], float]:
        """Derivative of :meth:`nps_points` with respect to ``coefficients`` and ``constant``."""
        delta = self.h @ coefficients + constant
        slope = nps_change_slope(self.ltr, delta) * self.counts
        total = self.counts.sum()
        return 100.0 * (slope @ self.h) / total, 100.0 * float(slope.sum()) / total


def build_tables(ltr: NDArray[np.int64], values: NDArray[np.floating[Any]],
                 high: NDArray[np.float64],
                 groups: Mapping[str, tuple[int, ...]],
                 integer: Sequence[bool] | None = None) -> dict[str, HeadroomTable]:
    """Headroom tables of several groups of columns in as few passes as possible.

    Parameters
    ----------
    ltr
        LTR 0–10 per respondent.
    values
        ``(n, m)`` node scores (NaN = not experienced).
    high
        Top of each column's scale.
    groups
        Table name → column indices.
    integer
        Per column, True when every observed value is a whole number.  For groups of
        such columns the headroom is 0 or 1, and the tables come from the counts of
        :func:`binary_counts` (one blocked pass for all such groups) instead of a pass
        per group.
    """
    fast = binary_groups(groups, integer)
    out = {key: binary_table(counts, len(groups[key]))
           for key, counts in binary_counts(ltr, values, high, fast).items()}
    for key, g in groups.items():
        if key not in out:
            cols = list(g)
            out[key] = HeadroomTable.build(
                ltr, headroom(np.asarray(values[:, cols], dtype=np.float64), high[cols]))
    return out


def binary_groups(groups: Mapping[str, tuple[int, ...]],
                  integer: Sequence[bool] | None) -> dict[str, tuple[int, ...]]:
    """The groups whose columns all hold whole numbers (headroom 0 or 1), up to 20 columns."""
    if integer is None:
        return {}
    flags = list(integer)
    return {k: g for k, g in groups.items() if g and len(g) <= 20 and all(flags[j] for j in g)}


def binary_counts(ltr: NDArray[np.int64], values: NDArray[np.floating[Any]],
                  high: NDArray[np.float64],
                  groups: Mapping[str, tuple[int, ...]]) -> dict[str, NDArray[np.float64]]:
    """Counts behind the tables of groups of whole-number columns (headroom 0 or 1).

    For a group of q columns the result has ``11 · 2**q`` counts: entry
    ``k + 11 · code`` counts respondents with LTR k whose room on the group's columns is
    the bit pattern ``code`` (bit p: room on the p-th column).  A respondent has room on a
    node when ``x <= hi - 1`` (never when not experienced).  Counts add up over chunks;
    :func:`binary_table` turns them into a table.

    Rows go in blocks of :data:`BLOCK_ROWS` so that the 0/1 matrix stays in the CPU
    cache: per block one comparison, one small matrix product for the single-column
    groups (room × one-hot LTR) and one for the codes of the others.  Counts within a
    block are exact in float32 (< 2**24) and added up in float64.
    """
    if not groups:
        return {}
    n, m = values.shape
    single = {k: g[0] for k, g in groups.items() if len(g) == 1}
    multi = {k: g for k, g in groups.items() if len(g) > 1}
    weights = np.zeros((m, len(multi)), dtype=np.float32)
    for r, g in enumerate(multi.values()):
        for pos, j in enumerate(g):
            weights[j, r] += 2.0**pos
    with_room = np.zeros((m, 11))
    multi_counts = [np.zeros(11 * 2 ** len(g), dtype=np.int64) for g in multi.values()]
    b = max(1, min(n, BLOCK_ROWS))
    room = np.empty((b, m), dtype=np.float32, order="F")
    onehot = np.zeros((b, 11), dtype=np.float32)
    base = np.arange(b) * 11
    limit = (high - 1.0).astype(values.dtype)  # same type: no conversion of the values
    for start in range(0, n, b):
        stop = min(n, start + b)
        k = stop - start
        block = room[:k]
        np.less_equal(values[start:stop], limit, out=block, casting="unsafe")
        lt = ltr[start:stop]
        if single:
            hot = onehot[:k]
            hot.fill(0.0)
            hot.ravel()[base[:k] + lt] = 1.0
            with_room += block.T @ hot  # this operand order is the fastest BLAS call here
        if multi:
            codes = np.rint(block @ weights).astype(np.int64)
            for r, counts in enumerate(multi_counts):
                counts += np.bincount(lt + 11 * codes[:, r], minlength=len(counts))
    out: dict[str, NDArray[np.float64]] = {}
    per_k = np.bincount(ltr, minlength=11).astype(np.float64)
    for key, j in single.items():
        out[key] = np.concatenate([per_k - with_room[j], with_room[j]])
    for key, counts in zip(multi, multi_counts, strict=True):
        out[key] = counts.astype(np.float64)
    return out


def binary_table(counts: NDArray[np.float64], q: int) -> HeadroomTable:
    """The table of a group of q whole-number columns from :func:`binary_counts`."""
    nz = np.flatnonzero(counts)
    bits = (nz // 11)[:, None] >> np.arange(q)[None, :] & 1
    return HeadroomTable((nz % 11).astype(np.int64),
                         bits.astype(np.float64).reshape(len(nz), q),
                         counts[nz].astype(np.float64))
