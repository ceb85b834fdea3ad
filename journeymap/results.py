"""Read a saved FitResult JSON back, checked against the map it claims to describe."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .exceptions import JourneymapError

if TYPE_CHECKING:
    from .engines import FitResult
    from .model import JourneyMap

__all__ = ["read_result"]

REQUIRED = ("schema_version", "engine", "n_responses", "nps", "edges", "effects", "roles",
            "warnings")


def result_from_dict(data: Any, journey_map: JourneyMap, source: str = "the result") -> FitResult:
    """Rebuild a :class:`FitResult` from its JSON data, refusing a result of another map."""
    from .engines import FitResult

    if not isinstance(data, dict) or any(k not in data for k in REQUIRED):
        missing = [k for k in REQUIRED if not isinstance(data, dict) or k not in data]
        raise JourneymapError(f"{source}: this is not a journeymap result (missing "
                              f"{', '.join(missing)}); write one with 'journeymap fit … -o "
                              "result.json'.")
    if data["schema_version"] != 1:
        raise JourneymapError(f"{source}: result schema_version {data['schema_version']!r} is "
                              "not supported (expected 1).")
    fitted = {(e.get("from"), e.get("to")) for e in data["edges"]}
    drawn = {(e.source, e.target) for e in journey_map.edges}
    if fitted != drawn:
        extra = sorted(f"{a} → {b}" for a, b in fitted - drawn)[:3]
        absent = sorted(f"{a} → {b}" for a, b in drawn - fitted)[:3]
        detail = "; ".join(p for p in (
            f"edges only in the result: {', '.join(extra)}" if extra else "",
            f"edges only in the map: {', '.join(absent)}" if absent else "") if p)
        raise JourneymapError(f"{source} was fitted with a different map ({detail}); fit this "
                              "map again.")
    return FitResult.from_dict(data, journey_map)


def read_result(path: str | Path, journey_map: JourneyMap) -> FitResult:
    """Read ``result.json`` (from ``journeymap fit -o``) for ``journey_map``."""
    p = Path(path)
    if not p.exists():
        raise JourneymapError(f"{p}: no such result file.")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise JourneymapError(f"{p}: not a JSON result file ({exc}).") from None
    return result_from_dict(data, journey_map, str(p))
