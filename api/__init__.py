"""The journeymap HTTP API (FastAPI): workspaces with API keys, versioned maps,
datasets, background fits and their analyses.  See ``docs/api.md``.

``create_app`` and ``Settings`` are imported lazily so that the ``journeymap`` CLI,
which loads :mod:`api.cli` for its ``serve`` and ``admin`` commands, stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = ["Settings", "create_app"]

_LAZY = {"create_app": ".main", "Settings": ".settings"}

if TYPE_CHECKING:
    from .main import create_app as create_app
    from .settings import Settings as Settings


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
