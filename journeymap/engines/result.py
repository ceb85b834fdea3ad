"""The typed, immutable result of a fit and the fitted model kept beside it.

A :class:`FitResult` is what every engine returns and what the FitResult JSON
(``docs/result-schema.md``) holds: the NPS, one :class:`EdgeEstimate` per edge, one
:class:`Effect` per measured node and one :class:`RoleEffect` per role, each with its
:class:`Route` list.  All of them are frozen dataclasses whose fields carry the names
of the JSON keys — except an edge's ends, which are the attributes ``source`` and
``target`` and the JSON keys ``from`` and ``to`` (``from`` is a Python keyword).
Intervals are ``(low, high)`` tuples in Python and two-element arrays in JSON.

The fitted model is kept apart from the serialisable result: a fit made in this
process carries a :class:`FittedModel` (:attr:`FitResult.model`) with the engine's
state — any object that implements the :class:`EngineState` protocol — and the
respondents; a result read back with :meth:`FitResult.from_dict` has none, so what-if
asks for a new fit.  Analyses call the protocol and never ask which engine made a
result.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypedDict

from ..exceptions import JourneymapError
from ..jsonsafe import to_jsonable
from ..nps import NPSScore
from ..outputs import write_atomic

if TYPE_CHECKING:
    import pandas as pd

    from ..data import SurveyData
    from ..model import JourneyMap

__all__ = ["RESULT_SCHEMA_VERSION", "EdgeEstimate", "EdgeJSON", "Effect", "EffectJSON",
           "EffectUnit", "EngineState", "FitResult", "FittedModel", "Interval", "RoleEffect",
           "RoleJSON", "Route", "RouteJSON", "ShiftOutcome"]

RESULT_SCHEMA_VERSION = 1

Interval = tuple[float, float]
"""A 95 % interval ``(low, high)``; a bound that could not be computed is NaN."""

EffectUnit = Literal["ltr_points", "nps_points"]
"""The unit of edge estimates, effects and influences: LTR points per scale point of the
node (``linear``) or NPS points per state (``bayesnet``)."""


# ------------------------------------------------------------------ JSON shapes
class RouteJSON(TypedDict):
    """A :class:`Route` as JSON."""

    nodes: list[str]
    effect: float
    ci: list[float] | None
    nps_points: float
    nps_points_ci: list[float] | None


EdgeJSON = TypedDict("EdgeJSON", {
    "from": str, "to": str, "estimate": float | None, "se": float | None,
    "ci": list[float] | None, "p_value": float | None, "standardized": float | None,
    "n": int | None, "share": float | None, "expected": str | None, "agrees": bool | None,
    "thin_share": float | None, "not_estimable": str | None})
"""An :class:`EdgeEstimate` as JSON (``from`` is a Python keyword, hence this spelling)."""


class EffectJSON(TypedDict):
    """An :class:`Effect` as JSON."""

    node: str
    direct: float
    indirect: float
    total: float
    total_ci: list[float] | None
    nps_points: float
    nps_points_ci: list[float] | None
    mean: float | None
    n: int
    thin_share: float | None
    not_estimable: str | None
    direct_ci: list[float] | None
    indirect_ci: list[float] | None


class RoleJSON(TypedDict):
    """A :class:`RoleEffect` as JSON."""

    role: str
    influence: float
    influence_ci: list[float] | None
    direct: float
    indirect: float
    nps_points: float
    nps_points_ci: list[float] | None
    paths: list[RouteJSON]
    thin_share: float | None
    not_estimable: str | None


# ------------------------------------------------------------------ JSON readers
def _num(v: Any) -> float:
    """A JSON number as a float; ``null`` (a figure that could not be computed) as NaN."""
    return math.nan if v is None else float(v)


def _opt(v: Any) -> float | None:
    return None if v is None else float(v)


def _interval(v: Any) -> Interval | None:
    return None if v is None else (_num(v[0]), _num(v[1]))


def _ci_list(v: Interval | None) -> list[float] | None:
    return None if v is None else [v[0], v[1]]


# --------------------------------------------------------------------- row types
@dataclass(frozen=True, slots=True)
class Route:
    """One path from a role to the outcome: its nodes, effect and share of NPS points, each
    with its 95 % interval (``None`` in results written before the intervals existed)."""

    nodes: tuple[str, ...]
    effect: float
    nps_points: float
    ci: Interval | None = None
    nps_points_ci: Interval | None = None

    def to_dict(self) -> RouteJSON:
        return {"nodes": list(self.nodes), "effect": self.effect, "ci": _ci_list(self.ci),
                "nps_points": self.nps_points, "nps_points_ci": _ci_list(self.nps_points_ci)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Route:
        return cls(nodes=tuple(str(n) for n in d["nodes"]), effect=_num(d["effect"]),
                   nps_points=_num(d.get("nps_points")), ci=_interval(d.get("ci")),
                   nps_points_ci=_interval(d.get("nps_points_ci")))


@dataclass(frozen=True, slots=True)
class EdgeEstimate:
    """One edge of the map with its estimate (``None`` where the engine estimates none:
    edges from roles, or too few responses).  JSON keys ``from``/``to`` are
    :attr:`source`/:attr:`target`."""

    source: str
    target: str
    estimate: float | None
    se: float | None
    ci: Interval | None
    p_value: float | None
    standardized: float | None
    n: int | None
    share: float | None
    expected: str | None
    agrees: bool | None
    thin_share: float | None = None
    not_estimable: str | None = None

    def to_dict(self) -> EdgeJSON:
        return {"from": self.source, "to": self.target, "estimate": self.estimate,
                "se": self.se, "ci": _ci_list(self.ci), "p_value": self.p_value,
                "standardized": self.standardized, "n": self.n, "share": self.share,
                "expected": self.expected, "agrees": self.agrees,
                "thin_share": self.thin_share, "not_estimable": self.not_estimable}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> EdgeEstimate:
        return cls(source=str(d["from"]), target=str(d["to"]), estimate=_opt(d["estimate"]),
                   se=_opt(d["se"]), ci=_interval(d["ci"]), p_value=_opt(d["p_value"]),
                   standardized=_opt(d["standardized"]),
                   n=None if d["n"] is None else int(d["n"]), share=_opt(d["share"]),
                   expected=d["expected"], agrees=d["agrees"],
                   thin_share=_opt(d.get("thin_share")), not_estimable=d.get("not_estimable"))


@dataclass(frozen=True, slots=True)
class Effect:
    """One measured node's direct, indirect and total effect on the outcome (in the
    result's :attr:`~FitResult.effect_unit`) and in NPS points, with its mean and n."""

    node: str
    direct: float
    indirect: float
    total: float
    total_ci: Interval | None
    nps_points: float
    nps_points_ci: Interval | None
    mean: float | None
    n: int
    thin_share: float | None = None
    not_estimable: str | None = None
    direct_ci: Interval | None = None
    indirect_ci: Interval | None = None

    def to_dict(self) -> EffectJSON:
        return {"node": self.node, "direct": self.direct, "indirect": self.indirect,
                "total": self.total, "total_ci": _ci_list(self.total_ci),
                "nps_points": self.nps_points, "nps_points_ci": _ci_list(self.nps_points_ci),
                "mean": self.mean, "n": self.n, "thin_share": self.thin_share,
                "not_estimable": self.not_estimable,
                "direct_ci": _ci_list(self.direct_ci),
                "indirect_ci": _ci_list(self.indirect_ci)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Effect:
        return cls(node=str(d["node"]), direct=_num(d["direct"]), indirect=_num(d["indirect"]),
                   total=_num(d["total"]), total_ci=_interval(d["total_ci"]),
                   nps_points=_num(d["nps_points"]),
                   nps_points_ci=_interval(d["nps_points_ci"]), mean=_opt(d["mean"]),
                   n=int(d["n"]), thin_share=_opt(d.get("thin_share")),
                   not_estimable=d.get("not_estimable"),
                   direct_ci=_interval(d.get("direct_ci")),
                   indirect_ci=_interval(d.get("indirect_ci")))


@dataclass(frozen=True, slots=True)
class RoleEffect:
    """One role's influence (in :attr:`~FitResult.effect_unit`) and NPS points, split into
    direct and indirect, with every :class:`Route` to the outcome (largest first).

    :func:`journeymap.analysis.role_influence` turns it into tables for people."""

    role: str
    influence: float
    influence_ci: Interval | None
    direct: float
    indirect: float
    nps_points: float
    nps_points_ci: Interval | None
    paths: tuple[Route, ...]
    thin_share: float | None = None
    not_estimable: str | None = None

    def to_dict(self) -> RoleJSON:
        return {"role": self.role, "influence": self.influence,
                "influence_ci": _ci_list(self.influence_ci), "direct": self.direct,
                "indirect": self.indirect, "nps_points": self.nps_points,
                "nps_points_ci": _ci_list(self.nps_points_ci),
                "paths": [p.to_dict() for p in self.paths], "thin_share": self.thin_share,
                "not_estimable": self.not_estimable}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RoleEffect:
        return cls(role=str(d["role"]), influence=_num(d["influence"]),
                   influence_ci=_interval(d["influence_ci"]), direct=_num(d["direct"]),
                   indirect=_num(d["indirect"]), nps_points=_num(d["nps_points"]),
                   nps_points_ci=_interval(d["nps_points_ci"]),
                   paths=tuple(Route.from_dict(p) for p in d["paths"]),
                   thin_share=_opt(d.get("thin_share")), not_estimable=d.get("not_estimable"))


# ------------------------------------------------------------ the fitted model
@dataclass(frozen=True)
class ShiftOutcome:
    """What an engine predicts for shifted nodes: mean LTR before and after (0–10) and the
    change in NPS (NPS points) with its 95 % interval and standard error."""

    mean_ltr: float
    predicted_mean_ltr: float
    change: float
    change_ci: Interval
    se: float


class EngineState(Protocol):
    """What an engine keeps after fitting, beyond the JSON, for what-if.

    :func:`journeymap.analysis.what_if` expands role shifts into node shifts and adds
    the baseline NPS; the state predicts the rest.
    """

    def what_if(self, journey_map: JourneyMap, data: SurveyData,
                node_shifts: Mapping[str, float]) -> ShiftOutcome:
        """Predict mean LTR and the NPS change when measured nodes shift (scale points or
        states) for the respondents in ``data``."""
        ...


@dataclass(frozen=True)
class FittedModel:
    """The engine state of a fit made in this process and its respondents (``None`` for a
    streamed or Spark fit, which keeps only sums)."""

    state: EngineState
    data: SurveyData | None = None


# ---------------------------------------------------------------- the result
_EDGE_COLUMNS = ("from", "to", "estimate", "se", "ci", "p_value", "standardized", "n", "share",
                 "expected", "agrees", "thin_share", "not_estimable")
_EFFECT_COLUMNS = ("node", "direct", "indirect", "total", "total_ci", "nps_points",
                   "nps_points_ci", "mean", "n", "thin_share", "not_estimable", "direct_ci",
                   "indirect_ci")
_ROLE_COLUMNS = ("role", "influence", "influence_ci", "direct", "indirect", "nps_points",
                 "nps_points_ci", "paths", "thin_share", "not_estimable")


@dataclass(frozen=True)
class FitResult:
    """The result of fitting a journey map to survey data (``docs/result-schema.md``).

    Immutable: the rows are tuples of frozen dataclasses (:attr:`edge_estimates`,
    :attr:`node_effects`, :attr:`role_effects`).  The tidy tables (:attr:`edges`,
    :attr:`effects`, :attr:`roles`) are built once and handed out as copies;
    :meth:`to_dict` gives the JSON schema.  Effects are in :attr:`effect_unit` — LTR
    points per scale point of the node (linear engine) or NPS points per state
    (bayesnet) — and, in ``nps_points``, in NPS points.  :attr:`model` holds the fitted
    engine state and respondents of a fit made in this process (``None`` after
    :meth:`from_dict`); it is not part of the JSON nor of equality.
    """

    journey_map: JourneyMap
    engine: str
    n_responses: int
    nps: NPSScore
    edge_estimates: tuple[EdgeEstimate, ...]
    node_effects: tuple[Effect, ...]
    role_effects: tuple[RoleEffect, ...]
    warnings: tuple[str, ...] = ()
    effect_unit: EffectUnit = "ltr_points"
    alphas: Mapping[str, float] = field(default_factory=dict)
    """Cronbach's alpha of each composite node's items (NaN when it cannot be computed)."""
    map_check: Mapping[str, Any] | None = None
    """The quick check of the map against the data (``docs/result-schema.md``), or
    ``None`` when it did not run (:func:`journeymap.fit` runs it)."""
    options: Mapping[str, Any] = field(default_factory=dict, compare=False)
    uncertainty: Mapping[str, Any] | None = None
    model: FittedModel | None = field(default=None, repr=False, compare=False)
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict, init=False, repr=False,
                                             compare=False)

    def __post_init__(self) -> None:
        for name in ("edge_estimates", "node_effects", "role_effects", "warnings"):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))

    # ----------------------------------------------------------------- tables
    def _table(self, name: str, rows: Sequence[EdgeEstimate | Effect | RoleEffect],
               columns: tuple[str, ...]) -> pd.DataFrame:
        table = self._tables.get(name)
        if table is None:
            table = self._tables.setdefault(name, _frame([r.to_dict() for r in rows], columns))
        return table.copy()

    @property
    def edges(self) -> pd.DataFrame:
        """One row per edge: estimate, se, ci_low, ci_high, p_value, standardized, n, share…"""
        return self._table("edges", self.edge_estimates, _EDGE_COLUMNS)

    @property
    def effects(self) -> pd.DataFrame:
        """One row per measured node: direct, indirect, total, nps_points, mean, n."""
        return self._table("effects", self.node_effects, _EFFECT_COLUMNS)

    @property
    def roles(self) -> pd.DataFrame:
        """One row per role: influence, CI, direct, indirect, nps_points, paths."""
        return self._table("roles", self.role_effects, _ROLE_COLUMNS)

    def summary(self) -> pd.DataFrame:
        """The estimated edges as a coefficient table (lifelines style)."""
        df = self.edges
        df = df[df["estimate"].notna()]
        return df.set_index(["from", "to"])[["estimate", "se", "ci_low", "ci_high", "p_value",
                                             "standardized", "n"]]

    def effect(self, node: str) -> Effect:
        """The :class:`Effect` of one measured node."""
        for row in self.node_effects:
            if row.node == node:
                return row
        self.journey_map.node(node)  # raises UnknownNodeError with suggestions
        raise JourneymapError(f"'{node}' is not a measured node, so it has no effect record.")

    def role(self, role: str) -> RoleEffect:
        """The :class:`RoleEffect` of one role."""
        for row in self.role_effects:
            if row.role == role:
                return row
        node = self.journey_map.node(role)
        raise JourneymapError(f"'{role}' is a {node.kind}, not a role; roles in this map: "
                              f"{', '.join(r.role for r in self.role_effects) or 'none'}.")

    def fitted_model(self) -> FittedModel:
        """The fitted model with its respondents, or a clear error for a result read back
        from JSON (or streamed) that holds none."""
        if self.model is None or self.model.data is None:
            raise JourneymapError("what-if needs a fit made in this session from the data (a "
                                  "result read back from JSON holds no respondents); fit the "
                                  "map again.")
        return self.model

    # ------------------------------------------------------------------- JSON
    def to_dict(self) -> dict[str, Any]:
        """The FitResult JSON (``docs/result-schema.md``): full-precision numbers, NaN as
        null."""
        out: dict[str, Any] = to_jsonable({
            "schema_version": RESULT_SCHEMA_VERSION,
            "engine": self.engine,
            "map": self.journey_map.name,
            "n_responses": self.n_responses,
            "nps": self.nps.to_dict(),
            "edges": [r.to_dict() for r in self.edge_estimates],
            "effects": [r.to_dict() for r in self.node_effects],
            "roles": [r.to_dict() for r in self.role_effects],
            "warnings": list(self.warnings),
            "alphas": dict(self.alphas),
            "map_check": None if self.map_check is None else dict(self.map_check),
            "uncertainty": None if self.uncertainty is None else dict(self.uncertainty),
        })
        return out

    def to_json(self, path: str | Path | None = None) -> str:
        """:meth:`to_dict` as indented JSON text, written atomically to ``path`` if given."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=2, allow_nan=False)
        if path is not None:
            write_atomic(path, text + "\n")
        return text

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], journey_map: JourneyMap) -> FitResult:
        """Rebuild a result (without a fitted model) from :meth:`to_dict` output."""
        from ._base import get_engine

        n = data["nps"]
        engine = str(data["engine"])
        return cls(journey_map=journey_map, engine=engine,
                   n_responses=int(data["n_responses"]),
                   nps=NPSScore(_num(n["value"]), (_num(n["ci"][0]), _num(n["ci"][1])),
                                n["promoters"], n["passives"], n["detractors"], n["n"]),
                   edge_estimates=tuple(EdgeEstimate.from_dict(r) for r in data["edges"]),
                   node_effects=tuple(Effect.from_dict(r) for r in data["effects"]),
                   role_effects=tuple(RoleEffect.from_dict(r) for r in data["roles"]),
                   warnings=tuple(str(w) for w in data["warnings"]),
                   effect_unit=get_engine(engine).effect_unit,
                   alphas={str(k): _num(v) for k, v in (data.get("alphas") or {}).items()},
                   map_check=data.get("map_check"),
                   uncertainty=None if data.get("uncertainty") is None
                   else dict(data["uncertainty"]))


def _frame(records: Sequence[Mapping[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for rec in records:
        row: dict[str, object] = {}
        for c in columns:
            v = rec.get(c)
            if c.endswith("ci"):
                lo, hi = (v if v is not None else (None, None))
                prefix = c[: -len("ci")]
                row[f"{prefix}ci_low"] = math.nan if lo is None else lo
                row[f"{prefix}ci_high"] = math.nan if hi is None else hi
            else:
                row[c] = v
        rows.append(row)
    return pd.DataFrame(rows)
