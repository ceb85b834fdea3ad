"""The bayesnet engine: a discrete Bayesian network of the journey.

The method is in docs/method.md, "Bayesian-network engine".

Every measured node is a discrete variable — a rating's scale points (optionally merged
into ``bins``), LTR as 11 states or as detractor / passive / promoter — with a BDeu
conditional probability table per node, estimated from the rows where the node and all
its parents were experienced.  Effects are *shift interventions* in NPS points: the
change in ``100 · (P(promoter) − P(detractor))`` when a node moves up one state for
every respondent below its top state (those who did not experience it gain nothing),
with the natural direct effect (only the edge into the outcome sees the shift) and
the indirect effect (total − direct).  95 % intervals are percentiles over draws from
the tables' Dirichlet posterior.  The formulas are in ``docs/method.md`` (§9).

The fitted network is available as a pgmpy ``DiscreteBayesianNetwork``
(:attr:`BayesNetEngine.model_`, built on first use: importing pgmpy takes seconds);
the engine's own arithmetic is numpy (:mod:`._discrete`) and is tested against
pgmpy's estimator and ``model.do`` + ``VariableElimination``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import DataValidationError, JourneymapError
from ..limits import (
    BAYESNET_MAX_THIN_SHARE,
    BAYESNET_MIN_CELL_ROWS,
    BAYESNET_ROWS_PER_COMBINATION,
    DEFAULT_MIN_RESPONSES,
    MAX_BAYESNET_DRAWS,
    check_min_responses,
)
from ..nps import nps_score
from ._base import Engine, FitResult, register_engine
from ._bnrecords import assemble, roles_on_outcome
from ._bnstate import BayesNetState, ShiftPrediction, outcome_draws, quiet_pgmpy
from ._bnsupport import auto_bins
from ._discrete import Array, NodeStates, bdeu_tables, dirichlet_tables, family_counts, shift_kernel

if TYPE_CHECKING:
    import pandas as pd
    from pgmpy.models import DiscreteBayesianNetwork

    from ..data import SurveyData
    from ..model import JourneyMap

__all__ = ["BayesNetEngine", "BayesNetState", "NodeStates", "ShiftPrediction", "fit_state",
           "quiet_pgmpy"]

NPS_WEIGHTS = {"promoter": 100.0, "passive": 0.0, "detractor": -100.0}


@register_engine("bayesnet")
class BayesNetEngine(Engine):
    """A discrete Bayesian network of the journey (pgmpy-compatible; BDeu prior).

    Parameters
    ----------
    min_responses
        Smallest n for the fit and for each node with parents (default 30, never below 10).
    ess
        Equivalent sample size of the BDeu prior (default 10): every table cell gets the
        pseudo-count ``ess / (states × parent combinations)``.
    ltr_states
        ``"11"`` (LTR 0–10 as they are, the default) or ``"classes"`` (detractor, passive,
        promoter).
    bins
        Merge neighbouring scale points of ratings: ``"auto"`` (the default: a number of
        states chosen from the data's size, docs/method.md, "9.8 Sparse data"), a number
        of groups for every rating (at most its scale points), or a mapping node id →
        number of groups or upper ends of the groups (``{"ease": [3, 5]}`` on 1–7 gives
        1–3, 4–5, 6–7).  ``"all"`` or ``None`` keeps every point.
    draws
        Posterior draws for the 95 % intervals (default 200; 0 = no intervals; at most
        :data:`~journeymap.limits.MAX_BAYESNET_DRAWS`).
    sparse_min, sparse_share
        A parent combination with fewer than ``sparse_min`` responses (default
        :data:`~journeymap.limits.BAYESNET_MIN_CELL_ROWS`, 5) has too few; a node gets a
        warning when more than ``sparse_share`` (default 0.2) of its parent combinations
        have too few.
    max_thin_share
        An effect, influence or edge is reported as not estimable (null, with the reason)
        when more than this share of the respondents its shift moves land in combinations
        with too few responses (default
        :data:`~journeymap.limits.BAYESNET_MAX_THIN_SHARE`, 0.2).
    random_state
        Seed of the posterior draws.

    Attributes
    ----------
    state_
        The fitted :class:`BayesNetState` (tables, draws, shift evaluation).
    sparsity_
        Per node with parents: combinations, responses, shares never observed / too few.

    Examples
    --------
    >>> import journeymap as jm
    >>> m = jm.example_map()
    >>> data = jm.example_data(n=600, seed=4).data
    >>> r = jm.fit(m, data, engine="bayesnet", draws=0)
    >>> e = r.effect("delivery")
    >>> r.engine, r.effect_unit, round(e.total - e.direct - e.indirect, 12)
    ('bayesnet', 'nps_points', 0.0)
    >>> r.options["bins_used"], round(e.thin_share, 2), e.not_estimable
    (2, 0.1, None)
    >>> every_point = jm.fit(m, data, engine="bayesnet", draws=0, bins="all")
    >>> every_point.effect("delivery").not_estimable[:35]
    'too little data: 97 % of the respon'
    """

    effect_unit = "nps_points"
    discrete = True

    def __init__(self, *, min_responses: int = DEFAULT_MIN_RESPONSES, ess: float = 10.0,
                 ltr_states: str = "11",
                 bins: int | str | Mapping[str, Any] | None = "auto", draws: int = 200,
                 sparse_min: int = BAYESNET_MIN_CELL_ROWS, sparse_share: float = 0.2,
                 max_thin_share: float = BAYESNET_MAX_THIN_SHARE, random_state: int = 0,
                 bootstrap: int = 0) -> None:
        super().__init__(min_responses=min_responses)
        self.ess = ess
        self.ltr_states = ltr_states
        self.bins = bins
        self.draws = draws
        self.sparse_min = sparse_min
        self.sparse_share = sparse_share
        self.max_thin_share = max_thin_share
        self.random_state = random_state
        self.bootstrap = bootstrap

    @property
    def state_(self) -> BayesNetState:
        return fit_state(self.result_)

    @property
    def model_(self) -> DiscreteBayesianNetwork:
        """The fitted network as a pgmpy ``DiscreteBayesianNetwork`` (built on first use)."""
        model: DiscreteBayesianNetwork | None = getattr(self, "_model", None)
        if model is None:
            model = self.state_.to_pgmpy()
            self._model = model
        return model

    @property
    def sparsity_(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame(self.result_.options["sparsity"])

    def _check_options(self, journey_map: JourneyMap) -> None:
        check_min_responses(self.min_responses)
        if self.bootstrap:
            raise JourneymapError("the bayesnet engine's intervals come from posterior draws "
                                  "(option draws), not from the bootstrap; drop --bootstrap.")
        if not (isinstance(self.ess, int | float) and not isinstance(self.ess, bool)
                and math.isfinite(self.ess) and self.ess > 0):
            raise JourneymapError(f"ess (the BDeu equivalent sample size) must be a positive "
                                  f"number, not {self.ess!r}.")
        if self.ltr_states not in ("11", "classes"):
            raise JourneymapError(f"ltr_states must be '11' or 'classes', not "
                                  f"{self.ltr_states!r}.")
        if (not isinstance(self.draws, int) or isinstance(self.draws, bool) or self.draws < 0
                or self.draws == 1 or self.draws > MAX_BAYESNET_DRAWS):
            raise JourneymapError(f"draws must be 0 (no intervals) or from 2 to "
                                  f"{MAX_BAYESNET_DRAWS:,}, not {self.draws!r}.")
        if not (isinstance(self.max_thin_share, int | float)
                and 0.0 <= self.max_thin_share <= 1.0):
            raise JourneymapError(f"max_thin_share must be a share from 0 to 1, not "
                                  f"{self.max_thin_share!r}.")
        if isinstance(self.bins, str) and self.bins not in ("auto", "all"):
            raise JourneymapError(f"bins must be 'auto', 'all', a number of states from 2 up, "
                                  f"or per node; not {self.bins!r}.")
        if isinstance(self.bins, bool) or (isinstance(self.bins, int | np.integer)
                                           and self.bins < 2):
            raise JourneymapError(f"bins must be 'auto' or at least 2 states per rating, not "
                                  f"{self.bins!r}.")
        if isinstance(self.bins, Mapping):
            for key in self.bins:
                node = journey_map.node(str(key))
                if node.id == journey_map.outcome:
                    raise JourneymapError(f"bins apply to ratings; '{key}' is the outcome (see "
                                          "ltr_states).")
                if not node.measured:
                    raise JourneymapError(f"bins apply to ratings; '{key}' has no data.")

    def fit(self, journey_map: JourneyMap, data: SurveyData) -> BayesNetEngine:
        state, sparsity, sparse_warnings = self.fit_network(journey_map, data)
        options: dict[str, Any] = {
            "min_responses": self.min_responses, "ess": self.ess, "ltr_states": self.ltr_states,
            "bins": self.bins, "bins_used": self.bins_used_, "draws": self.draws,
            "random_state": self.random_state,
            "intervals": "posterior" if self.draws else None, "sparsity": sparsity,
            "min_cell_rows": self.sparse_min, "max_thin_share": self.max_thin_share,
            "states": {n: list(s.names) for n, s in state.states.items()}}
        warns = list(journey_map.warnings) + list(data.warnings) + sparse_warnings
        self._result = assemble(state, data, engine=self.name, options=options,
                                warnings=warns, nps=nps_score(data.ltr),
                                min_rows=self.sparse_min, max_thin_share=self.max_thin_share)
        self._model = None
        return self

    def fit_network(self, journey_map: JourneyMap, data: SurveyData
                    ) -> tuple[BayesNetState, list[dict[str, Any]], list[str]]:
        """The fitted network alone (tables and their draws; no effects): the state, the
        sparsity table and the sparse-data warnings.  :meth:`fit` calls this first."""
        self._check_options(journey_map)
        if data.n < self.min_responses:
            raise DataValidationError(
                f"only {data.n} responses have a recommend (0–10) answer; at least "
                f"{self.min_responses} are needed before any figure is shown.")
        m = journey_map
        order = tuple(n for n in m.topological_order if m.node(n).measured)
        parents = {n: tuple(p for p in m.parents(n) if m.node(p).measured) for n in order}
        bins: int | Mapping[str, Any] | None
        if self.bins == "auto":  # from the data's size (docs/method.md §9.8)
            bins = auto_bins(m, data, order, parents, BAYESNET_ROWS_PER_COMBINATION)
        elif isinstance(self.bins, str):  # "all"
            bins = None
        else:
            bins = int(self.bins) if isinstance(self.bins, int | np.integer) else self.bins
        self.bins_used_ = bins
        states: dict[str, NodeStates] = {}
        codes: dict[str, np.ndarray] = {}
        for n in order:
            if n == m.outcome:
                states[n] = NodeStates.ltr(self.ltr_states)
                codes[n] = states[n].lookup[data.ltr]
                continue
            scale = m.node(n).scale
            b = bins.get(n) if isinstance(bins, Mapping) else bins
            if isinstance(b, int | np.integer) and not isinstance(bins, Mapping) and scale:
                b = min(int(b), int(scale[1] - scale[0]) + 1)  # at most every point
            states[n] = NodeStates.scale(n, scale, b)
            codes[n] = states[n].codes(data.column(n))
        counts, n_family, sparsity, sparse_warnings = {}, {}, [], []
        for n in order:
            fam = (n, *parents[n])
            counts[n], n_family[n] = family_counts([codes[v] for v in fam],
                                                   [states[v].size for v in fam])
            if parents[n]:
                label = f"'{n}' (on {', '.join(parents[n])})"
                if n_family[n] < self.min_responses:
                    raise DataValidationError(
                        f"the table of {label} has only {n_family[n]} complete responses; at "
                        f"least {self.min_responses} are needed. Collect more answers, remove "
                        "an edge, or merge nodes.")
                rec, text = self._sparsity(m, n, parents[n], states, counts[n], n_family[n])
                sparsity.append(rec)
                if text:
                    sparse_warnings.append(text)
        rng = np.random.default_rng(self.random_state)
        tables = {n: dirichlet_tables(counts[n], self.ess, self.draws, rng)
                  for n in order if n != m.outcome}
        y = states[m.outcome]
        weights = self._outcome_weights(y)
        keys = [weights]
        if roles_on_outcome(m):  # their influence shifts LTR itself by one state
            keys.append(weights @ shift_kernel(y.size, 1.0))
        groups = np.unique(np.column_stack(keys), axis=0,
                           return_inverse=True)[1].ravel().astype(np.int64)
        state = BayesNetState(
            journey_map=m, order=order, parents=parents, states=states, counts=counts,
            n_family=n_family,
            experienced={n: float((codes[n] >= 0).mean()) for n in order},
            tables=tables, outcome_table=bdeu_tables(counts[m.outcome], self.ess),
            outcome_weights=weights, mean_weights=self._mean_weights(y, data),
            ess=float(self.ess), draws=self.draws, seed=self.random_state,
            outcome_groups=groups,
            outcome_stack=outcome_draws(counts[m.outcome], self.ess, self.draws,
                                         self.random_state, groups),
            codes=codes)
        return state, sparsity, sparse_warnings

    @staticmethod
    def _outcome_weights(y: NodeStates) -> Array:
        if isinstance(y.names[0], str):
            return np.array([NPS_WEIGHTS[str(s)] for s in y.names])
        k = np.array(y.names, dtype=np.float64)
        return np.where(k >= 9, 100.0, np.where(k <= 6, -100.0, 0.0))

    @staticmethod
    def _mean_weights(y: NodeStates, data: SurveyData) -> Array:
        """LTR per outcome state: the answer itself, or a class's mean answer in the data."""
        if not isinstance(y.names[0], str):
            return y.values
        out = y.values.copy()
        cls = y.lookup[data.ltr]
        for i in range(y.size):
            if (cls == i).any():
                out[i] = float(data.ltr[cls == i].mean())
        return out

    def _sparsity(self, m: JourneyMap, node: str, parents: tuple[str, ...],
                  states: Mapping[str, NodeStates], counts: np.ndarray, n: int
                  ) -> tuple[dict[str, Any], str | None]:
        per_combo = counts.sum(axis=0)
        never, thin = float((per_combo == 0).mean()), float((per_combo < self.sparse_min).mean())
        cards = [states[p].size for p in parents]
        rec = {"node": node, "parents": list(parents), "parent_states": cards,
               "combinations": int(per_combo.size), "n": n, "never_observed": never,
               "too_few": thin}
        if thin <= self.sparse_share:
            return rec, None
        k = len(cards)
        if len(set(cards)) == 1:
            desc = f"{cards[0]} states" + (" each" if k > 1 else "")
        else:
            desc = ", ".join(str(c) for c in cards[:-1]) + f" and {cards[-1]} states"
        text = (f"{m.node(node).display} has {k} parent{'s' if k > 1 else ''} with {desc}: "
                f"{100 * never:.0f} % of combinations were never observed and {100 * thin:.0f} % "
                f"have fewer than {self.sparse_min} responses ({per_combo.size:,} combinations, "
                f"{n:,} responses), so there the network can only fall back on a uniform guess "
                "or a handful of answers; merge states (bins) or remove an edge.")
        return rec, text


def fit_state(result: FitResult) -> BayesNetState:
    """The :class:`BayesNetState` of a bayesnet result fitted in this session."""
    state = result.model.state if result.model is not None else None
    if not isinstance(state, BayesNetState):
        raise JourneymapError("this needs a bayesnet fit made in this session from the data (a "
                              "result read back from JSON holds no network); fit the map again.")
    return state
