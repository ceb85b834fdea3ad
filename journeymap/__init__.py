"""journeymap: draw a customer journey as a cause-and-effect map, fit it to survey
data, and show each role its direct and indirect influence on NPS.

Examples
--------
>>> import journeymap as jm
>>> m = jm.example_map()
>>> result = jm.fit(m, jm.example_data(n=400, seed=3).data)
>>> sorted(result.roles["role"])[:2]
['billing', 'installer']

Names are imported lazily so that ``import journeymap`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY: dict[str, str] = {
    "JourneyMap": "journeymap.model",
    "Node": "journeymap.model",
    "Edge": "journeymap.model",
    "SurveyData": "journeymap.data",
    "load_survey": "journeymap.data",
    "NPSScore": "journeymap.nps",
    "nps_score": "journeymap.nps",
    "FitResult": "journeymap.engines",
    "ENGINES": "journeymap.engines",
    "fit": "journeymap.fitting",
    "fit_spark": "journeymap.fitting",
    "fit_stream": "journeymap.fitting",
    "drivers": "journeymap.analysis",
    "role_influence": "journeymap.analysis",
    "what_if": "journeymap.analysis",
    "simulate": "journeymap.datasets",
    "example_map": "journeymap.datasets",
    "example_data": "journeymap.datasets",
    "JourneymapError": "journeymap.exceptions",
    "MapValidationError": "journeymap.exceptions",
    "CycleError": "journeymap.exceptions",
    "UnknownNodeError": "journeymap.exceptions",
    "DataValidationError": "journeymap.exceptions",
    "NotFittedError": "journeymap.exceptions",
    "RenderError": "journeymap.exceptions",
    "MapTooLargeError": "journeymap.exceptions",
}

__all__ = sorted(_LAZY)

if TYPE_CHECKING:
    from .analysis import drivers as drivers
    from .analysis import role_influence as role_influence
    from .analysis import what_if as what_if
    from .data import SurveyData as SurveyData
    from .data import load_survey as load_survey
    from .datasets import example_data as example_data
    from .datasets import example_map as example_map
    from .datasets import simulate as simulate
    from .engines import ENGINES as ENGINES
    from .engines import FitResult as FitResult
    from .exceptions import CycleError as CycleError
    from .exceptions import DataValidationError as DataValidationError
    from .exceptions import JourneymapError as JourneymapError
    from .exceptions import MapTooLargeError as MapTooLargeError
    from .exceptions import MapValidationError as MapValidationError
    from .exceptions import NotFittedError as NotFittedError
    from .exceptions import RenderError as RenderError
    from .exceptions import UnknownNodeError as UnknownNodeError
    from .fitting import fit as fit
    from .fitting import fit_spark as fit_spark
    from .fitting import fit_stream as fit_stream
    from .model import Edge as Edge
    from .model import JourneyMap as JourneyMap
    from .model import Node as Node
    from .nps import NPSScore as NPSScore
    from .nps import nps_score as nps_score

def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'journeymap' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
