"""Everything the linear engine needs from survey data, accumulated chunk by chunk.

A :class:`LinearSummary` holds, for one map, the Gram matrices per missingness pattern
(:class:`~journeymap.stats.SufficientStats`), the headroom tables behind NPS points
(:class:`~journeymap.headroom.HeadroomTable`), the LTR distribution, each node's sum
and count, and the item moments of composites.  All of these add up over chunks, so a
file larger than memory, a database query or a Spark job gives exactly the numbers
of an in-memory fit (:meth:`LinearSummary.merge`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .checkstats import CheckMoments
from .headroom import HeadroomTable, binary_counts, binary_groups, binary_table, build_tables
from .model import JourneyMap
from .scenario import role_members
from .stats import SufficientStats, column_sums

__all__ = ["LinearSummary", "equations_of", "headroom_groups", "unvech", "vech_products"]

#: Rows per block of the bootstrap units' moments (the products of a block stay small).
MOMENT_BLOCK_ROWS = 16_384


def equations_of(journey_map: JourneyMap,
                 columns: Sequence[str]) -> list[tuple[str, tuple[str, ...]]]:
    """(child, measured parents) for each measured node with measured parents."""
    out = []
    for node in journey_map.topological_order:
        if node not in columns:
            continue
        parents = tuple(p for p in journey_map.parents(node) if p in columns)
        if parents:
            out.append((node, parents))
    return out


def headroom_groups(journey_map: JourneyMap) -> dict[str, tuple[str, ...]]:
    """Node sets whose joint headroom gives NPS points: each measured node, each role."""
    groups: dict[str, tuple[str, ...]] = {}
    for node in journey_map.measured_nodes:
        if node.id != journey_map.outcome:
            groups[node.id] = (node.id,)
    for role in journey_map.roles:  # the columns of the scenario "the role does one better"
        groups["role:" + role.id] = role_members(journey_map, role.id)[0]
    return groups


@dataclass
class LinearSummary:
    """Additive summary of survey data for the linear engine (see the module docstring)."""

    journey_map: JourneyMap
    node_ids: tuple[str, ...]
    stats: SufficientStats
    parts: dict[str, list[HeadroomTable]] = field(default_factory=dict)
    counts: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    ltr_counts: NDArray[np.int64] = field(default_factory=lambda: np.zeros(11, dtype=np.int64))
    node_sums: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    node_counts: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    item_moments: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    n_rows: int = 0
    survey_type: str | None = None
    seed: int = 0
    spawn_key: tuple[int, ...] = ()
    check: CheckMoments | None = None
    """The quick map check's moments, when a front door asked for them
    (:func:`journeymap.fit_stream`); filled by :meth:`update` and :meth:`merge`."""
    bootstrap_groups: int = 0
    group_moments: list[NDArray[np.float64]] = field(default_factory=list)
    group_rows: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    case_rows: bool = False
    fourth: list[NDArray[np.float64]] = field(default_factory=list)
    shift: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def for_map(cls, journey_map: JourneyMap, node_ids: Sequence[str], *,
                bootstrap_groups: int = 0, seed: int = 0,
                spawn_key: tuple[int, ...] = (), robust: bool = False,
                case_rows: bool = False) -> LinearSummary:
        """An empty summary for the map's equations over the given columns.

        With ``bootstrap_groups = K > 0`` every row is also assigned to one of K groups
        (bootstrap units) whose moments ``Σ vech(w wᵀ)``, ``w = (1, parents…, child)``,
        are kept per equation, so that bootstrap replicates can be formed from weighted
        sums of unit moments after one pass over the data.  Rows go to groups at random,
        or — ``case_rows=True``, an in-memory fit of at most K rows — one row per group
        (the case bootstrap).  Summaries built in parallel (e.g. one per Spark
        partition) each take a distinct ``spawn_key`` (numpy ``SeedSequence`` spawn key,
        e.g. ``(partition,)``) so that their group draws are independent; ``()`` is the
        single-stream default.  ``robust=True`` also accumulates each equation's fourth
        moments ``Σ q qᵀ``, ``q = vech(w wᵀ)``, for the HC1 standard errors of a fit
        that never holds the rows (docs/method.md, "Standard errors").
        """
        ids = tuple(node_ids)
        index = {c: i for i, c in enumerate(ids)}
        eqs = equations_of(journey_map, ids)
        equations = tuple(tuple(index[p] for p in (*parents, child)) for child, parents in eqs)
        sizes = [(len(eq) + 1) * (len(eq) + 2) // 2 for eq in equations]
        shift = np.array([_mid(journey_map, c) for c in ids])
        return cls(journey_map, ids, SufficientStats(len(ids), equations),
                   node_sums=np.zeros(len(ids)), node_counts=np.zeros(len(ids), dtype=np.int64),
                   seed=seed, spawn_key=tuple(spawn_key), bootstrap_groups=bootstrap_groups,
                   group_moments=[np.zeros((bootstrap_groups, m)) for m in sizes]
                   if bootstrap_groups else [],
                   group_rows=np.zeros(bootstrap_groups), case_rows=case_rows,
                   fourth=[np.zeros((m, m)) for m in sizes] if robust else [], shift=shift)

    @property
    def tables(self) -> dict[str, HeadroomTable]:
        """The headroom table of each group, chunks merged (once, when first asked).

        Groups of whole-number columns accumulate counts (:func:`binary_counts`) rather
        than a table per chunk; other groups keep a table per chunk until merged here.
        """
        groups = self.groups
        for key, counts in self.counts.items():
            self.parts.setdefault(key, []).append(binary_table(counts, len(groups[key])))
        self.counts.clear()
        for key, tables in self.parts.items():
            if len(tables) > 1:
                self.parts[key] = [HeadroomTable.concat(tables)]
        return {key: tables[0] for key, tables in self.parts.items()}

    @property
    def n(self) -> int:
        """Responses with an LTR answer."""
        return int(self.ltr_counts.sum())

    @property
    def groups(self) -> dict[str, tuple[str, ...]]:
        return headroom_groups(self.journey_map)

    def update(self, values: NDArray[np.floating[Any]], ltr: NDArray[np.int64], *,
               n_rows: int | None = None, integer: Sequence[bool] | None = None,
               item_moments: dict[str, NDArray[np.float64]] | None = None) -> None:
        """Add a block of checked responses (rows with an LTR; NaN = not experienced)."""
        whole = integer is not None and all(integer)
        totals = self.stats.update(values, sums=column_sums(values), whole=whole)
        if self.check is not None:
            self.check.update(values, whole=whole)
        if self.bootstrap_groups or self.fourth:
            complete = bool((np.asarray(totals.n) == values.shape[0]).all())
            self._update_moments(values, complete)
        index = {c: i for i, c in enumerate(self.node_ids)}
        high = np.array([_high(self.journey_map, c) for c in self.node_ids])
        groups = {k: tuple(index[x] for x in g) for k, g in self.groups.items()}
        binary = binary_groups(groups, integer)
        for key, counts in binary_counts(ltr, values, high, binary).items():
            self._add_counts(key, counts)
        other = {k: g for k, g in groups.items() if k not in binary}
        for key, table in build_tables(ltr, values, high, other).items():
            self.parts.setdefault(key, []).append(table)
        self.ltr_counts += np.bincount(ltr, minlength=11)
        self.node_counts += totals.n
        self.node_sums += totals.sums
        for key, gram in (item_moments or {}).items():
            self.item_moments[key] = self.item_moments[key] + gram \
                if key in self.item_moments else gram.copy()
        self.n_rows += int(ltr.shape[0]) if n_rows is None else n_rows

    def _groups_of(self, n: int) -> NDArray[np.int64]:
        """Each new row's bootstrap unit: the next rows in order (``case_rows``), else at
        random, seeded by ``seed`` and the rows so far in the stream ``spawn_key`` (with
        ``()`` this is ``default_rng([seed, n_rows])``)."""
        k = self.bootstrap_groups
        if self.case_rows:
            first = int(self.group_rows.sum())
            if first + n > k:
                raise ValueError("a case-bootstrap summary holds at most its group count of rows")
            return np.arange(first, first + n, dtype=np.int64)
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, self.n_rows],
                                                           spawn_key=self.spawn_key))
        return np.asarray(rng.integers(0, k, size=n), dtype=np.int64)

    def _update_moments(self, values: NDArray[np.floating[Any]], complete: bool) -> None:
        """Add the rows' moments per bootstrap unit and (``robust``) fourth moments.

        Unit moments: the rows sorted by unit once (one gather of the chunk); then per run
        of whole units holding at most :data:`MOMENT_BLOCK_ROWS` rows and per equation, the
        products ``vech(w wᵀ)`` of those rows and one ``np.add.reduceat`` over each unit's
        rows (a row that misses a column of the equation is a row of zeros there)."""
        n = values.shape[0]
        for e, eq in enumerate(self.stats.equations if self.fourth else ()):
            q = vech_products(self._design(values, eq, complete))
            self.fourth[e] += q.T @ q
        if not self.bootstrap_groups:
            return
        group = self._groups_of(n)
        counts = np.bincount(group, minlength=self.bootstrap_groups)
        self.group_rows += counts
        order = np.argsort(group, kind="stable")
        ordered = np.empty(values.shape, dtype=values.dtype, order="F")
        for j in range(values.shape[1]):  # column by column: contiguous reads and writes
            np.take(values[:, j], order, out=ordered[:, j])
        ends = np.cumsum(counts)
        starts = ends - counts
        first = 0
        while first < self.bootstrap_groups:  # runs of whole units
            last = max(first + 1, int(np.searchsorted(ends, starts[first] + MOMENT_BLOCK_ROWS,
                                                      side="right")))
            units = np.arange(first, last)[counts[first:last] > 0]
            lo, hi = int(starts[first]), int(ends[last - 1])
            first = last
            if not len(units):
                continue
            offsets = (starts[units] - lo).astype(np.intp)
            rows = ordered[lo:hi]
            for e, eq in enumerate(self.stats.equations):
                q = vech_products(self._design(rows, eq, complete))
                self.group_moments[e][units] += np.add.reduceat(q, offsets, axis=0)

    def _design(self, values: NDArray[np.floating[Any]], eq: tuple[int, ...],
                complete: bool) -> NDArray[np.float64]:
        """``w = (1, x…)`` of an equation's columns, shifted by their scale's middle, with
        the rows that miss one of them set to zeros."""
        w = np.empty((values.shape[0], len(eq) + 1), order="F")
        w[:, 0] = 1.0
        for j, c in enumerate(eq, start=1):  # column-major: contiguous column operations
            np.subtract(values[:, c], self.shift[c], out=w[:, j])
        if not complete:
            w[np.isnan(w).any(axis=1)] = 0.0
        return w

    def merge(self, other: LinearSummary) -> LinearSummary:
        """Add another summary of the same map and columns into this one; returns self."""
        if other.node_ids != self.node_ids:
            raise ValueError("cannot merge summaries of different columns")
        if other.bootstrap_groups != self.bootstrap_groups or \
                bool(other.fourth) != bool(self.fourth):
            raise ValueError("cannot merge summaries with different bootstrap groups or "
                             "standard errors")
        self.stats.merge(other.stats)
        if self.check is not None and other.check is not None:
            self.check.merge(other.check)
        for mine, theirs in zip(self.group_moments, other.group_moments, strict=True):
            mine += theirs
        self.group_rows += other.group_rows
        for mine, theirs in zip(self.fourth, other.fourth, strict=True):
            mine += theirs
        for key, tables in other.parts.items():
            self.parts.setdefault(key, []).extend(tables)
        for key, counts in other.counts.items():
            self._add_counts(key, counts)
        self.ltr_counts += other.ltr_counts
        self.node_counts += other.node_counts
        self.node_sums += other.node_sums
        for key, gram in other.item_moments.items():
            self.item_moments[key] = self.item_moments[key] + gram \
                if key in self.item_moments else gram.copy()
        self.n_rows += other.n_rows
        return self

    def _add_counts(self, key: str, counts: NDArray[np.float64]) -> None:
        self.counts[key] = self.counts[key] + counts if key in self.counts else counts.copy()

    def alphas(self) -> dict[str, float]:
        """Cronbach's alpha of each composite's items, from their moments
        (:func:`~journeymap.data.alpha_from_moments`)."""
        from .data import alpha_from_moments

        return {k: alpha_from_moments(g) for k, g in self.item_moments.items()}

    def mean(self, node_id: str) -> float | None:
        """Mean score of a node over the respondents who rated it (None if nobody did)."""
        j = self.node_ids.index(node_id)
        return float(self.node_sums[j] / self.node_counts[j]) if self.node_counts[j] else None

    def count(self, node_id: str) -> int:
        return int(self.node_counts[self.node_ids.index(node_id)])


def _high(journey_map: JourneyMap, node_id: str) -> float:
    scale = journey_map.node(node_id).scale
    assert scale is not None
    return scale[1]


def vech_products(w: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per row, the upper triangle (row-major) of ``w wᵀ``: shape ``(n, d(d+1)/2)``."""
    i, j = np.triu_indices(w.shape[1])
    out = np.empty((w.shape[0], len(i)), order="F")
    for k, (a, b) in enumerate(zip(i, j, strict=True)):
        np.multiply(w[:, a], w[:, b], out=out[:, k])
    return out


def unvech(v: NDArray[np.float64], d: int) -> NDArray[np.float64]:
    """The symmetric ``(…, d, d)`` matrices whose upper triangles are ``v`` (``(…, m)``)."""
    i, j = np.triu_indices(d)
    out = np.zeros((*v.shape[:-1], d, d))
    out[..., i, j] = v
    out[..., j, i] = v
    return out


def _mid(journey_map: JourneyMap, node_id: str) -> float:
    """The middle of a node's scale: the fixed shift of its column in the moments (keeps
    the fourth moments small, so their differences keep their digits)."""
    scale = journey_map.node(node_id).scale
    return 0.0 if scale is None else (scale[0] + scale[1]) / 2.0
