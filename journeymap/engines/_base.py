"""The engine interface, the one result object every engine returns, and the registry.

Every engine (``linear``, later ``bayesnet``) is a small class over :class:`Engine`
registered by name in :data:`ENGINES`; :func:`get_engine` picks one by that name —
never by a dotted import string.  Whatever the engine, :meth:`Engine.fit` produces
the same :class:`FitResult` with the JSON schema of DESIGN §6.
"""

from __future__ import annotations

import json
import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..exceptions import JourneymapError, NotFittedError
from ..jsonsafe import to_jsonable
from ..limits import DEFAULT_MIN_RESPONSES, MIN_RESPONSES_FLOOR
from ..nps import NPSScore
from ..outputs import write_atomic

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import NDArray

    from ..data import SurveyData
    from ..headroom import HeadroomTable
    from ..model import JourneyMap
    from ..paths import PathAlgebra
    from .bayesnet import BayesNetState

__all__ = ["DEFAULT_MIN_RESPONSES", "ENGINES", "MIN_RESPONSES_FLOOR", "Engine", "FitResult",
           "get_engine", "register_engine"]

RESULT_SCHEMA_VERSION = 1


@dataclass
class LinearState:
    """What a linear fit keeps beyond its JSON: the path algebra and coefficient covariance."""

    algebra: PathAlgebra
    covariance: NDArray[np.float64]
    tables: dict[str, tuple[HeadroomTable, tuple[str, ...]]]


@dataclass
class FitResult:
    """The result of fitting a journey map to survey data (DESIGN §6).

    The public tables are tidy DataFrames (:attr:`edges`, :attr:`effects`,
    :attr:`roles`); :meth:`to_dict` gives the JSON schema.  Effects are in LTR
    points per scale point of the node (linear engine) and, in ``nps_points``, in
    NPS points.
    """

    journey_map: JourneyMap
    engine: str
    n_responses: int
    nps: NPSScore
    edge_records: list[dict[str, Any]]
    effect_records: list[dict[str, Any]]
    role_records: list[dict[str, Any]]
    warnings: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    state: LinearState | BayesNetState | None = field(default=None, repr=False)
    data: SurveyData | None = field(default=None, repr=False)

    # ----------------------------------------------------------------- tables
    @property
    def edges(self) -> pd.DataFrame:
        """One row per edge: estimate, se, ci_low, ci_high, p_value, standardized, n, share…"""
        return _frame(self.edge_records, ("from", "to", "estimate", "se", "ci", "p_value",
                                          "standardized", "n", "share", "expected", "agrees"))

    @property
    def effects(self) -> pd.DataFrame:
        """One row per measured node: direct, indirect, total (LTR points), nps_points, mean, n."""
        return _frame(self.effect_records, ("node", "direct", "indirect", "total", "total_ci",
                                            "nps_points", "nps_points_ci", "mean", "n"))

    @property
    def roles(self) -> pd.DataFrame:
        """One row per role: influence (LTR points), CI, direct, indirect, nps_points, paths."""
        return _frame(self.role_records, ("role", "influence", "influence_ci", "direct",
                                          "indirect", "nps_points", "nps_points_ci", "paths"))

    def summary(self) -> pd.DataFrame:
        """The estimated edges as a coefficient table (lifelines style)."""
        df = self.edges
        df = df[df["estimate"].notna()]
        return df.set_index(["from", "to"])[["estimate", "se", "ci_low", "ci_high", "p_value",
                                             "standardized", "n"]]

    def effect(self, node: str) -> dict[str, Any]:
        """The effect record of one measured node."""
        for rec in self.effect_records:
            if rec["node"] == node:
                return rec
        self.journey_map.node(node)  # raises UnknownNodeError with suggestions
        raise JourneymapError(f"'{node}' is not a measured node, so it has no effect record.")

    def role(self, role: str) -> dict[str, Any]:
        """The influence record of one role."""
        for rec in self.role_records:
            if rec["role"] == role:
                return rec
        node = self.journey_map.node(role)
        raise JourneymapError(f"'{role}' is a {node.kind}, not a role; roles in this map: "
                              f"{', '.join(r['role'] for r in self.role_records) or 'none'}.")

    # ------------------------------------------------------------------- JSON
    def to_dict(self) -> dict[str, Any]:
        """The FitResult JSON (DESIGN §6): full-precision numbers, NaN as null."""
        out: dict[str, Any] = to_jsonable({
            "schema_version": RESULT_SCHEMA_VERSION,
            "engine": self.engine,
            "map": self.journey_map.name,
            "n_responses": self.n_responses,
            "nps": self.nps.to_dict(),
            "edges": self.edge_records,
            "effects": self.effect_records,
            "roles": self.role_records,
            "warnings": list(self.warnings),
        })
        return out

    def to_json(self, path: str | Path | None = None) -> str:
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=2, allow_nan=False)
        if path is not None:
            write_atomic(path, text + "\n")
        return text

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], journey_map: JourneyMap) -> FitResult:
        """Rebuild a result (without model state) from :meth:`to_dict` output."""
        n = data["nps"]
        return cls(journey_map=journey_map, engine=data["engine"],
                   n_responses=int(data["n_responses"]),
                   nps=NPSScore(_nan(n["value"]), (_nan(n["ci"][0]), _nan(n["ci"][1])),
                                n["promoters"], n["passives"], n["detractors"], n["n"]),
                   edge_records=list(data["edges"]), effect_records=list(data["effects"]),
                   role_records=list(data["roles"]), warnings=list(data["warnings"]))


def _nan(v: Any) -> float:
    return math.nan if v is None else float(v)


def _frame(records: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    import pandas as pd

    rows = []
    for rec in records:
        row: dict[str, Any] = {}
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


class Engine(ABC):
    """Base of all engines: the constructor stores options; :meth:`fit` learns ``result_``."""

    name: ClassVar[str]

    def __init__(self, *, min_responses: int = DEFAULT_MIN_RESPONSES) -> None:
        self.min_responses = min_responses

    @abstractmethod
    def fit(self, journey_map: JourneyMap, data: SurveyData) -> Engine:
        """Fit the map to the data; sets ``result_`` and returns ``self``."""

    @property
    def result_(self) -> FitResult:
        res: FitResult | None = getattr(self, "_result", None)
        if res is None:
            raise NotFittedError(f"the {self.name} engine has not been fitted yet; call fit() "
                                 "first.")
        return res


ENGINES: dict[str, type[Engine]] = {}


def register_engine(name: str) -> Callable[[type[Engine]], type[Engine]]:
    """Class decorator that registers an engine under ``name``."""

    def deco(cls: type[Engine]) -> type[Engine]:
        cls.name = name
        ENGINES[name] = cls
        return cls

    return deco


def get_engine(name: str) -> type[Engine]:
    """The engine class registered as ``name``."""
    from . import bayesnet, linear  # noqa: F401  (register the built-in engines; no pgmpy yet)

    try:
        return ENGINES[name]
    except KeyError:
        raise JourneymapError(f"unknown engine '{name}'; available: "
                              f"{', '.join(sorted(ENGINES))}.") from None
