"""The engine interface and the registry.

Every engine (``linear``, ``bayesnet``) is a small class over :class:`Engine`
registered by name in :data:`ENGINES`; :func:`get_engine` picks one by that name —
never by a dotted import string.  Whatever the engine, :meth:`Engine.fit` produces
the same :class:`~journeymap.engines.result.FitResult` (``docs/result-schema.md``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from ..exceptions import JourneymapError, NotFittedError
from ..limits import DEFAULT_MIN_RESPONSES, MIN_RESPONSES_FLOOR
from .result import RESULT_SCHEMA_VERSION, EffectUnit, FitResult

if TYPE_CHECKING:
    from ..data import SurveyData
    from ..model import JourneyMap

__all__ = ["DEFAULT_MIN_RESPONSES", "ENGINES", "MIN_RESPONSES_FLOOR", "RESULT_SCHEMA_VERSION",
           "Engine", "FitResult", "get_engine", "register_engine"]

class Engine(ABC):
    """Base of all engines: the constructor stores options; :meth:`fit` learns ``result_``."""

    name: ClassVar[str]
    effect_unit: ClassVar[EffectUnit] = "ltr_points"
    """The unit of the engine's estimates and effects (see :class:`FitResult`)."""
    discrete: ClassVar[bool] = False
    """True when the engine models every node as discrete states (conditional-independence
    checks then use G-tests on those states instead of partial correlations)."""

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
