"""The routers of the API, one module per resource (FastAPI template layout)."""

from . import datasets, fits, health, maps, workspaces

__all__ = ["datasets", "fits", "health", "maps", "workspaces"]
