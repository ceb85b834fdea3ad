"""The moments the fit's quick map check needs, gathered in the same pass as a streamed fit.

The quick check (docs/method.md §10.6) needs the covariance of the responses that answered
every measured node (the global fit indices) and, with blank answers, each implied
independence's covariance over the responses that answered its nodes.  The linear engine's
own statistics (:mod:`journeymap.stats`) keep each *equation's* Gram matrix over its
complete rows, which give neither, so a streamed or Spark fit asked to check the map also
fills a :class:`CheckMoments`: the same Gram matrices, over column sets instead of
equations (set 0 is every column).  They add up over chunks and partitions.

While the responses times the implications stay within ``max_cells``
(:data:`~journeymap.limits.QUICK_CHECK_MAX_CELLS`) every set is kept; beyond it only set 0
is (an in-memory fit then tests the implications only when no answer is blank, from that
one covariance; so does the check from these moments).

Examples
--------
>>> import numpy as np
>>> cm = CheckMoments.for_sets(("a", "b", "c"), [("a", "c", "b")])
>>> cm.update(np.array([[1.0, 2.0, 3.0], [2.0, np.nan, 1.0], [3.0, 1.0, 2.0]]))
>>> cm.listwise().n, cm.set_moments()[0].n
(2, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .limits import QUICK_CHECK_MAX_CELLS
from .stats import EquationMoments, SufficientStats, _gram

__all__ = ["CheckMoments"]


@dataclass
class CheckMoments:
    """Gram matrices over the rows where every column of a set is answered.

    Attributes
    ----------
    node_ids
        The value columns, in the order of the rows given to :meth:`update`.
    sets
        The column sets (ids), e.g. ``(x, y, *given)`` of each implied independence.
    stats
        The Gram matrices: equation 0 is every column, equation i + 1 is ``sets[i]``
        (only equation 0 once the sets were dropped, see :attr:`dropped`).
    max_cells
        Most responses × sets for which the sets are kept.
    dropped
        True once responses × sets passed ``max_cells``.
    """

    node_ids: tuple[str, ...]
    sets: tuple[tuple[str, ...], ...]
    stats: SufficientStats
    max_cells: int = QUICK_CHECK_MAX_CELLS
    dropped: bool = False

    @classmethod
    def for_sets(cls, node_ids: Sequence[str], sets: Sequence[Sequence[str]], *,
                 max_cells: int = QUICK_CHECK_MAX_CELLS) -> CheckMoments:
        """Empty moments of every column and of each set of ``node_ids``."""
        ids = tuple(node_ids)
        index = {c: i for i, c in enumerate(ids)}
        sets_ = tuple(tuple(s) for s in sets)
        equations = (tuple(range(len(ids))), *(tuple(index[c] for c in s) for s in sets_))
        return cls(ids, sets_, SufficientStats(len(ids), equations), max_cells)

    @property
    def n_rows(self) -> int:
        """Rows added so far."""
        return self.stats.n_rows

    def _drop_sets(self) -> None:
        """Keep the moments of every column only (the sets would pass the cell limit)."""
        if self.dropped:
            return
        everything = self.stats.moments(0)
        stats = SufficientStats(len(self.node_ids), (self.stats.equations[0],))
        stats.grams[0] = everything.gram.copy()
        stats.n_rows = self.stats.n_rows
        self.stats = stats
        self.dropped = True

    def _fits(self, rows: int) -> bool:
        return rows * len(self.sets) <= self.max_cells

    def update(self, values: NDArray[np.floating[Any]], *, whole: bool = False) -> None:
        """Add a block of responses (columns as :attr:`node_ids`, NaN = not answered;
        ``whole``: every value is a whole number, see :meth:`SufficientStats.update`)."""
        if not self.dropped and not self._fits(self.n_rows + values.shape[0]):
            self._drop_sets()
        if len(self.stats.equations) == 1:
            # every column only: the rows with no blank, one Gram matrix (no masked pass)
            keep = ~np.isnan(values).any(axis=1)
            self.stats.grams[0] += _gram(values if keep.all() else values[keep])
            self.stats.n_rows += values.shape[0]
            return
        self.stats.update(values, whole=whole)

    def merge(self, other: CheckMoments) -> CheckMoments:
        """Add the moments of other rows of the same columns and sets; returns self."""
        if (other.node_ids, other.sets) != (self.node_ids, self.sets):
            raise ValueError("cannot merge check moments of different columns or sets")
        if other.dropped or not self._fits(self.n_rows + other.n_rows):
            self._drop_sets()
        if self.dropped and not other.dropped:
            other = CheckMoments(other.node_ids, other.sets, other.stats, other.max_cells)
            other._drop_sets()
        self.stats.merge(other.stats)
        return self

    def listwise(self) -> EquationMoments:
        """The moments of the rows that answered every column."""
        return self.stats.moments(0)

    def set_moments(self) -> list[EquationMoments] | None:
        """The moments of each set over its own rows (``None`` once dropped)."""
        if self.dropped:
            return None
        return [self.stats.moments(i + 1) for i in range(len(self.sets))]
