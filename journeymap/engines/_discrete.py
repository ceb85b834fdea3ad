"""Discrete Bayesian-network arithmetic behind the ``bayesnet`` engine.

States (:class:`NodeStates`), counts and BDeu conditional probability tables
(:func:`family_counts`, :func:`bdeu_tables`, :func:`dirichlet_tables`), shift kernels
(:func:`shift_kernel`) and exact inference by one tensor contraction
(:class:`Contraction`).  Nothing here imports pgmpy: the numbers are the same as
pgmpy's (``tests/test_bayesnet.py`` checks the tables against
``DiscreteBayesianEstimator`` and the interventional distributions against
``model.do`` + ``VariableElimination``), computed with numpy only.

Conventions.  A node's table ``cpd`` has axes ``(node, parent_1, …, parent_k)`` in
the order of its parents, so ``cpd.reshape(r, -1)`` is pgmpy's ``TabularCPD``
value matrix (first parent slowest).  A *stack* of tables has one more leading axis:
index 0 is the point estimate (posterior mean), indices 1… are posterior draws, and
every function below works on stacks, so one call gives an estimate and its draws.
A kernel ``K[to, from]`` moves a respondent from state ``from`` to state ``to``.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..exceptions import JourneymapError

__all__ = ["Contraction", "NodeStates", "bdeu_tables", "compose", "dirichlet_tables",
           "family_counts", "shift_axis", "shift_kernel", "stack_dot"]

Array = NDArray[np.float64]
MAX_LABELS = 52  # numpy.einsum's limit on distinct subscripts


@dataclass(frozen=True)
class NodeStates:
    """The discrete states of one node and how scores map onto them.

    Attributes
    ----------
    names
        State names as pgmpy's ``state_names`` (scale values, or ``"1-2"`` for merged
        scale points, or ``detractor/passive/promoter``).
    values
        Score of each state in scale points (the mean of the scale points it holds).
    lookup
        Scale point (``round(x) − low``) → state index.
    low
        Bottom of the scale.
    """

    names: tuple[Hashable, ...]
    values: Array
    lookup: NDArray[np.int64]
    low: int

    @property
    def size(self) -> int:
        return len(self.names)

    @classmethod
    def scale(cls, node_id: str, scale: tuple[float, float] | None,
              bins: int | Sequence[float] | None = None) -> NodeStates:
        """States of a rating scale, optionally merged into ``bins``.

        ``bins`` is a number of groups of neighbouring scale points (as equal in size as
        possible, lower groups larger) or the upper ends of every group but the last
        (``[2, 4]`` on 1–5 gives 1–2, 3–4, 5).
        """
        if scale is None or not all(float(v).is_integer() for v in scale):
            raise JourneymapError(
                f"the bayesnet engine reads ratings as whole scale points, but node '{node_id}' "
                f"has the scale {scale}; give it whole-number ends (e.g. [1, 5]).")
        low, high = int(scale[0]), int(scale[1])
        points = np.arange(low, high + 1)
        if bins is None:
            groups = [points[i:i + 1] for i in range(len(points))]
        elif isinstance(bins, int | np.integer):
            if not 2 <= int(bins) <= len(points):
                raise JourneymapError(
                    f"node '{node_id}' has {len(points)} scale points; bins must be between 2 "
                    f"and {len(points)}, not {bins}.")
            groups = np.array_split(points, int(bins))
        else:
            cuts = [float(c) for c in bins]
            if cuts != sorted(set(cuts)) or not cuts or cuts[0] < low or cuts[-1] >= high:
                raise JourneymapError(
                    f"the bins of node '{node_id}' must be increasing upper ends inside its "
                    f"scale {low}–{high} (the last group ends at {high}), not {list(bins)}.")
            edges = [low - 1, *[math.floor(c) for c in cuts], high]
            groups = [points[(points > a) & (points <= b)] for a, b in pairwise(edges)]
        merged = any(len(g) > 1 for g in groups)
        names: list[Hashable] = [
            (f"{g[0]}-{g[-1]}" if len(g) > 1 else str(g[0])) if merged else int(g[0])
            for g in groups]
        lookup = np.concatenate([np.full(len(g), i) for i, g in enumerate(groups)])
        return cls(tuple(names), np.array([float(g.mean()) for g in groups]),
                   lookup.astype(np.int64), low)

    @classmethod
    def ltr(cls, kind: str) -> NodeStates:
        """LTR as 11 states 0–10 or as the three NPS classes."""
        points = np.arange(11)
        if kind == "11":
            return cls(tuple(int(k) for k in points), points.astype(np.float64),
                       points.astype(np.int64), 0)
        if kind == "classes":
            lookup = np.array([0] * 7 + [1] * 2 + [2] * 2, dtype=np.int64)
            return cls(("detractor", "passive", "promoter"), np.array([3.0, 7.5, 9.5]), lookup,
                       0)
        raise JourneymapError(f"ltr_states must be '11' or 'classes', not {kind!r}.")

    def codes(self, x: Array) -> NDArray[np.int64]:
        """State index of every score (nearest scale point, halves up); −1 where missing."""
        missing = np.isnan(x)
        filled = np.where(missing, float(self.low), x)
        point = np.floor(filled + 0.5).astype(np.int64) - self.low
        out = self.lookup[np.clip(point, 0, len(self.lookup) - 1)]
        out[missing] = -1
        return out


def family_counts(codes: Sequence[NDArray[np.int64]], cards: Sequence[int]
                  ) -> tuple[NDArray[np.int64], int]:
    """Counts of (node, parents…) state combinations over the rows where all are observed.

    ``codes[0]`` is the node, the rest its parents (−1 = missing).  One mixed-radix code
    per row and one ``np.bincount``.  Returns the count tensor of shape ``cards`` and the
    number of complete rows.
    """
    size = int(np.prod(cards))
    key = np.zeros(codes[0].shape[0], dtype=np.int64) if size > 1 else None
    stride = size
    complete: NDArray[np.bool_] | None = None
    for c, r in zip(codes, cards, strict=True):
        stride //= r
        if key is not None:
            key += c * stride if stride > 1 else c
        if (c < 0).any():
            observed = c >= 0
            complete = observed if complete is None else complete & observed
    if key is None:
        key = np.zeros(codes[0].shape[0], dtype=np.int64)
    if complete is not None:
        key = key[complete]
    counts = np.bincount(key, minlength=size).reshape(tuple(cards))
    return counts, int(key.shape[0])


def bdeu_tables(counts: NDArray[np.int64], ess: float) -> Array:
    """BDeu posterior-mean table ``(N + α)/(N_parents + r·α)``, ``α = ess/(r·q)``.

    The same as pgmpy's ``DiscreteBayesianEstimator(prior_type="BDeu",
    equivalent_sample_size=ess)``; a parent combination nobody answered gets the uniform
    distribution ``1/r``.
    """
    alpha = ess / counts.size
    post = counts + alpha
    return np.asarray(post / post.sum(axis=0, keepdims=True), dtype=np.float64)


def dirichlet_tables(counts: NDArray[np.int64], ess: float, draws: int,
                     rng: np.random.Generator, groups: NDArray[np.int64] | None = None) -> Array:
    """Stack of the BDeu point table and ``draws`` tables from its Dirichlet posterior.

    Each column (parent combination) is drawn from ``Dirichlet(N + α)`` independently
    (normalised gamma variables).  With ``groups`` (state → group index) the columns
    are drawn for the merged groups only — by the Dirichlet's aggregation property the
    sums of a Dirichlet vector over groups are Dirichlet with summed parameters, so this
    is exact for any function of the group probabilities (e.g. NPS of an 11-state LTR).
    """
    alpha = ess / counts.size
    post = counts + alpha
    if groups is not None:
        n_groups = int(groups.max()) + 1
        post = np.stack([post[groups == g].sum(axis=0) for g in range(n_groups)])
    r = post.shape[0]
    flat = post.reshape(r, -1)
    stack = np.empty((draws + 1, *flat.shape))
    stack[0] = flat / flat.sum(axis=0, keepdims=True)
    if draws:
        # Columns whose pseudo-counts are all below 1 are the combinations nobody answered
        # (BDeu's prior alone, the same vector a in each): their gamma variables lie far
        # below the smallest double, so they are drawn in logs (see _tiny_dirichlet).
        tiny: NDArray[np.bool_] = (np.asarray((flat < 1.0).all(axis=0)) if r > 1
                                   else np.zeros(flat.shape[1], dtype=bool))
        big = np.flatnonzero(~tiny)
        if len(big) == flat.shape[1]:
            stack[1:] = rng.standard_gamma(np.broadcast_to(flat, (draws, *flat.shape)))
            stack[1:] /= stack[1:].sum(axis=1, keepdims=True)
        else:
            a = np.asarray(flat[:, int(np.flatnonzero(tiny)[0])], dtype=np.float64)
            _tiny_dirichlet(a, rng, stack[1:], tiny)
            if len(big):
                part = rng.standard_gamma(np.broadcast_to(flat[:, big], (draws, r, len(big))))
                stack[1:, :, big] = part / part.sum(axis=1, keepdims=True)
    return stack.reshape(draws + 1, *post.shape)


_ONE_HOT_GAP = 850.0  # e^-(850 - 100) is below the smallest double


def _tiny_dirichlet(a: Array, rng: np.random.Generator, out: Array,
                    columns: NDArray[np.bool_]) -> None:
    """Fill the ``columns`` of ``out`` (draws, len(a), q) with draws of ``Dirichlet(a)``,
    every ``a_k < 1`` (other columns get values to be overwritten).

    ``Gamma(a) = Gamma(a + 1) · U^(1/a)``, so ``log G_k = log Γ_k − E_k / a_k`` with
    ``Γ_k ~ Gamma(a_k + 1)`` and ``E_k ~ Exp(1)``.  With BDeu's tiny ``a`` the ``E_k / a_k``
    are thousands apart: when the best score leads the next by more than 850, every other
    component is below ``e^(100 − 850)`` of it (|log Γ| < 50 except with probability
    ``e^-50``), which is 0 in double precision, so the draw is exactly the vertex.  Only
    the other draws need the gamma variables.
    """
    r = len(a)
    score = rng.standard_exponential(out.shape)
    score /= -a[None, :, None]
    best = np.maximum.reduce(score, axis=1)
    runner_up = np.full(best.shape, -np.inf)
    for k in range(r):
        np.maximum(runner_up, np.where(score[:, k] == best, -np.inf, score[:, k]),
                   out=runner_up)
    for k in range(r):
        np.equal(score[:, k], best, out=out[:, k])  # the vertex (cast to 0.0 / 1.0)
    close = (best - runner_up < _ONE_HOT_GAP) & columns[None, :]
    if close.any():
        d_idx, c_idx = np.nonzero(close)
        logg = score[d_idx, :, c_idx] + np.log(rng.standard_gamma(
            np.broadcast_to(a + 1.0, (len(d_idx), r))))
        logg -= logg.max(axis=1, keepdims=True)
        part = np.exp(logg)
        out[d_idx, :, c_idx] = part / part.sum(axis=1, keepdims=True)


def shift_kernel(r: int, delta: float, prob: float = 1.0) -> Array:
    """``K[to, from]``: with probability ``prob`` a respondent moves ``delta`` states.

    The target ``from + delta`` is clipped to the states ``0 … r − 1`` (nobody leaves
    the scale; those at the top stay); a fractional part ``f`` moves one state further
    with probability ``f`` (so ``delta = 0.6`` moves 60 % of the respondents one state
    up).  With probability ``1 − prob`` nothing changes.
    """
    K = np.zeros((r, r))
    for s in range(r):
        t = min(max(s + delta, 0.0), r - 1.0)
        lo = math.floor(t)
        frac = t - lo
        K[lo, s] += 1.0 - frac
        if frac > 0:
            K[lo + 1, s] += frac
    return np.asarray((1.0 - prob) * np.eye(r) + prob * K, dtype=np.float64)


def compose(kernel: Array, stack: Array) -> Array:
    """Tables of the shifted node: ``K @ cpd`` over the node's own axis (axis 1 of a stack)."""
    return shift_axis(stack, 1, kernel.T)


def shift_axis(f: Array, axis: int, kernel: Array) -> Array:
    """``f`` evaluated at a shifted parent: ``f'[…, x, …] = Σ_to K[to, x] · f[…, to, …]``."""
    out = np.moveaxis(f, axis, -1) @ kernel  # matmul beats tensordot's transposes here
    return np.asarray(np.moveaxis(out, -1, axis), dtype=np.float64)


def stack_dot(a: Array, b: Array) -> Array:
    """``Σ a · b`` over every axis but the first (the stack), one value per stack entry.

    ``b`` may lack the stack axis (the same weights for every entry)."""
    k = a.shape[0]
    if b.ndim == a.ndim - 1:
        return np.asarray(a.reshape(k, -1) @ b.reshape(-1), dtype=np.float64)
    return np.asarray(np.einsum("ij,ij->i", a.reshape(k, -1), b.reshape(b.shape[0], -1)),
                      dtype=np.float64)


@dataclass
class Contraction:
    """Exact inference on the ancestors of one node by a single ``np.einsum``.

    The joint distribution is the product of the tables; summing it over every
    variable not in ``output`` is one tensor contraction whose order (the elimination
    order) ``np.einsum_path`` chooses once per shape and is cached.  Every operand
    carries the stack axis (label 0), so a point estimate and all posterior draws are
    contracted together.

    Parameters
    ----------
    order
        Node ids in topological order.
    parents
        Parents of every node.
    target
        The node whose ancestors are contracted (the outcome).
    """

    order: tuple[str, ...]
    parents: Mapping[str, tuple[str, ...]]
    target: str
    members: tuple[str, ...] = field(init=False)
    label: dict[str, int] = field(init=False)
    _paths: dict[tuple[object, ...], list[object]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        ancestors: set[str] = set()
        todo = list(self.parents[self.target])
        while todo:
            n = todo.pop()
            if n not in ancestors:
                ancestors.add(n)
                todo.extend(self.parents[n])
        self.members = tuple(n for n in self.order if n in ancestors)
        if len(self.members) + 2 > MAX_LABELS:
            raise JourneymapError(
                f"the bayesnet engine handles up to {MAX_LABELS - 2} measured nodes upstream of "
                f"'{self.target}'; this map has {len(self.members)}. Use the linear engine.")
        self.label = {n: i + 1 for i, n in enumerate((*self.members, self.target))}

    def labels(self, node: str) -> list[int]:
        """Einsum labels of a node's table: stack, node, parents."""
        return [0, self.label[node], *(self.label[p] for p in self.parents[node])]

    def run(self, tables: Mapping[str, Array | None],
            extra: Sequence[tuple[Array, Sequence[str]]], output: Sequence[str]) -> Array:
        """Contract the stacked ``tables`` of the ancestors (``None`` leaves one out) and the
        ``extra`` stacked factors (array, node ids of its axes after the stack axis).

        Returns an array with the stack axis and one axis per ``output`` node.
        """
        args: list[Any] = []
        shapes: list[tuple[int, ...]] = []
        for n in self.members:
            t = tables[n]
            if t is not None:
                args += [t, self.labels(n)]
                shapes.append(t.shape)
        for arr, nodes in extra:
            args += [arr, [0, *(self.label[n] for n in nodes)]]
            shapes.append(arr.shape)
        out = [0, *(self.label[n] for n in output)]
        key: tuple[object, ...] = (tuple(out), tuple(shapes),
                                   tuple(tuple(a) for a in args[1::2]))
        path = self._paths.get(key)
        if path is None:
            path = list(np.einsum_path(*args, out, optimize="greedy")[0])
            self._paths[key] = path
        return np.asarray(np.einsum(*args, out, optimize=path), dtype=np.float64)
