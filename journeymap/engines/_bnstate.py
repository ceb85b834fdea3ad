"""The fitted state of the bayesnet engine: tables, posterior draws, and shift evaluation.

:class:`BayesNetState` holds a fitted discrete network (point tables and their posterior
draws as stacks, see :mod:`._discrete`) and evaluates every quantity the engine reports:
total and natural direct effects of shifts (``docs/method.md`` §9.3), what-if shifts and
interventional distributions; :meth:`BayesNetState.to_pgmpy` gives the pgmpy model.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..exceptions import JourneymapError
from ._discrete import (
    Array,
    Contraction,
    NodeStates,
    compose,
    dirichlet_tables,
    shift_axis,
    shift_kernel,
    stack_dot,
)
from .result import ShiftOutcome

if TYPE_CHECKING:
    from pgmpy.models import DiscreteBayesianNetwork

    from ..data import SurveyData
    from ..model import JourneyMap

__all__ = ["BayesNetState", "ShiftPrediction", "outcome_draws", "quiet_pgmpy"]


@contextmanager
def quiet_pgmpy() -> Iterator[None]:
    """Silence pgmpy's logging and progress bars (and its deprecation notices) for a block."""
    import pgmpy

    logger = logging.getLogger("pgmpy")
    level, show = logger.level, pgmpy.config.get_show_progress()
    logger.setLevel(logging.ERROR)
    pgmpy.config.set_show_progress(False)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=FutureWarning,
                                    message=r".*pgmpy\.estimators\..* is deprecated")
            yield
    finally:
        logger.setLevel(level)
        pgmpy.config.set_show_progress(show)


@dataclass(frozen=True)
class ShiftPrediction:
    """Change in NPS (NPS points, with posterior draws) and in mean LTR (LTR points)."""

    change: float
    draws: Array
    mean_ltr_change: float

    @property
    def ci(self) -> tuple[float, float]:
        if not self.draws.size:
            return (math.nan, math.nan)
        lo, hi = np.percentile(self.draws, [2.5, 97.5])
        return (float(lo), float(hi))

    @property
    def se(self) -> float:
        return float(self.draws.std(ddof=1)) if self.draws.size > 1 else math.nan


@dataclass
class BayesNetState:
    """A fitted discrete network and everything needed to evaluate shifts of its nodes.

    Stacks hold the point estimate at index 0 and posterior draws after it.  The
    outcome's stack is kept per *group* of LTR states that no evaluated weight vector
    tells apart (``outcome_groups``), which by the Dirichlet's aggregation property
    gives exact draws of every quantity computed here.
    """

    journey_map: JourneyMap
    order: tuple[str, ...]
    parents: dict[str, tuple[str, ...]]
    states: dict[str, NodeStates]
    counts: dict[str, np.ndarray]
    n_family: dict[str, int]
    experienced: dict[str, float]
    tables: dict[str, Array]
    outcome_table: Array
    outcome_weights: Array
    mean_weights: Array
    ess: float
    draws: int
    seed: int
    outcome_groups: np.ndarray
    outcome_stack: Array  # (groups, stack, parents…)
    codes: dict[str, np.ndarray] = field(default_factory=dict)  # state per row, −1 = blank

    def __post_init__(self) -> None:
        self.outcome = self.journey_map.outcome
        self.contraction = Contraction(self.order, self.parents, self.outcome)
        self._base: Array | None = None
        self._joint: Array | None = None
        self._factors: dict[bytes, Array] = {}
        self._joint_base: Array | None = None
        self._moved: dict[str, Array] = {}

    # ---------------------------------------------------------------- pieces
    @property
    def y_parents(self) -> tuple[str, ...]:
        return self.parents[self.outcome]

    def kernel(self, node: str, delta: float) -> Array:
        """Shift kernel of ``delta`` states applied to those who experienced the node."""
        return shift_kernel(self.states[node].size, delta, self.experienced[node])

    def _grouped(self, weights: Array) -> Array:
        """Outcome weights per state group.

        The fit groups the LTR states that the NPS weights do not tell apart (the three
        classes), or, when a role acts on the outcome itself, neither the weights nor their
        one-state shift (0–5, 6, 7, 8, 9–10).  Weights that differ within a group (a
        what-if moving LTR itself) switch, once, to draws of all states, seeded as before.
        """
        first = [int(np.flatnonzero(self.outcome_groups == g)[0])
                 for g in range(int(self.outcome_groups.max()) + 1)]
        w = weights[first]
        if np.array_equal(weights, w[self.outcome_groups]):
            return w
        self.outcome_groups = np.arange(self.states[self.outcome].size, dtype=np.int64)
        self.outcome_stack = outcome_draws(self.counts[self.outcome], self.ess, self.draws,
                                           self.seed, self.outcome_groups)
        self._base = self._joint_base = None
        self._factors.clear()
        self._moved.clear()
        return weights

    def outcome_factor(self, weights: Array, shifts: Mapping[str, float] | None = None,
                       own: float = 0.0) -> Array:
        """Stack of ``E[weights(Y) | parents]``; optionally with shifted parents (only as the
        outcome sees them) and the outcome itself shifted by ``own`` states."""
        if own:
            weights = weights @ self.kernel(self.outcome, own)
        w = self._grouped(weights)
        key = w.tobytes()
        f = self._factors.get(key)
        if f is None:
            stack = self.outcome_stack  # (groups, stack, parents…): a plain matrix product
            f = (w @ stack.reshape(stack.shape[0], -1)).reshape(stack.shape[1:])
            self._factors[key] = f
        for node, delta in (shifts or {}).items():
            if node in self.y_parents and delta:
                f = shift_axis(f, 1 + self.y_parents.index(node), self.kernel(node, delta))
        return f

    def shifted_tables(self, shifts: Mapping[str, float]) -> dict[str, Array]:
        out = dict(self.tables)
        for node, delta in shifts.items():
            if node != self.outcome and node in self.contraction.members and delta:
                out[node] = compose(self.kernel(node, delta), self.tables[node])
        return out

    def expected(self, tables: Mapping[str, Array], factor: Array) -> Array:
        """Stack of ``E[factor(parents of Y)]`` under the given tables."""
        if not self.y_parents:
            return factor
        return self.contraction.run(tables, [(factor, self.y_parents)], [])

    @property
    def baseline(self) -> Array:
        """Stack of the model's NPS (before any shift)."""
        if self._base is None:
            self._base = self.expected(self.tables, self.outcome_factor(self.outcome_weights))
        return self._base

    @property
    def parent_joint(self) -> Array:
        """Stack of the joint distribution of the outcome's parents."""
        if self._joint is None:
            self._joint = self.contraction.run(self.tables, [], self.y_parents)
        return self._joint

    # ---------------------------------------------------------------- effects
    def total(self, shifts: Mapping[str, float]) -> Array:
        """Stack of the change in NPS points when every node in ``shifts`` moves by its
        number of states (kernel of :func:`shift_kernel`, for those who experienced it)."""
        factor = self.outcome_factor(self.outcome_weights,
                                     own=shifts.get(self.outcome, 0.0))
        return self.expected(self.shifted_tables(shifts), factor) - self.baseline

    def direct(self, shifts: Mapping[str, float]) -> Array:
        """Stack of the natural direct effect: only the outcome sees the shifted values."""
        if not self.y_parents:
            return self.total(shifts)
        own = shifts.get(self.outcome, 0.0)
        moving = [p for p in self.y_parents if shifts.get(p)]
        if not own and not moving:
            return np.zeros(self.parent_joint.shape[0])
        if self._joint_base is None:
            self._joint_base = stack_dot(self.parent_joint,
                                         self.outcome_factor(self.outcome_weights))
        if not own and len(moving) == 1 and 0 < shifts[moving[0]] <= 1:
            # one parent moving at most one state: linear in the probability of moving
            p = shifts[moving[0]] * self.experienced[moving[0]]
            return p * (stack_dot(self.parent_joint, self.moved_one(moving[0]))
                        - self._joint_base)
        moved = self.outcome_factor(self.outcome_weights, shifts, own=own)
        return stack_dot(self.parent_joint, moved) - self._joint_base

    def moved_one(self, parent: str) -> Array:
        """Stack of ``E[NPS | parents]`` with one parent one state up for everyone (cached)."""
        f = self._moved.get(parent)
        if f is None:
            f = np.ascontiguousarray(shift_axis(
                self.outcome_factor(self.outcome_weights), 1 + self.y_parents.index(parent),
                shift_kernel(self.states[parent].size, 1.0)))
            self._moved[parent] = f
        return f

    def what_if(self, journey_map: JourneyMap, data: SurveyData,
                node_shifts: Mapping[str, float]) -> ShiftOutcome:
        """The :class:`~journeymap.engines.result.EngineState` protocol: :meth:`shift` for
        the respondents' mean LTR, with the posterior-draw interval of the change."""
        pred = self.shift(node_shifts)
        mean_ltr = float(data.ltr.mean())
        return ShiftOutcome(mean_ltr=mean_ltr, predicted_mean_ltr=mean_ltr + pred.mean_ltr_change,
                            change=pred.change, change_ci=pred.ci, se=pred.se)

    def shift(self, shifts: Mapping[str, float]) -> ShiftPrediction:
        """What-if: NPS change (with draws) and mean LTR change for node shifts in states."""
        for node in shifts:
            if node not in self.states:
                raise JourneymapError(f"'{node}' is not a measured node of this fit.")
        change = self.total(shifts)
        point = {k: v[:1] for k, v in self.tables.items()}
        table = self.outcome_table[None]
        w = self.mean_weights
        own = shifts.get(self.outcome, 0.0)
        moved_w = w @ self.kernel(self.outcome, own) if own else w
        f0 = np.tensordot(w, table, axes=([0], [1]))
        f1 = np.tensordot(moved_w, table, axes=([0], [1]))
        shifted = {k: v[:1] for k, v in self.shifted_tables(shifts).items()}
        mean_change = float(self.expected(shifted, f1)[0] - self.expected(point, f0)[0])
        return ShiftPrediction(float(change[0]), change[1:], mean_change)

    def interventional(self, node: str) -> Array:
        """``P(outcome | do(node = s))`` for every state s (rows) of a node (point estimate)."""
        if node == self.outcome or node not in self.states:
            raise JourneymapError(f"'{node}' is not a measured node upstream of the outcome.")
        tables: dict[str, Array | None] = {k: v[:1] for k, v in self.tables.items()}
        full = self.outcome_table[None]
        if node not in self.contraction.members:
            marginal = (self.contraction.run(tables, [(full, (self.outcome, *self.y_parents))],
                                             [self.outcome])[0] if self.y_parents else full[0])
            return np.tile(marginal, (self.states[node].size, 1))
        tables[node] = None
        out = self.contraction.run(tables, [(full, (self.outcome, *self.y_parents))],
                                   [node, self.outcome])
        return np.asarray(out[0], dtype=np.float64)

    # ---------------------------------------------------------------- pgmpy
    def to_pgmpy(self) -> DiscreteBayesianNetwork:
        """The fitted network (point estimates) as a pgmpy ``DiscreteBayesianNetwork``."""
        with quiet_pgmpy():
            from pgmpy.factors.discrete import TabularCPD
            from pgmpy.models import DiscreteBayesianNetwork

            model = DiscreteBayesianNetwork([(p, n) for n in self.order for p in self.parents[n]])
            model.add_nodes_from(self.order)
            cpds = []
            for n in self.order:
                table = self.outcome_table if n == self.outcome else self.tables[n][0]
                pa = list(self.parents[n])
                cpds.append(TabularCPD(
                    n, self.states[n].size, table.reshape(self.states[n].size, -1),
                    evidence=pa or None,
                    evidence_card=[self.states[p].size for p in pa] or None,
                    state_names={v: list(self.states[v].names) for v in (n, *pa)}))
            model.add_cpds(*cpds)
            model.check_model()
        return model


def outcome_draws(counts: np.ndarray, ess: float, draws: int, seed: int,
                  groups: np.ndarray) -> Array:
    """The outcome's grouped point table and draws, group axis first: ``(groups, stack, …)``."""
    stack = dirichlet_tables(counts, ess, draws, np.random.default_rng([seed, 1]), groups=groups)
    return np.ascontiguousarray(np.moveaxis(stack, 1, 0))
